package org.mflag.bench;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Operation;
import org.tensorflow.ndarray.Shape;

/**
 * The arithmetic a TensorFlow graph does to compute some outputs, counted exactly from the graph's
 * static shapes: 2 x the multiply-accumulates of every Conv2D, MatMul and BatchMatMul and of the
 * gradient ops that training adds (Conv2DBackpropInput, Conv2DBackpropFilter; MatMul gradients are
 * MatMuls), over the operations the outputs depend on (data and control inputs), each counted once.
 *
 * <p>Element-wise work (batch norm, ReLU, the optimiser's update, the loss) is left out, as FLOP
 * counts usually do: it is well under 1% of a ResNet's arithmetic and bound by memory, not by the
 * multiply units the MatMul peak measures. {@link #elementwiseOutputs} reports its size.</p>
 */
public final class FlopCount {

  private final Map<String, Long> byType = new TreeMap<>();
  private long elementwise;
  private int operations;

  private FlopCount() {}

  /**
   * Counts what computing {@code roots} costs. A dimension left unknown in the graph (a batch of -1)
   * counts as {@code unknownDimension}.
   */
  public static FlopCount of(Collection<? extends Operation> roots, long unknownDimension) {
    FlopCount c = new FlopCount();
    Deque<GraphOperation> todo = new ArrayDeque<>();
    Set<GraphOperation> seen = new HashSet<>();
    for (Operation r : roots) {
      if (!(r instanceof GraphOperation)) throw new IllegalArgumentException(r.name() + " is not a graph operation");
      if (seen.add((GraphOperation) r)) todo.add((GraphOperation) r);
    }
    while (!todo.isEmpty()) {
      GraphOperation op = todo.pop();
      c.operations++;
      c.add(op, unknownDimension);
      for (Operand<?> in : op.inputs()) {
        GraphOperation p = (GraphOperation) in.op();
        if (seen.add(p)) todo.add(p);
      }
      for (GraphOperation p : op.controlInputs()) if (seen.add(p)) todo.add(p);
    }
    return c;
  }

  private void add(GraphOperation op, long unknown) {
    long flops;
    switch (op.type()) {
      case "Conv2D": {
        Shape filter = op.input(1).shape();
        flops = 2 * elements(op.output(0).shape(), unknown) * elements(filter, unknown) / filter.size(3);
        break;
      }
      case "Conv2DBackpropInput": {
        Shape filter = op.input(1).shape();
        flops = 2 * elements(op.input(2).shape(), unknown) * elements(filter, unknown) / filter.size(3);
        break;
      }
      case "Conv2DBackpropFilter": {
        Shape grad = op.output(0).shape();
        flops = 2 * elements(op.input(2).shape(), unknown) * elements(grad, unknown) / grad.size(3);
        break;
      }
      case "MatMul":
      case "BatchMatMul":
      case "BatchMatMulV2":
      case "BatchMatMulV3": {
        // out [..., M, N]; a is [..., M, K] or [..., K, M]: K = |a| / (|out| / N)
        Shape out = op.output(0).shape();
        long n = out.size(out.numDimensions() - 1);
        long outElements = elements(out, unknown);
        long k = elements(op.input(0).shape(), unknown) / (outElements / n);
        flops = 2 * outElements * k;
        break;
      }
      default:
        if (op.numOutputs() > 0 && ELEMENTWISE.contains(op.type())) elementwise += elements(op.output(0).shape(), unknown);
        return;
    }
    byType.merge(op.type(), flops, Long::sum);
  }

  private static final Set<String> ELEMENTWISE = Set.of("Add", "AddV2", "AddN", "Sub", "Mul", "RealDiv", "Relu", "ReluGrad",
      "LeakyRelu", "LeakyReluGrad", "Maximum", "Minimum", "Sqrt", "Rsqrt", "Square", "Exp", "Log", "Neg", "Sigmoid", "SigmoidGrad",
      "FusedBatchNormV3", "FusedBatchNormGradV3", "MaxPool", "MaxPoolGrad", "Sum", "Mean", "AssignSub", "AssignAdd");

  private static long elements(Shape s, long unknown) {
    if (s.isUnknown()) throw new IllegalStateException("a tensor of unknown rank: shapes must be static to count FLOPs");
    long n = 1;
    for (int i = 0; i < s.numDimensions(); i++) n *= s.size(i) < 0 ? unknown : s.size(i);
    return n;
  }

  /** FLOPs in total. */
  public long total() {
    long t = 0;
    for (long v : byType.values()) t += v;
    return t;
  }

  /** FLOPs per operation type. */
  public Map<String, Long> byType() {
    return Collections.unmodifiableMap(byType);
  }

  /** Outputs of the element-wise operations (not in {@link #total}), to show how small they are. */
  public long elementwiseOutputs() {
    return elementwise;
  }

  /** How many operations the roots depend on. */
  public int operations() {
    return operations;
  }
}
