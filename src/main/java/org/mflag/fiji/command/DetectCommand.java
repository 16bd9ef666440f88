package org.mflag.fiji.command;

import ij.ImagePlus;
import ij.gui.Roi;
import ij.measure.Calibration;
import ij.measure.ResultsTable;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.config.Task;
import org.mflag.data.Box;
import org.mflag.fiji.convert.ImageJResults;
import org.mflag.infer.InferenceKeys;
import org.mflag.infer.TaskModel;
import org.mflag.runtime.Devices;
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
      if (image == null) throw new IllegalArgumentException("no image: open one first");
      try (TaskModel net = TaskModel.open(kv.path(InferenceKeys.MODEL).toAbsolutePath(), Task.DETECTION,
          Devices.resolve(kv.string(Devices.DEVICE)))) {
        double conf = kv.number(InferenceKeys.CONFIDENCE, net.confidence());
        double nms = kv.number(InferenceKeys.NMS_IOU, net.nmsIou());
        List<String> classes = net.classes();
        List<Roi> rois = new ArrayList<>();
        ResultsTable rt = ImageJResults.results();
        Calibration cal = image.getCalibration();
        int n = image.getStackSize();
        boxes = 0;
        for (int s = 1; s <= n; s++) {
          if (isCanceled()) return;
          showProgress(title() + ": slice " + s + "/" + n, s - 1, n);
          for (Box b : net.boxes(ImageJResults.slice(image, s), conf, nms)) {
            String name = String.format(Locale.ROOT, "%s %.2f", classes.get(b.category), b.score);
            rois.add(ImageJResults.rectangle(b, name, n > 1 ? s : 0));
            rt.incrementCounter();
            rt.addValue("image", image.getTitle());
            rt.addValue("slice", s);
            rt.addValue("x", cal.getX(b.x0));
            rt.addValue("y", cal.getY(b.y0, image.getHeight()));
            rt.addValue("w", (b.x1 - b.x0) * cal.pixelWidth);
            rt.addValue("h", (b.y1 - b.y0) * cal.pixelHeight);
            rt.addValue("class", classes.get(b.category));
            rt.addValue("score", b.score);
            boxes++;
          }
        }
        String note = ImageJResults.add(rois, image, ImageJResults.Target.valueOf(kv.string(InferenceKeys.ADD_TO).toUpperCase(Locale.ROOT)));
        if (note != null) logger().info(note);
        logger().info(String.format(Locale.ROOT, "%s: %d box(es) at confidence %.2f, NMS IoU %.2f", image.getTitle(), boxes, conf, nms));
        clearProgress();
      }
    } catch (Exception e) {
      throw failure(e);
    }
  }
}
