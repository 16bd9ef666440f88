package org.mflag.train;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.mflag.nn.Parameters;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.types.TFloat32;

/**
 * The gradients of one task of a cluster ({@link org.mflag.runtime.Cluster}) for the M-FLAG loss of the whole batch.
 * Each task runs the encoder on its share of the batch; the pooled embeddings of all tasks are gathered, so that every
 * task computes the projectors and the loss (whose orthogonality term is a Gram matrix over the whole batch) exactly
 * as one process would. Then:
 * <ul>
 *   <li>the projectors' gradients come straight from that loss (the same in every task; all-reduced to their mean so
 *   that rounding cannot make the copies drift);</li>
 *   <li>the loss's gradient for the gathered embeddings is cut to this task's rows and carried back through this
 *   task's encoder, and those partial gradients are summed over the tasks (all-reduce): the loss's gradient for the
 *   encoder is the sum over the batch, whose rows the tasks share out.</li>
 * </ul>
 * Every task then applies the same update to its copy of the weights.
 */
final class ClusterGradients implements AdamW.GradientRule {

  private final Collectives collectives;
  private final Operand<TFloat32> localEmbedding;
  private final Operand<TFloat32> gatheredEmbedding;
  private final int rank;
  private final Predicate<String> isEncoder;

  ClusterGradients(Collectives collectives, Operand<TFloat32> localEmbedding, Operand<TFloat32> gatheredEmbedding, int rank,
      Predicate<String> isEncoder) {
    this.collectives = collectives;
    this.localEmbedding = localEmbedding;
    this.gatheredEmbedding = gatheredEmbedding;
    this.rank = rank;
    this.isEncoder = isEncoder;
  }

  @Override
  public List<Operand<TFloat32>> of(Ops tf, Operand<TFloat32> objective, List<Parameters.Entry> trainable) {
    List<Parameters.Entry> heads = new ArrayList<>();
    List<Parameters.Entry> encoder = new ArrayList<>();
    for (Parameters.Entry e : trainable) (isEncoder.test(e.name) ? encoder : heads).add(e);
    List<Operand<?>> x = new ArrayList<>();
    for (Parameters.Entry e : heads) x.add(e.variable);
    x.add(gatheredEmbedding);
    Gradients direct = tf.gradients(objective, x);
    List<Operand<TFloat32>> headGrads = new ArrayList<>();
    for (int i = 0; i < heads.size(); i++) headGrads.add(required(direct.dy(i), heads.get(i)));
    Output<TFloat32> allRows = direct.dy(heads.size());
    long rows = localEmbedding.shape().size(0);
    long width = localEmbedding.shape().size(1);
    Operand<TFloat32> mine = tf.slice(allRows, tf.constant(new long[] {rank * rows, 0}), tf.constant(new long[] {rows, width}));
    List<Operand<?>> encoderVars = new ArrayList<>();
    for (Parameters.Entry e : encoder) encoderVars.add(e.variable);
    Gradients back = tf.gradients(List.of(localEmbedding), encoderVars, Gradients.dx(List.of(mine)));
    List<Operand<TFloat32>> encoderGrads = new ArrayList<>();
    for (int i = 0; i < encoder.size(); i++) encoderGrads.add(required(back.dy(i), encoder.get(i)));
    List<Operand<TFloat32>> headMeans = collectives.reduceAll(headGrads, true);
    List<Operand<TFloat32>> encoderSums = collectives.reduceAll(encoderGrads, false);
    List<Operand<TFloat32>> out = new ArrayList<>();
    int h = 0;
    int e = 0;
    for (Parameters.Entry p : trainable) out.add(isEncoder.test(p.name) ? encoderSums.get(e++) : headMeans.get(h++));
    return out;
  }

  private static Operand<TFloat32> required(Output<TFloat32> g, Parameters.Entry p) {
    if (g == null) throw new IllegalStateException("no gradient reaches parameter " + p.name);
    return g;
  }
}
