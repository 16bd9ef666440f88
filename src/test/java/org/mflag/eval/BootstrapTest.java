package org.mflag.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Percentile bootstrap intervals: what a reader of the study's error bars relies on. */
class BootstrapTest {

  private static Bootstrap.Statistic mean(double[] v) {
    return items -> {
      double s = 0;
      for (int i : items) s += v[i];
      return s / items.length;
    };
  }

  @Test
  void quantilesInterpolateAsNumpy() {
    double[] v = {1, 2, 3, 4};
    assertEquals(2.5, Bootstrap.quantile(v, 0.5), 1e-12);
    assertEquals(1.075, Bootstrap.quantile(v, 0.025), 1e-12);
    assertEquals(4, Bootstrap.quantile(v, 1), 1e-12);
  }

  @Test
  void aProportionGetsTheWidthTheNormalApproximationGives() {
    double[] v = new double[400];
    for (int i = 0; i < 200; i++) v[i] = 1; // p = 0.5, standard error sqrt(0.25 / 400) = 0.025
    Bootstrap.Interval ci = Bootstrap.interval(v.length, mean(v), 4000, 7, 0.95);
    assertEquals(0.5, ci.estimate, 1e-12);
    assertEquals(0.5 - 1.96 * 0.025, ci.low, 0.006);
    assertEquals(0.5 + 1.96 * 0.025, ci.high, 0.006);
    assertEquals(4000, ci.draws);
    Bootstrap.Interval again = Bootstrap.interval(v.length, mean(v), 4000, 7, 0.95);
    assertEquals(ci.low, again.low, 0.0, "the same seed draws the same resamples");
  }

  @Test
  void aConstantHasNoSpreadAndAPairedDifferenceOfEqualRunsIsZero() {
    double[] c = new double[30];
    java.util.Arrays.fill(c, 0.8);
    Bootstrap.Interval ci = Bootstrap.interval(c.length, mean(c), 500, 1, 0.95);
    assertEquals(0.8, ci.low, 1e-12);
    assertEquals(0.8, ci.high, 1e-12);
    double[] a = new double[30];
    for (int i = 0; i < a.length; i++) a[i] = (i * 37 % 11) / 10.0;
    Bootstrap.Statistic ma = mean(a);
    Bootstrap.Interval d = Bootstrap.interval(a.length, items -> ma.of(items) - ma.of(items), 500, 1, 0.95);
    assertEquals(0, d.low, 0.0);
    assertEquals(0, d.high, 0.0);
    assertTrue(!d.aboveZero() && !d.belowZero());
  }

  @Test
  void aClearDifferenceExcludesZero() {
    double[] a = new double[50], b = new double[50];
    for (int i = 0; i < 50; i++) {
      a[i] = 0.7 + 0.01 * (i % 5);
      b[i] = a[i] - 0.05 + 0.002 * (i % 3);
    }
    Bootstrap.Statistic ma = mean(a), mb = mean(b);
    Bootstrap.Interval d = Bootstrap.interval(50, items -> ma.of(items) - mb.of(items), 1000, 3, 0.95);
    assertTrue(d.aboveZero(), d.low + " .. " + d.high);
  }

  @Test
  void undefinedDrawsAreLeftOutAndTooManyMakeTheIntervalUndefined() {
    // defined only when the draw holds item 0: about 1 - (1 - 1/n)^n = 0.64 of the draws for n = 10
    Bootstrap.Interval some = Bootstrap.interval(10, items -> {
      for (int i : items) if (i == 0) return 1;
      return Double.NaN;
    }, 1000, 5, 0.95);
    assertTrue(some.draws > 550 && some.draws < 750, "draws " + some.draws);
    assertEquals(1, some.low, 0.0);
    Bootstrap.Interval none = Bootstrap.interval(10, items -> Double.NaN, 200, 5, 0.95);
    assertTrue(Double.isNaN(none.low) && Double.isNaN(none.high));
    assertThrows(IllegalArgumentException.class, () -> Bootstrap.interval(0, items -> 0, 10, 1, 0.95));
    assertThrows(IllegalArgumentException.class, () -> Bootstrap.interval(5, items -> 0, 10, 1, 1.5));
  }
}
