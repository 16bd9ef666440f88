package org.mflag.fiji.command;

import ij.IJ;
import ij.ImagePlus;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import org.mflag.config.Key;
import org.mflag.data.SampleData;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/**
 * M-FLAG Sample Data: the 48 sample chest X-rays the plugin carries, written into a folder (manifest, masks, boxes,
 * report embeddings), and the first of them opened, ready for the first pre-training, fine-tuning and segmentation.
 */
@Plugin(type = Command.class, headless = true, label = "M-FLAG Sample Data")
public class SampleDataCommand extends KeyCommand {

  @Parameter(style = "directory", persist = false)
  private File output;

  @Parameter(type = ItemIO.OUTPUT, label = "Manifest")
  private String manifest;
  @Parameter(type = ItemIO.OUTPUT, label = "Sample X-ray")
  private ImagePlus image;

  @Override
  public List<Key> keys() {
    return SampleData.KEYS;
  }

  @Override
  public String title() {
    return "M-FLAG Sample Data";
  }

  @Override
  public void run() {
    try {
      Path m = SampleData.write(keyValues().path(SampleData.OUTPUT), logger());
      manifest = m.toString();
      image = IJ.openImage(SampleData.firstImage(m).toString());
    } catch (Exception e) {
      throw failure(e);
    }
  }

  public String getManifest() {
    return manifest;
  }
}
