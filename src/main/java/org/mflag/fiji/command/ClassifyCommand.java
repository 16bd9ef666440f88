package org.mflag.fiji.command;

import ij.ImagePlus;
import java.io.File;
import java.util.List;
import org.mflag.config.Key;
import org.mflag.infer.InferenceKeys;
import org.mflag.infer.Inference;
import org.mflag.infer.InferenceOptions;
import org.mflag.infer.Job;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/**
 * M-FLAG Classify: a Results row per image or slice with each class's probability ({@code p_<class>})
 * and the label (the most probable class; for a multi-label model every class above 0.5).
 */
@Plugin(type = Command.class, headless = true, label = "M-FLAG Classify")
public class ClassifyCommand extends KeyCommand {

  @Parameter(label = "Image", persist = false)
  private ImagePlus image;
  @Parameter(style = "directory", persist = false)
  private File model;
  @Parameter(persist = false)
  private String device;
  @Parameter(persist = false)
  private String engine;

  @Parameter(type = ItemIO.OUTPUT, label = "Label of the first slice")
  private String label;

  @Override
  public List<Key> keys() {
    return InferenceKeys.CLASSIFY;
  }

  @Override
  public String title() {
    return "M-FLAG Classify";
  }

  @Override
  public void run() {
    try {
      try (Inference net = openInference(image, keyValues(), Job.CLASSIFY, InferenceOptions.DEFAULTS)) {
        label = classifySlices(image, net);
      }
    } catch (Exception e) {
      throw failure(e);
    }
  }

  public String getLabel() {
    return label;
  }
}
