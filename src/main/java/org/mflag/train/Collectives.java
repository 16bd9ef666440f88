package org.mflag.train;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;

/**
 * The collective ops of one task's copy of the step ({@link org.mflag.runtime.Cluster}): all-gather and all-reduce
 * over every task. Each op needs an instance key that is the same in every task and different from the other ops'; the
 * tasks build the same graph in the same order, so a counter gives those keys. An op waits at most {@code timeout}
 * seconds for the other tasks, so that a task that died stops the others with an error instead of a hang.
 */
final class Collectives {

  private static final long GROUP = 1;

  private final Graph graph;
  private final Ops tf;
  private final int size;
  private final float timeoutSeconds;
  private long nextInstance = 1;

  Collectives(Graph graph, Ops tf, int size, float timeoutSeconds) {
    this.graph = graph;
    this.tf = tf;
    this.size = size;
    this.timeoutSeconds = timeoutSeconds;
  }

  int size() {
    return size;
  }

  /** Every task's {@code x} ({@code local} is its shape), concatenated along the first axis in task order. */
  Operand<TFloat32> gather(Operand<TFloat32> x, Shape local) {
    return graph.<TFloat32>opBuilder("CollectiveGather", name("gather"), tf.scope()).addInput(x.asOutput()).setAttr("T", DataType.DT_FLOAT)
        .setAttr("group_size", size).setAttr("group_key", GROUP).setAttr("instance_key", nextInstance++).setAttr("shape", local)
        .setAttr("timeout_seconds", timeoutSeconds).build().<TFloat32>output(0);
  }

  /** The sum of every task's {@code x}. */
  Operand<TFloat32> sum(Operand<TFloat32> x) {
    return reduce(x, "Id");
  }

  /** The mean of every task's {@code x}. */
  Operand<TFloat32> mean(Operand<TFloat32> x) {
    return reduce(x, "Div");
  }

  /**
   * The sums (or means) of several tensors through one all-reduce: flattened, concatenated, reduced and cut back into
   * their shapes, so that a step of 160 gradients meets the other tasks once, not 160 times.
   */
  List<Operand<TFloat32>> reduceAll(List<Operand<TFloat32>> xs, boolean mean) {
    List<Operand<TFloat32>> flat = new ArrayList<>();
    List<Long> sizes = new ArrayList<>();
    for (Operand<TFloat32> x : xs) {
      long n = x.shape().size();
      if (n < 0) throw new IllegalArgumentException("all-reduce needs static shapes, got " + x.shape());
      flat.add(tf.reshape(x, tf.constant(new long[] {-1})));
      sizes.add(n);
    }
    Operand<TFloat32> reduced = reduce(tf.concat(flat, tf.constant(0)), mean ? "Div" : "Id");
    long[] split = sizes.stream().mapToLong(Long::longValue).toArray();
    List<Operand<TFloat32>> out = new ArrayList<>();
    List<Output<TFloat32>> parts = tf.splitV(reduced, tf.constant(split), tf.constant(0), (long) split.length).output();
    for (int i = 0; i < xs.size(); i++) out.add(tf.reshape(parts.get(i), tf.constant(xs.get(i).shape().asArray())));
    return out;
  }

  private Operand<TFloat32> reduce(Operand<TFloat32> x, String finalOp) {
    return graph.<TFloat32>opBuilder("CollectiveReduce", name("reduce"), tf.scope()).addInput(x.asOutput()).setAttr("T", DataType.DT_FLOAT)
        .setAttr("group_size", size).setAttr("group_key", GROUP).setAttr("instance_key", nextInstance++).setAttr("merge_op", "Add")
        .setAttr("final_op", finalOp).setAttr("subdiv_offsets", new long[] {0}).setAttr("timeout_seconds", timeoutSeconds).build()
        .<TFloat32>output(0);
  }

  private String name(String kind) {
    return tf.scope().makeOpName("collective_" + kind + "_" + nextInstance);
  }
}
