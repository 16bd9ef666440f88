package org.mflag.train;

import java.util.List;
import org.mflag.nn.Initializer;
import org.mflag.nn.Parameters;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * Dynamic loss scaling for float16 training ({@link org.mflag.nn.Precision#MIXED_FP16}), with the rules and defaults
 * of PyTorch's {@code GradScaler} and Keras' {@code LossScaleOptimizer}: the loss is multiplied by the scale before
 * the backward pass, so that small gradients survive float16's narrow range, and the gradients are divided by it
 * afterwards, in fp32. When any gradient is infinite or NaN the step is skipped (weights, AdamW's moments and step
 * unchanged) and the scale halved; after {@code growthInterval} finite steps in a row it doubles. The scale and the
 * run of finite steps are optimiser variables, so checkpoints carry them and a resumed run continues exactly.
 */
public final class LossScale {

  public static final String SCALE = "optimizer.loss_scale";
  public static final String GOOD_STEPS = "optimizer.loss_scale_good_steps";
  /** 2^15: Keras' initial scale (PyTorch starts at 2^16); the first overflowing steps bring it down. */
  public static final float INITIAL = 32768f;
  public static final int GROWTH_INTERVAL = 2000;
  /** The log line of a skipped step. */
  static final String SKIPPED = "precision=mixed_fp16: gradients overflowed float16, step skipped and loss scale halved "
      + "(expected in the first steps, while the scale finds its level)";

  private final float initial;
  private final int growthInterval;

  public LossScale() {
    this(INITIAL, GROWTH_INTERVAL);
  }

  /** A scale starting at {@code initial} (a power of two) that doubles after {@code growthInterval} finite steps. */
  public LossScale(float initial, int growthInterval) {
    if (!(initial > 0) || Float.isInfinite(initial)) throw new IllegalArgumentException("loss scale " + initial + ": must be positive and finite");
    if (growthInterval < 1) throw new IllegalArgumentException("loss scale growth interval " + growthInterval + ": must be at least 1");
    this.initial = initial;
    this.growthInterval = growthInterval;
  }

  /** This loss scaling's variables in the graph of {@code params}. */
  State state(Parameters params) {
    return new State(params);
  }

  /** The scale and finite-step counter in one graph, and whether the step's gradients were finite. */
  final class State {
    final Variable<TFloat32> scale;
    final Variable<TFloat32> goodSteps;
    /** True when the step was applied (every gradient finite); set by {@link #allFinite}. */
    Operand<TBool> applied;

    private State(Parameters params) {
      scale = params.create(SCALE, new long[0], Parameters.Kind.OPTIMIZER, Initializer.constant(initial));
      goodSteps = params.create(GOOD_STEPS, new long[0], Parameters.Kind.OPTIMIZER, Initializer.constant(0f));
    }

    /** The value of {@link #applied} fetched from a step's result. */
    boolean applied(org.tensorflow.Tensor fetched) {
      return ((TBool) fetched).getBoolean();
    }

    /** The loss times the current scale: what the gradients are taken of. */
    Operand<TFloat32> scaled(Ops tf, Operand<TFloat32> loss) {
      return tf.math.mul(loss, scale);
    }

    /** The gradient of the loss itself: {@code g / scale}, in fp32. */
    Operand<TFloat32> unscale(Ops tf, Operand<TFloat32> g) {
      return tf.math.div(g, scale);
    }

    /** True when every gradient is finite (the step may be applied). */
    Operand<TBool> allFinite(Ops tf, List<? extends Operand<TFloat32>> grads) {
      Operand<TBool> ok = tf.constant(true);
      for (Operand<TFloat32> g : grads) {
        Operand<TBool> finite = tf.reduceAll(tf.math.isFinite(g), tf.range(tf.constant(0), tf.rank(g), tf.constant(1)));
        ok = tf.math.logicalAnd(ok, finite);
      }
      applied = ok;
      return ok;
    }

    /** Halves the scale after an overflow; doubles it after {@code growthInterval} finite steps in a row. */
    Op update(Ops tf, Operand<TBool> finite) {
      Operand<TFloat32> zero = tf.constant(0f);
      Operand<TFloat32> good = tf.math.add(goodSteps, tf.constant(1f));
      Operand<TBool> grow = tf.math.logicalAnd(finite, tf.math.greaterEqual(good, tf.constant((float) growthInterval)));
      Operand<TFloat32> nextScale = tf.select(finite, tf.select(grow, tf.math.mul(scale, tf.constant(2f)), scale),
          tf.math.mul(scale, tf.constant(0.5f)));
      Operand<TFloat32> nextGood = tf.select(tf.math.logicalAnd(finite, tf.math.logicalNot(grow)), good, zero);
      return tf.withControlDependencies(List.of(tf.assign(scale, nextScale), tf.assign(goodSteps, nextGood))).noOp();
    }
  }
}
