package org.mflag.bench;

import org.mflag.runtime.TensorFlowRuntime;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TFloat32;

/**
 * The machine's practical fp32 peak: a large square MatMul through the same TensorFlow graph runtime
 * that trains, best of several runs. Operands live in variables and the product is not fetched, so
 * nothing but the MatMul is timed (constants would be folded away by the graph optimiser).
 */
final class MatMulPeak {

  private MatMulPeak() {}

  /** FLOP/s of an n x n x n MatMul: best of {@code runs} after one warm-up. */
  static double flopsPerSecond(int n, int runs) {
    TensorFlowRuntime.ensureLoaded();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Variable<TFloat32> a = tf.variable(Shape.of(n, n), TFloat32.class);
      Variable<TFloat32> b = tf.variable(Shape.of(n, n), TFloat32.class);
      var dims = tf.constant(new long[] {n, n});
      var initA = tf.assign(a, tf.random.randomUniform(dims, TFloat32.class));
      var initB = tf.assign(b, tf.random.randomUniform(dims, TFloat32.class));
      MatMul<TFloat32> product = tf.linalg.matMul(a, b);
      s.runner().addTarget(initA).addTarget(initB).run();
      s.runner().addTarget(product).run();
      double best = Double.MAX_VALUE;
      for (int i = 0; i < runs; i++) {
        long t0 = System.nanoTime();
        s.runner().addTarget(product).run();
        best = Math.min(best, (System.nanoTime() - t0) / 1e9);
      }
      return 2.0 * n * n * n / best;
    }
  }
}
