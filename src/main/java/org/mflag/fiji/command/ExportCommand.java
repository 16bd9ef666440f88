package org.mflag.fiji.command;

import java.io.File;
import java.util.List;
import org.mflag.config.Key;
import org.mflag.model.PackageZip;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/** M-FLAG Export Package: a model package folder as the one .zip that bioimage.io and deepImageJ take. */
@Plugin(type = Command.class, headless = true, label = "M-FLAG Export Package")
public class ExportCommand extends KeyCommand {

  @Parameter(style = "directory", persist = false)
  private File model;
  @Parameter(persist = false, required = false)
  private String output;

  @Parameter(type = ItemIO.OUTPUT, label = "Package zip")
  private String zip;

  @Override
  public List<Key> keys() {
    return PackageZip.KEYS;
  }

  @Override
  public String title() {
    return "M-FLAG Export Package";
  }

  @Override
  public void run() {
    try {
      zip = PackageZip.run(org.mflag.model.ExportConfig.of(keyValues()), logger()).toString();
    } catch (Exception e) {
      throw failure(e);
    }
  }
}
