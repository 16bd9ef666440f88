package org.mflag.fiji.command;

import java.io.File;
import java.util.List;
import org.mflag.config.Key;
import org.mflag.nn.ImageNetImport;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/** M-FLAG Import ImageNet Weights: Keras' ImageNet ResNet50 weights, checked and converted into the cache. */
@Plugin(type = Command.class, headless = true, label = "M-FLAG Import ImageNet Weights")
public class ImportWeightsCommand extends KeyCommand {

  @Parameter(style = "open", persist = false, required = false)
  private File file;
  @Parameter(persist = false)
  private String cache_dir;

  @Parameter(type = ItemIO.OUTPUT, label = "Imported")
  private String imported;

  @Override
  public List<Key> keys() {
    return ImageNetImport.KEYS;
  }

  @Override
  public String title() {
    return "M-FLAG Import ImageNet Weights";
  }

  @Override
  public void run() {
    try {
      imported = ImageNetImport.run(org.mflag.nn.ImportConfig.of(keyValues()), logger()).toString();
    } catch (Exception e) {
      throw failure(e);
    }
  }
}
