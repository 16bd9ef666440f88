package org.mflag.eval;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Percentile bootstrap over test images (Efron and Tibshirani, ch. 13): the test set is drawn again
 * with replacement {@code resamples} times, the statistic computed on every draw, and the interval is
 * the draws' {@code (1 - level) / 2} and {@code (1 + level) / 2} quantiles. A statistic of several runs
 * (the mean over data-fraction seeds) or the difference of two encoders is bootstrapped by computing it
 * on the same draw for all of them (paired), so the interval reflects how the test images were sampled.
 * Draws where the statistic is undefined (NaN: an AUROC on a draw with one class) are left out; when
 * more than half are, the interval is undefined.
 */
public final class Bootstrap {

  /** A statistic of a draw: {@code items} are indices into the test images, with repeats. */
  @FunctionalInterface
  public interface Statistic {
    double of(int[] items);
  }

  /** The statistic on the test set itself and its interval. */
  public static final class Interval {
    public final double estimate;
    public final double low;
    public final double high;
    /** Draws with a defined statistic. */
    public final int draws;

    Interval(double estimate, double low, double high, int draws) {
      this.estimate = estimate;
      this.low = low;
      this.high = high;
      this.draws = draws;
    }

    /** Whether the interval lies wholly above zero (for a difference: the first is better on this test set). */
    public boolean aboveZero() {
      return low > 0;
    }

    /** Whether it lies wholly below zero. */
    public boolean belowZero() {
      return high < 0;
    }
  }

  private Bootstrap() {}

  /** The statistic's {@code level} (e.g. 0.95) percentile interval over {@code resamples} draws of {@code n} items from {@code seed}. */
  public static Interval interval(int n, Statistic statistic, int resamples, long seed, double level) {
    if (n < 1) throw new IllegalArgumentException("bootstrap over " + n + " items");
    if (resamples < 1) throw new IllegalArgumentException("bootstrap with " + resamples + " resamples");
    if (!(level > 0 && level < 1)) throw new IllegalArgumentException("bootstrap level " + level + " is not in (0, 1)");
    int[] all = new int[n];
    for (int i = 0; i < n; i++) all[i] = i;
    double estimate = statistic.of(all);
    SplittableRandom r = new SplittableRandom(seed);
    double[] values = new double[resamples];
    int defined = 0;
    int[] draw = new int[n];
    for (int b = 0; b < resamples; b++) {
      for (int i = 0; i < n; i++) draw[i] = r.nextInt(n);
      double v = statistic.of(draw);
      if (!Double.isNaN(v)) values[defined++] = v;
    }
    if (defined * 2 < resamples) return new Interval(estimate, Double.NaN, Double.NaN, defined);
    double[] v = Arrays.copyOf(values, defined);
    Arrays.sort(v);
    return new Interval(estimate, quantile(v, (1 - level) / 2), quantile(v, (1 + level) / 2), defined);
  }

  /** Linear interpolation between order statistics (type 7, numpy's default). */
  static double quantile(double[] sorted, double q) {
    double h = (sorted.length - 1) * q;
    int lo = (int) Math.floor(h);
    int hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  }
}
