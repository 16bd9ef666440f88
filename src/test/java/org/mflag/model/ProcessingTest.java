package org.mflag.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mflag.io.NdArray;

/** bioimage.io's operators, each against its formula in the spec (model format 0.5) computed by hand. */
class ProcessingTest {

  private static final List<String> BYXC = List.of("batch", "y", "x", "channel");

  private static float[] run(Processing.Step step, NdArray x, List<String> axes) {
    return Processing.apply(List.of(step), x, axes).data();
  }

  @Test
  void operatorsFollowTheSpecsFormulas() {
    // two samples of a 2x2 image with one channel
    NdArray x = new NdArray(new float[] {0, 50, 100, 250, 10, 10, 20, 30}, 2, 2, 2, 1);
    assertArrayEquals(new float[] {-1, 50 / 127.5f - 1, 100 / 127.5f - 1, 250 / 127.5f - 1, 10 / 127.5f - 1, 10 / 127.5f - 1,
        20 / 127.5f - 1, 30 / 127.5f - 1},
        run(Processing.Step.of("scale_linear", "gain", 1 / 127.5, "offset", -1.0), x, BYXC), 1e-6f);
    // scale_range over y, x per sample: (x - p0) / (p100 - p0 + 1e-6)
    float[] r = run(Processing.Step.of("scale_range", "axes", List.of("y", "x")), x, BYXC);
    assertEquals(0f, r[0], 1e-6f);
    assertEquals(50 / (250 + 1e-6f), r[1], 1e-6f);
    assertEquals(1f, r[3], 1e-5f);
    assertEquals(0f, r[4], 1e-6f);
    assertEquals(20 / (20 + 1e-6f), r[7], 1e-6f);
    // linear-interpolated percentiles, as numpy: the 50th of {0, 50, 100, 250} is 75
    float[] p = run(Processing.Step.of("scale_range", "axes", List.of("y", "x"), "min_percentile", 50,
        "max_percentile", 100), x, BYXC);
    assertEquals((100 - 75) / (250 - 75 + 1e-6f), p[2], 1e-6f);
    assertEquals(75.0, Processing.percentile(new double[] {250, 0, 100, 50}, 50), 1e-12);
    // zero_mean_unit_variance over y, x: population std
    float[] z = run(Processing.Step.of("zero_mean_unit_variance", "axes", List.of("y", "x")), x, BYXC);
    double mean = 100, std = Math.sqrt((100 * 100 + 50 * 50 + 0 + 150 * 150) / 4.0);
    assertEquals((0 - mean) / (std + 1e-6), z[0], 1e-5);
    assertArrayEquals(new float[] {-1, -0.5f, 0, 1.5f}, java.util.Arrays.copyOf(run(Processing.Step.of(
        "fixed_zero_mean_unit_variance", "mean", 100.0, "std", 100.0), x, BYXC), 4), 1e-5f);
    assertArrayEquals(new float[] {10, 50, 100, 100}, java.util.Arrays.copyOf(run(Processing.Step.of("clip", "min", 10.0, "max", 100.0), x, BYXC), 4));
    assertArrayEquals(new float[] {0, 0, 1, 1}, java.util.Arrays.copyOf(run(Processing.Step.of("binarize", "threshold", 50.0), x, BYXC), 4));
    assertEquals(0.5f, run(Processing.Step.of("sigmoid"), x, BYXC)[0], 1e-7f);
    // per-channel gain along the channel axis
    NdArray rgb = new NdArray(new float[] {1, 1, 1, 2, 2, 2}, 1, 2, 3);
    assertArrayEquals(new float[] {1, 2, 3, 2, 4, 6}, run(Processing.Step.of("scale_linear", "axis",
        "channel", "gain", List.of(1.0, 2.0, 3.0)), rgb, List.of("batch", "x", "channel")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> run(Processing.Step.of("softmax"), x, BYXC));
    assertEquals("processing operator 'softmax' is not supported here", e.getMessage());
  }
}
