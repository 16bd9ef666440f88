package org.mflag.loss;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The segmentation loss of MFLAG.md (MGCA's {@code MixedLoss}): {@code 10 * focal - log(dice)} on
 * per-pixel logits, where
 * <pre>
 * focal = mean over pixels of exp(gamma * logsigmoid(-x (2z - 1))) * BCE(x, z),   gamma = 2
 * dice  = (2 sum(sigmoid(x) z) + 1) / (sum(sigmoid(x)) + sum(z) + 1)              (soft, whole batch)
 * </pre>
 * A weight per pixel (0 for the mask's "ignore" value, 1 elsewhere) leaves pixels out of both terms:
 * the focal mean is over weighted pixels, the Dice sums are weighted.
 */
public final class SegmentationLoss {

  public static final float ALPHA = 10f;
  public static final float GAMMA = 2f;

  /** The loss and its two parts, all scalars. */
  public static final class Terms {
    public final Operand<TFloat32> total;
    public final Operand<TFloat32> focal;
    public final Operand<TFloat32> dice;

    Terms(Operand<TFloat32> total, Operand<TFloat32> focal, Operand<TFloat32> dice) {
      this.total = total;
      this.focal = focal;
      this.dice = dice;
    }
  }

  private SegmentationLoss() {}

  /** {@code logits}, {@code target} (0/1) and {@code weight} (0/1) have the same shape. */
  public static Terms build(Ops tf, Operand<TFloat32> logits, Operand<TFloat32> target, Operand<TFloat32> weight) {
    Operand<TFloat32> bce = Losses.bceWithLogits(tf, logits, target);
    Operand<TFloat32> sign = tf.math.sub(tf.math.mul(target, tf.constant(2f)), tf.constant(1f));
    Operand<TFloat32> invProbs = Losses.logSigmoid(tf, tf.math.neg(tf.math.mul(logits, sign)));
    Operand<TFloat32> focalPixels = tf.math.mul(tf.math.exp(tf.math.mul(invProbs, tf.constant(GAMMA))), bce);
    Operand<TFloat32> counted = tf.math.maximum(Losses.sum(tf, weight), tf.constant(1f));
    Operand<TFloat32> focal = tf.math.div(Losses.sum(tf, tf.math.mul(focalPixels, weight)), counted);
    Operand<TFloat32> p = tf.math.mul(tf.math.sigmoid(logits), weight);
    Operand<TFloat32> z = tf.math.mul(target, weight);
    Operand<TFloat32> one = tf.constant(1f);
    Operand<TFloat32> dice = tf.math.div(tf.math.add(tf.math.mul(tf.constant(2f), Losses.sum(tf, tf.math.mul(p, z))), one),
        tf.math.add(tf.math.add(Losses.sum(tf, p), Losses.sum(tf, z)), one));
    Operand<TFloat32> total = tf.math.sub(tf.math.mul(tf.constant(ALPHA), focal), tf.math.log(dice));
    return new Terms(total, focal, dice);
  }
}
