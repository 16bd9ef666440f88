package org.mflag.loss;

import java.util.List;
import org.mflag.data.Box;
import org.mflag.nn.YoloLayout;

/**
 * YOLOv3 target assignment for one batch: each ground-truth box goes to the one prediction whose
 * anchor has the best width-height IoU with it (of all nine), in the cell that holds its centre. When
 * two boxes claim the same prediction the later one wins, as in YOLOv3. The arrays are the inputs
 * of {@link DetectionLoss#build}.
 */
public final class YoloTargets {

  public final float[] assigned;
  public final float[] box;
  public final float[] scale;
  public final float[] classes;
  public final float[] truths;
  public final int maxBoxes;

  /**
   * @param images ground-truth boxes per image in input pixels ({@link Box#category} 0-based)
   * @param maxBoxes the padded number of boxes per image (at least the most any image has)
   */
  public YoloTargets(YoloLayout layout, int numClasses, List<List<Box>> images, int maxBoxes) {
    int b = images.size();
    int n = layout.count;
    this.maxBoxes = maxBoxes;
    assigned = new float[b * n];
    box = new float[b * n * 4];
    scale = new float[b * n];
    classes = new float[b * n * numClasses];
    truths = new float[b * maxBoxes * 4];
    double area = (double) layout.size * layout.size;
    for (int i = 0; i < b; i++) {
      List<Box> boxes = images.get(i);
      if (boxes.size() > maxBoxes) throw new IllegalArgumentException("image with " + boxes.size() + " boxes, more than " + maxBoxes);
      for (int k = 0; k < boxes.size(); k++) {
        Box t = boxes.get(k);
        int o = (i * maxBoxes + k) * 4;
        truths[o] = (float) t.x0;
        truths[o + 1] = (float) t.y0;
        truths[o + 2] = (float) t.x1;
        truths[o + 3] = (float) t.y1;
        double w = t.x1 - t.x0, h = t.y1 - t.y0;
        if (w <= 0 || h <= 0) continue;
        int a = bestAnchor(layout, w, h);
        int s = a / YoloLayout.ANCHORS_PER_SCALE;
        int stride = YoloLayout.STRIDES[s];
        double cx = (t.x0 + t.x1) / 2, cy = (t.y0 + t.y1) / 2;
        int g = layout.grid(s);
        int col = Math.min(g - 1, Math.max(0, (int) Math.floor(cx / stride)));
        int row = Math.min(g - 1, Math.max(0, (int) Math.floor(cy / stride)));
        int p = layout.index(s, row, col, a % YoloLayout.ANCHORS_PER_SCALE);
        int q = i * n + p;
        assigned[q] = 1f;
        box[q * 4] = (float) Math.min(1, Math.max(0, cx / stride - col));
        box[q * 4 + 1] = (float) Math.min(1, Math.max(0, cy / stride - row));
        box[q * 4 + 2] = (float) Math.log(w / layout.anchors[a][0]);
        box[q * 4 + 3] = (float) Math.log(h / layout.anchors[a][1]);
        scale[q] = (float) (2 - w * h / area);
        java.util.Arrays.fill(classes, q * numClasses, (q + 1) * numClasses, 0f);
        classes[q * numClasses + t.category] = 1f;
      }
    }
  }

  /** Index (0..8) of the anchor whose box, centred with the truth, has the largest IoU with it. */
  static int bestAnchor(YoloLayout layout, double w, double h) {
    int best = 0;
    double bestIou = -1;
    for (int a = 0; a < layout.anchors.length; a++) {
      double aw = layout.anchors[a][0], ah = layout.anchors[a][1];
      double inter = Math.min(w, aw) * Math.min(h, ah);
      double iou = inter / (w * h + aw * ah - inter);
      if (iou > bestIou) {
        bestIou = iou;
        best = a;
      }
    }
    return best;
  }
}
