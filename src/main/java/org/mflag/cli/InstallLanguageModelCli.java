package org.mflag.cli;

import java.util.List;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.text.LanguageModelInstall;
import org.scijava.log.Logger;

/** {@code ./mflag install-language-model [file=jar]}: the default frozen BERT into the cache, checked. */
final class InstallLanguageModelCli implements CliCommand {

  @Override
  public String name() {
    return "install-language-model";
  }

  @Override
  public String summary() {
    return "download (or copy from file=) the default frozen language model, 390 MB, into the cache; only where it is not shipped";
  }

  @Override
  public List<Key> keys() {
    return LanguageModelInstall.KEYS;
  }

  @Override
  public int run(KeyValues args, Logger log, Cancellation cancel) throws Exception {
    LanguageModelInstall.run(org.mflag.text.InstallConfig.of(args), log);
    return 0;
  }
}
