package org.mflag.cli;

import java.util.List;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.model.PackageZip;
import org.scijava.log.Logger;

/** {@code ./mflag export model=... [output=x.zip]}: a package folder as one bioimage.io .zip. */
final class ExportCli implements CliCommand {

  @Override
  public String name() {
    return "export";
  }

  @Override
  public String summary() {
    return "write a model package folder as the one .zip that bioimage.io and deepImageJ take";
  }

  @Override
  public List<Key> keys() {
    return PackageZip.KEYS;
  }

  @Override
  public int run(KeyValues args, Logger log, Cancellation cancel) throws Exception {
    PackageZip.run(org.mflag.model.ExportConfig.of(args), log);
    return 0;
  }
}
