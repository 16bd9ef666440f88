package org.mflag.fiji.command;

import ij.ImagePlus;
import java.io.File;
import java.util.List;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.infer.Inference;
import org.mflag.infer.InferenceKeys;
import org.mflag.infer.InferenceOptions;
import org.mflag.infer.Job;
import org.mflag.infer.ZeroShotAnalysis;
import org.mflag.infer.ZeroShotConfig;
import org.mflag.zeroshot.ZeroShot;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/**
 * M-FLAG Zero-shot Classify: the open image (each slice) classified by prompts with a pre-trained package,
 * without labels or fine-tuning. A Results row per slice with each class's probability ({@code p_<class>}) and
 * the label (the most probable class; for pairs every class above 0.5).
 */
@Plugin(type = Command.class, headless = true, label = "M-FLAG Zero-shot Classify")
public class ZeroShotCommand extends KeyCommand {

  @Parameter(label = "Image", persist = false)
  private ImagePlus image;
  @Parameter(style = "directory", persist = false)
  private File model;
  @Parameter(persist = false)
  private String prompts;
  @Parameter(persist = false)
  private String pooling = "mean";
  @Parameter(persist = false)
  private double temperature = 1;
  @Parameter(persist = false)
  private String text_model;
  @Parameter(persist = false)
  private String cache_dir;
  @Parameter(persist = false)
  private String engine;

  @Parameter(type = ItemIO.OUTPUT, label = "Label of the first slice")
  private String label;

  @Override
  public List<Key> keys() {
    return ZeroShotConfig.IMAGE;
  }

  @Override
  public String title() {
    return "M-FLAG Zero-shot Classify";
  }

  @Override
  public void run() {
    try {
      if (image == null) throw new IllegalArgumentException("no image: open one first");
      showProgress(title() + ": embedding the prompts", 0, 1);
      KeyValues kv = keyValues();
      ZeroShot z = ZeroShotAnalysis.classifier(ZeroShotConfig.of(kv), kv.path(InferenceKeys.MODEL).toAbsolutePath(),
          org.mflag.infer.Engine.of(kv.string(org.mflag.infer.Engine.ENGINE)), logger());
      try (Inference net = openInference(image, kv, Job.ZERO_SHOT, InferenceOptions.DEFAULTS.withZeroShot(z))) {
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
