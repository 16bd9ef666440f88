package org.mflag.fiji.command;

import java.io.File;
import org.mflag.config.Task;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/** M-FLAG Fine-tune Detector: YOLOv3-style head on a (frozen) pre-trained encoder, from COCO boxes. */
@Plugin(type = Command.class, headless = true, label = "M-FLAG Fine-tune Detector")
public class FinetuneDetectorCommand extends FinetuneCommand {

  @Parameter(label = "Boxes (COCO JSON, persist = false)", style = "open", persist = false)
  private File boxes;
  @Parameter(label = "Freeze the encoder", persist = false)
  private boolean freeze_encoder = true;
  @Parameter(label = "Confidence", persist = false)
  private double confidence = 0.5;
  @Parameter(label = "NMS IoU", persist = false)
  private double nms_iou = 0.5;

  @Override
  protected Task task() {
    return Task.DETECTION;
  }
}
