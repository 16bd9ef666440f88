package org.mflag.infer;

import java.util.ArrayList;
import java.util.List;
import org.mflag.data.Box;
import org.mflag.eval.DetectionMetrics;

/**
 * Turns the detector package's output [n, N, 5 + C] (box centre, size, objectness, class
 * probabilities; {@link org.mflag.nn.YoloHead#decode}) into boxes: a box per prediction and class whose
 * score {@code objectness x class probability} exceeds {@code confidence}, clipped to the image, then
 * per-class non-maximum suppression at {@code nmsIou} (MFLAG.md: 0.5 and 0.5).
 */
public final class Detections {

  private Detections() {}

  public static List<List<Box>> decode(float[] out, int images, int classes, int size, double confidence, double nmsIou) {
    int per = 5 + classes;
    int n = images == 0 ? 0 : out.length / (images * per);
    List<List<Box>> all = new ArrayList<>(images);
    for (int i = 0; i < images; i++) {
      List<Box> boxes = new ArrayList<>();
      for (int p = 0; p < n; p++) {
        int o = (i * n + p) * per;
        float obj = out[o + 4];
        if (!(obj > confidence)) continue; // score <= objectness, so nothing below can pass
        double cx = out[o], cy = out[o + 1], w = out[o + 2], h = out[o + 3];
        if (!(Double.isFinite(cx) && Double.isFinite(cy) && Double.isFinite(w) && Double.isFinite(h))) continue;
        double x0 = clip(cx - w / 2, size), y0 = clip(cy - h / 2, size), x1 = clip(cx + w / 2, size), y1 = clip(cy + h / 2, size);
        for (int c = 0; c < classes; c++) {
          double score = obj * out[o + 5 + c];
          if (score > confidence) boxes.add(new Box(x0, y0, x1, y1, c, score));
        }
      }
      all.add(DetectionMetrics.nms(boxes, nmsIou));
    }
    return all;
  }

  private static double clip(double v, int size) {
    return Math.max(0, Math.min(size, v));
  }
}
