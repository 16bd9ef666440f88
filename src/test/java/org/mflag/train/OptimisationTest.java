package org.mflag.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mflag.nn.Initializer;
import org.mflag.nn.Parameters;
import org.mflag.runtime.TensorFlowRuntime;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

class OptimisationTest {

  /** Three AdamW steps on f(w) = sum(w^2) against torch.optim.AdamW's update written out in Java. */
  @Test
  void adamWMatchesPyTorchsUpdate() {
    TensorFlowRuntime.ensureLoaded();
    float lr = 0.1f, wd = 0.05f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Parameters p = new Parameters(tf);
      Operand<TFloat32> w = p.create("w", new long[] {2}, Parameters.Kind.TRAINABLE, Initializer.constant(0f));
      Placeholder<TFloat32> rate = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
      // w * w, not Square(w): TensorFlow's C++ gradient of Square segfaults on a reference variable input
      Operand<TFloat32> loss = tf.reduceSum(tf.math.mul(w, w), tf.constant(0));
      Op step = new AdamW(b1, b2, eps, wd).minimize(p, loss, rate, List.of(), null);
      p.seal();
      double[] ref = {1.0, -2.0}, m = new double[2], v = new double[2];
      try (Session s = new Session(g)) {
        p.assign(s, java.util.Map.of("w", new float[] {1f, -2f}, "optimizer.m.w", new float[2], "optimizer.v.w",
            new float[2], AdamW.STEP, new float[] {0f}), "test");
        for (int t = 1; t <= 3; t++) {
          try (Tensor r = TFloat32.scalarOf(lr)) {
            s.runner().feed(rate, r).addTarget(step).run().close();
          }
          for (int i = 0; i < 2; i++) {
            double grad = 2 * ref[i];
            ref[i] *= 1 - lr * wd;
            m[i] = b1 * m[i] + (1 - b1) * grad;
            v[i] = b2 * v[i] + (1 - b2) * grad * grad;
            double mh = m[i] / (1 - Math.pow(b1, t)), vh = v[i] / (1 - Math.pow(b2, t));
            ref[i] -= lr * mh / (Math.sqrt(vh) + eps);
          }
        }
        float[] got = p.read(s).get("w");
        assertEquals(ref[0], got[0], 1e-5);
        assertEquals(ref[1], got[1], 1e-5);
        assertEquals(3f, p.read(s).get(AdamW.STEP)[0]);
      }
    }
  }

  @Test
  void schedulesWarmUpDecayAndRestart() {
    LearningRateSchedule cos = LearningRateSchedule.cosineWithWarmup(1.0, 10, 110, 0.0);
    assertEquals(0.1, cos.at(0), 1e-12);
    assertEquals(1.0, cos.at(9), 1e-12);
    assertEquals(1.0, cos.at(10), 1e-12);
    assertEquals(0.5, cos.at(60), 1e-12);
    assertEquals(0.0, cos.at(110), 1e-12);
    LearningRateSchedule sgdr = LearningRateSchedule.warmRestarts(1.0, 0, 4, 0.0);
    assertEquals(1.0, sgdr.at(0), 1e-12);
    assertEquals(0.5, sgdr.at(2), 1e-12);
    assertEquals(1.0, sgdr.at(4), 1e-12); // restart
  }
}
