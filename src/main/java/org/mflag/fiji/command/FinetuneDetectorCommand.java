package org.mflag.fiji.command;

import java.io.File;
import org.mflag.config.Task;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/** M-FLAG Fine-tune Detector: YOLOv3-style head on a (frozen) pre-trained encoder, from COCO boxes. */
@Plugin(type = Command.class, headless = true, label = "M-FLAG Fine-tune Detector")
public class FinetuneDetectorCommand extends FinetuneCommand {

  @Parameter(style = "open", persist = false)
  private File boxes;
  @Parameter(persist = false)
  private boolean freeze_encoder;
  @Parameter(persist = false)
  private double confidence;
  @Parameter(persist = false)
  private double nms_iou;

  @Override
  protected Task task() {
    return Task.DETECTION;
  }
}
