package org.mflag.fiji.command;

import org.mflag.config.Task;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/** M-FLAG Fine-tune Segmenter: U-Net on a (frozen) pre-trained encoder, from images and masks. */
@Plugin(type = Command.class, headless = true, label = "M-FLAG Fine-tune Segmenter")
public class FinetuneSegmenterCommand extends FinetuneCommand {

  @Parameter(label = "Mask column", persist = false)
  private String mask_column = "mask";
  @Parameter(label = "Ignored mask value (empty = none, persist = false)", required = false)
  private String ignore_value = "";
  @Parameter(label = "Freeze the encoder", persist = false)
  private boolean freeze_encoder = true;
  @Parameter(label = "Threshold", persist = false)
  private double threshold = 0.5;

  @Override
  protected Task task() {
    return Task.SEGMENTATION;
  }
}
