package org.mflag.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.mflag.nn.Tensors;
import org.mflag.runtime.TensorFlowRuntime;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** The two M-FLAG losses against values worked out by hand (MFLAG.md, "Losses"). */
class MFlagLossTest {

  private static float[] run(float lambda, MFlagLoss.OrthVariant v, float[] x, float[] y, float[] e, int b, int p, int d) {
    TensorFlowRuntime.ensureLoaded();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> xs = tf.constant(Shape.of(b, p), DataBuffers.of(x));
      Operand<TFloat32> ys = tf.constant(Shape.of(b, p), DataBuffers.of(y));
      Operand<TFloat32> es = tf.constant(Shape.of(b, d), DataBuffers.of(e));
      MFlagLoss.Terms t = new MFlagLoss(lambda, v, 0f, 1f).build(tf, xs, ys, es);
      try (Result r = s.runner().fetch(t.total).fetch(t.align).fetch(t.orth).run()) {
        return new float[] {Tensors.scalar(r.get(0)), Tensors.scalar(r.get(1)), Tensors.scalar(r.get(2))};
      }
    }
  }

  @Test
  void contrastiveTermIsSymmetricInfoNceByHand() {
    // x^ = rows (1,0), (0,1); y^ = rows (1,0), (0.6,0.8); t = 0.5
    // S = x^ y^T / t = [[2, 1.2], [0, 1.6]]; positives S_00 = 2, S_11 = 1.6
    // rows: lse(2, 1.2), lse(0, 1.6); columns: lse(2, 0), lse(1.2, 1.6)
    float[] x = {2, 0, 0, 3}, y = {5, 0, 3, 4}, e = {1, 0, 0, 1};
    double rows = (lse(2, 1.2) + lse(0, 1.6)) / 2, cols = (lse(2, 0) + lse(1.2, 1.6)) / 2;
    double want = (rows + cols) / 2 - (2 + 1.6) / 2;
    TensorFlowRuntime.ensureLoaded();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> xs = tf.constant(Shape.of(2, 2), DataBuffers.of(x));
      Operand<TFloat32> ys = tf.constant(Shape.of(2, 2), DataBuffers.of(y));
      Operand<TFloat32> es = tf.constant(Shape.of(2, 2), DataBuffers.of(e));
      MFlagLoss.Terms with = new MFlagLoss(0f, MFlagLoss.OrthVariant.OFFICIAL, 3f, 0.5f).build(tf, xs, ys, es);
      MFlagLoss.Terms without = new MFlagLoss(0f, MFlagLoss.OrthVariant.OFFICIAL, 0f, 1f).build(tf, xs, ys, es);
      try (Result r = s.runner().fetch(with.contrastive).fetch(with.total).fetch(with.align).fetch(without.total).run()) {
        assertEquals(want, Tensors.scalar(r.get(0)), 1e-5);
        assertEquals(Tensors.scalar(r.get(2)) + 3 * want, Tensors.scalar(r.get(1)), 1e-4, "total = align + lambda_contrastive * term");
        assertEquals(Tensors.scalar(r.get(2)), Tensors.scalar(r.get(3)), 1e-6, "weight 0: M-FLAG's loss unchanged");
      }
      assertEquals(null, without.contrastive, "weight 0 builds no term");
    }
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new MFlagLoss(1f, MFlagLoss.OrthVariant.OFFICIAL, -1f, 0.1f));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new MFlagLoss(1f, MFlagLoss.OrthVariant.OFFICIAL, 1f, 0f));
  }

  private static double lse(double a, double b) {
    return Math.log(Math.exp(a) + Math.exp(b));
  }

  @Test
  void alignmentIsFourMinusFourCosine() {
    // row 0: x=(3,4), y=(4,3): cos = 24/25 -> 4 - 3.84 = 0.16
    // row 1: x=(1,0), y=(0,2): cos = 0    -> 4
    // mean = 2.08
    float[] r = run(0f, MFlagLoss.OrthVariant.OFFICIAL, new float[] {3, 4, 1, 0}, new float[] {4, 3, 0, 2},
        new float[] {1, 0, 0, 1}, 2, 2, 2);
    assertEquals(2.08f, r[1], 1e-5f);
    assertEquals(r[1], r[0], 1e-6f); // lambda 0: total = align
  }

  @Test
  void orthogonalityOfficialUsesRawFeatures() {
    // E = [[1,2],[3,0]], B = 2: G = E^T E / 2 = [[5,1],[1,2]]
    // diagonal (5-1)^2 + (2-1)^2 = 17; off-diagonal 1 + 1 = 2
    // L_orth = (17 + 0.0051 * 2) / 2 = 8.5051
    float[] x = {1, 0, 0, 1};
    float[] r = run(2f, MFlagLoss.OrthVariant.OFFICIAL, x, x, new float[] {1, 2, 3, 0}, 2, 2, 2);
    assertEquals(8.5051f, r[2], 1e-4f);
    assertEquals(0f, r[1], 1e-6f); // identical projections: aligned
    assertEquals(r[1] + 2f * r[2], r[0], 1e-4f); // total = align + lambda * orth
  }

  @Test
  void orthogonalityNormalizedStandardisesColumns() {
    // E = [[1,2],[3,0]]: column 1 (1,3) -> mean 2, var 1 -> (-1, 1)/sqrt(1+1e-5)
    // column 2 (2,0) -> mean 1, var 1 -> (1, -1)/sqrt(1+1e-5)
    // Z = [[-1,1],[1,-1]] * c with c^2 = 1/(1+1e-5): G = Z^T Z / 2 = c^2 [[1,-1],[-1,1]]
    // diagonal 2 (c^2 - 1)^2 ~ 2e-10; off-diagonal 2 c^4; L = (diag + 0.0051 * 2 c^4) / 2
    double c2 = 1 / (1 + 1e-5);
    double expected = (2 * Math.pow(c2 - 1, 2) + 0.0051 * 2 * c2 * c2) / 2;
    float[] x = {1, 0, 0, 1};
    float[] r = run(1f, MFlagLoss.OrthVariant.NORMALIZED, x, x, new float[] {1, 2, 3, 0}, 2, 2, 2);
    assertEquals(expected, r[2], 1e-6);
  }

  @Test
  void orthogonalityIsZeroForAnOrthonormalBatchGram() {
    // E = sqrt(2) * I (B = 2): G = I, both terms vanish
    float s = (float) Math.sqrt(2);
    float[] r = run(1f, MFlagLoss.OrthVariant.OFFICIAL, new float[] {1, 0, 0, 1}, new float[] {1, 0, 0, 1},
        new float[] {s, 0, 0, s}, 2, 2, 2);
    assertEquals(0f, r[2], 1e-6f);
  }
}
