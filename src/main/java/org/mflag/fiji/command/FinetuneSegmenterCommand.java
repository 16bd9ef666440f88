package org.mflag.fiji.command;

import org.mflag.config.Task;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/** M-FLAG Fine-tune Segmenter: U-Net on a (frozen) pre-trained encoder, from images and masks. */
@Plugin(type = Command.class, headless = true, label = "M-FLAG Fine-tune Segmenter")
public class FinetuneSegmenterCommand extends FinetuneCommand {

  @Parameter(persist = false)
  private String mask_column;
  @Parameter(persist = false)
  private String ignore_value;
  @Parameter(persist = false)
  private boolean freeze_encoder;
  @Parameter(persist = false)
  private double threshold;

  @Override
  protected Task task() {
    return Task.SEGMENTATION;
  }
}
