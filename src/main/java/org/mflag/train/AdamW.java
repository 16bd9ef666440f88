package org.mflag.train;

import java.util.ArrayList;
import java.util.List;
import org.mflag.nn.Initializer;
import org.mflag.nn.Parameters;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * AdamW with decoupled weight decay, exactly as {@code torch.optim.AdamW}:
 *
 * <pre>
 * p &lt;- p - lr wd p
 * m &lt;- b1 m + (1 - b1) g          v &lt;- b2 v + (1 - b2) g^2
 * p &lt;- p - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * </pre>
 *
 * <p>The learning rate is an input of the step (the schedule lives in Java, so that its position
 * is just the step counter stored in the checkpoint). Every update waits until all gradients are
 * computed: with reference variables an update could otherwise overwrite a weight that another
 * gradient still has to read.</p>
 */
public final class AdamW {

  public static final String STEP = "optimizer.step";

  /** How a step's gradients come from its objective (the loss, times the loss scale in float16). */
  interface GradientRule {
    /** The gradient of {@code objective} for every parameter of {@code trainable}, in that order. */
    List<Operand<TFloat32>> of(Ops tf, Operand<TFloat32> objective, List<Parameters.Entry> trainable);
  }

  /** The gradients of this graph alone: one process, any number of local devices. */
  static final GradientRule LOCAL = (tf, objective, trainable) -> {
    List<Operand<?>> vars = new ArrayList<>();
    for (Parameters.Entry e : trainable) vars.add(e.variable);
    Gradients grads = tf.gradients(objective, vars);
    List<Operand<TFloat32>> out = new ArrayList<>();
    for (int i = 0; i < trainable.size(); i++) {
      Output<TFloat32> gi = grads.dy(i);
      if (gi == null) throw new IllegalStateException("no gradient reaches parameter " + trainable.get(i).name);
      out.add(gi);
    }
    return out;
  };

  private final float beta1;
  private final float beta2;
  private final float epsilon;
  private final float weightDecay;

  public AdamW(float beta1, float beta2, float epsilon, float weightDecay) {
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.weightDecay = weightDecay;
  }

  /**
   * Adds the slots and the update of every trainable parameter and returns the op that runs them.
   *
   * @param before ops that must finish before any parameter changes (the forward outputs fetched
   *     in the same step, batch-norm statistics updates)
   * @param scale null, or the variables of a dynamic {@link LossScale} (float16 training): the gradients are then taken of the loss
   *     times the scale, and a step whose gradients are not all finite changes no weight, moment or step count and
   *     only lowers the scale
   */
  public Op minimize(Parameters params, Operand<TFloat32> loss, Operand<TFloat32> lr, List<Op> before, LossScale.State scale) {
    return minimize(params, loss, lr, before, scale, LOCAL);
  }

  /** As {@link #minimize(Parameters, Operand, Operand, List, LossScale.State)}, with the gradients from {@code rule}. */
  Op minimize(Parameters params, Operand<TFloat32> loss, Operand<TFloat32> lr, List<Op> before, LossScale.State scale, GradientRule rule) {
    Ops tf = params.tf();
    List<Parameters.Entry> trainable = params.ofKind(Parameters.Kind.TRAINABLE);
    List<Operand<TFloat32>> grads = rule.of(tf, scale == null ? loss : scale.scaled(tf, loss), trainable);

    List<Op> barrier = new ArrayList<>(before);
    List<Operand<TFloat32>> g = new ArrayList<>();
    for (int i = 0; i < trainable.size(); i++) {
      Operand<TFloat32> gi = grads.get(i);
      org.tensorflow.op.core.Identity<TFloat32> id = tf.identity(scale == null ? gi : scale.unscale(tf, gi));
      barrier.add(id);
      g.add(id);
    }
    Ops after = tf.withControlDependencies(barrier);
    Operand<TBool> finite = scale == null ? null : scale.allFinite(after, g);

    Variable<TFloat32> step = params.create(STEP, new long[0], Parameters.Kind.OPTIMIZER, Initializer.constant(0f));
    Operand<TFloat32> one = after.constant(1f);
    Operand<TFloat32> t = after.assignAdd(step, finite == null ? one : after.select(finite, one, after.constant(0f)));
    Operand<TFloat32> bc1 = after.math.sub(one, after.math.pow(after.constant(beta1), t));
    Operand<TFloat32> bc2 = after.math.sub(one, after.math.pow(after.constant(beta2), t));
    Operand<TFloat32> decay = after.math.sub(one, after.math.mul(lr, after.constant(weightDecay)));

    List<Op> updates = new ArrayList<>();
    for (int i = 0; i < trainable.size(); i++) {
      Parameters.Entry e = trainable.get(i);
      Variable<TFloat32> m = params.create("optimizer.m." + e.name, e.shape, Parameters.Kind.OPTIMIZER, Initializer.constant(0f));
      Variable<TFloat32> v = params.create("optimizer.v." + e.name, e.shape, Parameters.Kind.OPTIMIZER, Initializer.constant(0f));
      Operand<TFloat32> gi = g.get(i);
      Operand<TFloat32> mNew = after.assign(m, gated(after, finite, after.math.add(after.math.mul(m, after.constant(beta1)),
          after.math.mul(gi, after.constant(1f - beta1))), m));
      Operand<TFloat32> vNew = after.assign(v, gated(after, finite, after.math.add(after.math.mul(v, after.constant(beta2)),
          after.math.mul(after.math.square(gi), after.constant(1f - beta2))), v));
      Operand<TFloat32> denom = after.math.add(after.math.sqrt(after.math.div(vNew, bc2)), after.constant(epsilon));
      Operand<TFloat32> delta = after.math.mul(lr, after.math.div(after.math.div(mNew, bc1), denom));
      updates.add(after.assign(e.variable, gated(after, finite, after.math.sub(after.math.mul(e.variable, decay), delta), e.variable)));
    }
    if (scale != null) updates.add(scale.update(after, finite));
    return tf.withControlDependencies(updates).noOp();
  }

  /** {@code next} where the step is applied ({@code finite} true, or no loss scaling), else {@code current}. */
  private static Operand<TFloat32> gated(Ops tf, Operand<TBool> finite, Operand<TFloat32> next, Operand<TFloat32> current) {
    return finite == null ? next : tf.select(finite, next, current);
  }
}
