package org.mflag.fiji.command;

import ij.ImagePlus;
import ij.gui.Roi;
import ij.measure.ResultsTable;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.data.Box;
import org.mflag.fiji.convert.ImageJResults;
import org.mflag.infer.InferenceKeys;
import org.mflag.infer.Detection;
import org.mflag.infer.Inference;
import org.mflag.infer.InferenceOptions;
import org.mflag.infer.Job;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/**
 * M-FLAG Detect: applies a fine-tuned detector to the image (every slice) and returns rectangle ROIs
 * named "class score" (ROI Manager or overlay) and a Results row per box: image, slice, x, y, w, h (in
 * calibrated units), class, score.
 */
@Plugin(type = Command.class, headless = true, label = "M-FLAG Detect")
public class DetectCommand extends KeyCommand {

  @Parameter(label = "Image", persist = false)
  private ImagePlus image;
  @Parameter(style = "directory", persist = false)
  private File model;
  @Parameter(persist = false)
  private String device;
  @Parameter(persist = false)
  private String engine;
  @Parameter(persist = false)
  private String add_to;
  @Parameter(persist = false)
  private String confidence;
  @Parameter(persist = false)
  private String nms_iou;

  @Parameter(type = ItemIO.OUTPUT, label = "Boxes")
  private int boxes;

  @Override
  public List<Key> keys() {
    return InferenceKeys.DETECT;
  }

  @Override
  public String title() {
    return "M-FLAG Detect";
  }

  @Override
  public void run() {
    try {
      KeyValues kv = keyValues();
      try (Inference net = openInference(image, kv, Job.DETECT, InferenceOptions.of(Job.DETECT, kv))) {
        List<Roi> rois = new ArrayList<>();
        ResultsTable rt = ImageJResults.results();
        int n = image.getStackSize();
        boxes = 0;
        boolean done = forEachSlice(image, (s, grey) -> {
          Detection d = net.detect(grey);
          for (Box b : d.boxes()) {
            rois.add(ImageJResults.rectangle(b, String.format(Locale.ROOT, "%s %.2f", d.className(b), b.score), n > 1 ? s : 0));
            ImageJResults.addBoxRow(rt, image, s, b, d.className(b));
          }
          boxes += d.boxes().size();
        });
        if (!done) return;
        String note = ImageJResults.add(rois, image, ImageJResults.Target.valueOf(kv.string(InferenceKeys.ADD_TO).toUpperCase(Locale.ROOT)));
        if (note != null) logger().info(note);
        logger().info(String.format(Locale.ROOT, "%s: %d box(es) at confidence %.2f, NMS IoU %.2f", image.getTitle(), boxes,
            net.confidence(), net.nmsIou()));
      }
    } catch (Exception e) {
      throw failure(e);
    }
  }
}
