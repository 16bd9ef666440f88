package org.mflag.eval;

import java.util.Arrays;

/** Classification metrics: AUROC, accuracy and argmax. */
public final class ClassificationMetrics {

  private ClassificationMetrics() {}

  /**
   * Area under the ROC curve, computed as the Mann-Whitney U statistic: the fraction of (positive, negative) pairs
   * in which the positive scores higher, a tie counting 1/2. Equivalently AUROC = (R⁺ − n⁺(n⁺+1)/2) / (n⁺ n⁻), with
   * R⁺ the sum of the positives' ranks (tied scores get their average rank). O(n log n): both classes' scores are
   * sorted and merged.
   *
   * @return the AUROC in [0, 1], or {@link Double#NaN} when all samples are positive or all negative (or none)
   * @throws IllegalArgumentException when the lengths differ or a score is NaN
   */
  public static double auroc(double[] scores, boolean[] positive) {
    int n = scores.length;
    if (positive.length != n) {
      throw new IllegalArgumentException("scores has " + n + " values but positive has " + positive.length);
    }
    int nPos = 0;
    for (int i = 0; i < n; i++) {
      if (Double.isNaN(scores[i])) throw new IllegalArgumentException("score " + i + " is NaN");
      if (positive[i]) nPos++;
    }
    int nNeg = n - nPos;
    if (nPos == 0 || nNeg == 0) return Double.NaN;

    double[] pos = new double[nPos];
    double[] neg = new double[nNeg];
    for (int i = 0, p = 0, q = 0; i < n; i++) {
      if (positive[i]) pos[p++] = scores[i];
      else neg[q++] = scores[i];
    }
    Arrays.sort(pos);
    Arrays.sort(neg);
    // For each positive s (ascending): below = #negatives < s, upTo = #negatives <= s; its pairs add
    // below + (upTo - below) / 2 to U. Both counters only move forward: O(n) after the O(n log n) sorts.
    long twiceU = 0;
    int below = 0, upTo = 0;
    for (double s : pos) {
      while (below < nNeg && neg[below] < s) below++;
      if (upTo < below) upTo = below;
      while (upTo < nNeg && neg[upTo] <= s) upTo++;
      twiceU += 2L * below + (upTo - below);
    }
    return twiceU / (2.0 * nPos * nNeg);
  }

  /**
   * Accuracy = (number of i with predicted[i] == truth[i]) / n.
   *
   * @return the accuracy, or {@link Double#NaN} for empty arrays
   * @throws IllegalArgumentException when the lengths differ
   */
  public static double accuracy(int[] predicted, int[] truth) {
    if (predicted.length != truth.length) {
      throw new IllegalArgumentException("predicted has " + predicted.length + " values but truth has " + truth.length);
    }
    if (truth.length == 0) return Double.NaN;
    int correct = 0;
    for (int i = 0; i < truth.length; i++) if (predicted[i] == truth[i]) correct++;
    return (double) correct / truth.length;
  }

  /**
   * Index of the largest value; the first such index on ties. NaN values are never chosen unless all values are NaN
   * (then 0).
   *
   * @throws IllegalArgumentException when {@code v} is empty
   */
  public static int argmax(double[] v) {
    if (v.length == 0) throw new IllegalArgumentException("argmax of an empty array");
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best] || (Double.isNaN(v[best]) && !Double.isNaN(v[i]))) best = i;
    }
    return best;
  }
}
