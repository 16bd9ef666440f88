package org.mflag.loss;

import java.util.Arrays;
import org.mflag.nn.YoloHead;
import org.mflag.nn.YoloLayout;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The YOLOv3 loss on the raw head outputs [B, N, 5 + C] ({@link YoloHead}), summed over predictions
 * and divided by the batch size:
 * <pre>
 * xy    = sum over assigned predictions of scale * BCE(tx, x offset in the cell) (and y)
 * wh    = sum over assigned predictions of scale * 0.5 (tw - log(w / anchor w))^2  (and h)
 * obj   = sum over assigned of BCE(to, 1) + sum over negatives of BCE(to, 0)
 * class = sum over assigned of BCE(class logits, one-hot class)
 * </pre>
 * with {@code scale = 2 - w h / S^2} (small boxes count more). A prediction that is not assigned
 * but whose decoded box overlaps a ground-truth box by IoU > 0.5 is not a negative (YOLOv3's ignore
 * rule); that IoU is computed in the graph, without gradient. {@link YoloTargets} builds the inputs.
 */
public final class DetectionLoss {

  public static final float IGNORE_IOU = 0.5f;

  /** The loss and its parts, all scalars. */
  public static final class Terms {
    public final Operand<TFloat32> total;
    public final Operand<TFloat32> box;
    public final Operand<TFloat32> objectness;
    public final Operand<TFloat32> classes;

    Terms(Operand<TFloat32> total, Operand<TFloat32> box, Operand<TFloat32> objectness, Operand<TFloat32> classes) {
      this.total = total;
      this.box = box;
      this.objectness = objectness;
      this.classes = classes;
    }
  }

  private DetectionLoss() {}

  /**
   * @param raw [B, N, 5 + C] head outputs
   * @param assigned [B, N] 1 where a ground-truth box is assigned to the prediction
   * @param box [B, N, 4] targets of assigned predictions: x and y offset in the cell (0..1), log(w / anchor w), log(h / anchor h)
   * @param scale [B, N] 2 - w h / S^2 of the assigned box
   * @param classes [B, N, C] one-hot class of the assigned box
   * @param truths [B, M, 4] ground-truth boxes (x0, y0, x1, y1 in input pixels), zero-padded
   */
  public static Terms build(Ops tf, Operand<TFloat32> raw, YoloLayout layout, int numClasses, Operand<TFloat32> assigned,
      Operand<TFloat32> box, Operand<TFloat32> scale, Operand<TFloat32> classes, Operand<TFloat32> truths) {
    Operand<TFloat32> txy = YoloHead.slice(tf, raw, 0, 2);
    Operand<TFloat32> twh = YoloHead.slice(tf, raw, 2, 2);
    Operand<TFloat32> tobj = tf.squeeze(YoloHead.slice(tf, raw, 4, 1), org.tensorflow.op.core.Squeeze.axis(Arrays.asList(2L)));
    Operand<TFloat32> tcls = YoloHead.slice(tf, raw, 5, numClasses);
    Operand<TFloat32> weight = tf.expandDims(tf.math.mul(assigned, scale), tf.constant(2));
    Operand<TFloat32> xy = Losses.sum(tf, tf.math.mul(Losses.bceWithLogits(tf, txy, YoloHead.slice(tf, box, 0, 2)), weight));
    Operand<TFloat32> dwh = tf.math.sub(twh, YoloHead.slice(tf, box, 2, 2));
    Operand<TFloat32> wh = Losses.sum(tf, tf.math.mul(tf.math.mul(tf.math.mul(dwh, dwh), tf.constant(0.5f)), weight));

    Operand<TFloat32> one = tf.constant(1f);
    Operand<TFloat32> ignored = overlapsTruth(tf, tf.stopGradient(raw), layout, numClasses, truths);
    Operand<TFloat32> negative = tf.math.mul(tf.math.sub(one, assigned), tf.math.sub(one, ignored));
    Operand<TFloat32> obj = tf.math.add(
        Losses.sum(tf, tf.math.mul(Losses.bceWithLogits(tf, tobj, one), assigned)),
        Losses.sum(tf, tf.math.mul(Losses.bceWithLogits(tf, tobj, tf.constant(0f)), negative)));
    Operand<TFloat32> cls = Losses.sum(tf, tf.math.mul(Losses.bceWithLogits(tf, tcls, classes), tf.expandDims(assigned, tf.constant(2))));

    Operand<TFloat32> batch = tf.dtypes.cast(tf.gather(tf.shape(raw), tf.constant(0), tf.constant(0)), TFloat32.class);
    Operand<TFloat32> boxLoss = tf.math.div(tf.math.add(xy, wh), batch);
    Operand<TFloat32> objLoss = tf.math.div(obj, batch);
    Operand<TFloat32> clsLoss = tf.math.div(cls, batch);
    return new Terms(tf.math.add(tf.math.add(boxLoss, objLoss), clsLoss), boxLoss, objLoss, clsLoss);
  }

  /** [B, N]: 1 where the decoded prediction overlaps some ground-truth box by IoU > {@link #IGNORE_IOU}. */
  private static Operand<TFloat32> overlapsTruth(Ops tf, Operand<TFloat32> raw, YoloLayout layout, int numClasses,
      Operand<TFloat32> truths) {
    Operand<TFloat32> decoded = YoloHead.decode(tf, raw, layout, numClasses);
    Operand<TFloat32> centre = YoloHead.slice(tf, decoded, 0, 2);
    Operand<TFloat32> half = tf.math.mul(YoloHead.slice(tf, decoded, 2, 2), tf.constant(0.5f));
    Operand<TFloat32> p0 = tf.expandDims(tf.math.sub(centre, half), tf.constant(2)); // [B, N, 1, 2]
    Operand<TFloat32> p1 = tf.expandDims(tf.math.add(centre, half), tf.constant(2));
    Operand<TFloat32> t0 = tf.expandDims(YoloHead.slice(tf, truths, 0, 2), tf.constant(1)); // [B, 1, M, 2]
    Operand<TFloat32> t1 = tf.expandDims(YoloHead.slice(tf, truths, 2, 2), tf.constant(1));
    Operand<TFloat32> zero = tf.constant(0f);
    Operand<TFloat32> inter = tf.math.maximum(tf.math.sub(tf.math.minimum(p1, t1), tf.math.maximum(p0, t0)), zero);
    Operand<TFloat32> interArea = tf.reduceProd(inter, tf.constant(3)); // [B, N, M]
    Operand<TFloat32> pArea = tf.reduceProd(tf.math.sub(p1, p0), tf.constant(3));
    Operand<TFloat32> tArea = tf.reduceProd(tf.math.sub(t1, t0), tf.constant(3));
    Operand<TFloat32> union = tf.math.maximum(tf.math.sub(tf.math.add(pArea, tArea), interArea), tf.constant(1e-9f));
    Operand<TFloat32> best = tf.reduceMax(tf.math.div(interArea, union), tf.constant(2));
    return tf.dtypes.cast(tf.math.greater(best, tf.constant(IGNORE_IOU)), TFloat32.class);
  }
}
