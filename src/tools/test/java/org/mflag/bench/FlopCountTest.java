package org.mflag.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mflag.runtime.TensorFlowRuntime;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Operation;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** The benchmark's FLOP counter on graphs whose cost is known by hand. */
class FlopCountTest {

  @Test
  void matMulCountsTwiceItsMultiplyAccumulatesOnceEach() {
    TensorFlowRuntime.ensureLoaded();
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> a = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 8)));
      Placeholder<TFloat32> b = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(16, 8)));
      Operand<TFloat32> ab = tf.linalg.matMul(a, b, org.tensorflow.op.linalg.MatMul.transposeB(true)); // [n, 16], K = 8
      Operand<TFloat32> y = tf.math.add(ab, ab);
      FlopCount c = FlopCount.of(List.of(y.op(), ab.op()), 4); // ab reached twice, counted once; batch -1 counts as 4
      assertEquals(2L * 4 * 16 * 8, c.total());
      assertEquals(4 * 16, c.elementwiseOutputs());
    }
  }

  @Test
  void convolutionAndItsTwoGradientsEachCostTheForwardPass() {
    TensorFlowRuntime.ensureLoaded();
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, 10, 10, 3)));
      Placeholder<TFloat32> w = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(3, 3, 3, 5)));
      Operand<TFloat32> y = tf.nn.conv2d(x, w, Arrays.asList(1L, 1L, 1L, 1L), "VALID"); // [2, 8, 8, 5]
      long forward = 2L * 2 * 8 * 8 * 5 * (3 * 3 * 3);
      assertEquals(forward, FlopCount.of(List.of(y.op()), 1).total());
      Gradients grads = tf.gradients(tf.reduceSum(y, tf.constant(new int[] {0, 1, 2, 3})), Arrays.asList(x, w));
      Operation dx = grads.dy(0).op(), dw = grads.dy(1).op();
      assertEquals("Conv2DBackpropInput", dx.type());
      assertEquals("Conv2DBackpropFilter", dw.type());
      FlopCount c = FlopCount.of(List.of(dx, dw), 1);
      assertEquals(3 * forward, c.total(), "forward + input gradient + filter gradient: " + c.byType());
      assertTrue(c.operations() > 3);
    }
  }
}
