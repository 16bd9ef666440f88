package org.mflag.fiji.command;

import java.io.File;
import java.util.List;
import org.mflag.config.Key;
import org.mflag.text.LanguageModelInstall;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/** M-FLAG Install Language Model: the default frozen BERT (390 MB), which the update site does not ship, into the cache. */
@Plugin(type = Command.class, headless = true, label = "M-FLAG Install Language Model")
public class InstallLanguageModelCommand extends KeyCommand {

  @Parameter(style = "open", persist = false, required = false)
  private File file;
  @Parameter(persist = false)
  private String cache_dir;

  @Parameter(type = ItemIO.OUTPUT, label = "Installed")
  private String installed;

  @Override
  public List<Key> keys() {
    return LanguageModelInstall.KEYS;
  }

  @Override
  public String title() {
    return "M-FLAG Install Language Model";
  }

  @Override
  public void run() {
    try {
      installed = LanguageModelInstall.run(org.mflag.text.InstallConfig.of(keyValues()), logger()).toString();
    } catch (Exception e) {
      throw failure(e);
    }
  }
}
