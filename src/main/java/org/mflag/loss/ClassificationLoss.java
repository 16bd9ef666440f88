package org.mflag.loss;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Classification losses (MFLAG.md): softmax cross-entropy for single-label (multi-class) data and
 * binary cross-entropy on sigmoid outputs for multi-label data, with optional class weights as in
 * PyTorch: {@code CrossEntropyLoss(weight=w)} is {@code sum_i w[y_i] nll_i / sum_i w[y_i]};
 * {@code BCEWithLogitsLoss} is the mean over samples and classes of {@code w[c] bce}.
 */
public final class ClassificationLoss {

  private ClassificationLoss() {}

  /** {@code logits} and {@code targets} are [B, C] (targets one-hot or multi-hot); {@code classWeights} has C values. */
  public static Operand<TFloat32> build(Ops tf, Operand<TFloat32> logits, Operand<TFloat32> targets, float[] classWeights,
      boolean multiLabel) {
    Operand<TFloat32> w = tf.constant(classWeights);
    if (multiLabel) {
      Operand<TFloat32> bce = tf.math.mul(Losses.bceWithLogits(tf, logits, targets), w);
      return tf.math.mean(bce, tf.constant(new int[] {0, 1}));
    }
    Operand<TFloat32> nll = tf.math.neg(tf.reduceSum(tf.math.mul(targets, tf.nn.logSoftmax(logits)), tf.constant(1)));
    Operand<TFloat32> sampleWeight = tf.reduceSum(tf.math.mul(targets, w), tf.constant(1));
    return tf.math.div(tf.reduceSum(tf.math.mul(nll, sampleWeight), tf.constant(0)),
        tf.math.maximum(tf.reduceSum(sampleWeight, tf.constant(0)), tf.constant(1e-12f)));
  }
}
