package org.mflag.loss;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Numerically stable pieces shared by the task losses, written with ops whose gradients TensorFlow's
 * C++ API has (Relu, Abs, Exp, Log1p, Mul): no Softplus or SigmoidCrossEntropy kernels needed.
 */
final class Losses {

  private Losses() {}

  /** Element-wise binary cross-entropy with logits: {@code max(x,0) - x z + log(1 + exp(-|x|))}. */
  static Operand<TFloat32> bceWithLogits(Ops tf, Operand<TFloat32> x, Operand<TFloat32> z) {
    return tf.math.add(tf.math.sub(tf.nn.relu(x), tf.math.mul(x, z)), softplusOfMinusAbs(tf, x));
  }

  /** {@code log(sigmoid(u)) = -(max(-u, 0) + log(1 + exp(-|u|)))}. */
  static Operand<TFloat32> logSigmoid(Ops tf, Operand<TFloat32> u) {
    return tf.math.neg(tf.math.add(tf.nn.relu(tf.math.neg(u)), softplusOfMinusAbs(tf, u)));
  }

  private static Operand<TFloat32> softplusOfMinusAbs(Ops tf, Operand<TFloat32> x) {
    return tf.math.log1p(tf.math.exp(tf.math.neg(tf.math.abs(x))));
  }

  static Operand<TFloat32> sum(Ops tf, Operand<TFloat32> x) {
    return tf.reduceSum(x, tf.range(tf.constant(0), tf.rank(x), tf.constant(1)));
  }
}
