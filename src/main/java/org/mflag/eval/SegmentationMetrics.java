package org.mflag.eval;

/**
 * Per-image overlap metrics of a thresholded probability map against a ground-truth mask.
 *
 * <p>Conventions shared by both metrics: a pixel is predicted foreground when {@code probability > threshold}
 * (strictly greater; a NaN probability is background). In {@code truth}, 1 is foreground, 0 is background and any
 * other value (we use -1) marks an ignored pixel, left out of both the prediction P and the truth T. When P and T are
 * both empty over the non-ignored pixels the metric is 1.0.
 */
public final class SegmentationMetrics {

  private SegmentationMetrics() {}

  /**
   * Dice = 2|P∩T| / (|P| + |T|) over the non-ignored pixels; 1.0 when P and T are both empty.
   *
   * @throws IllegalArgumentException when the two arrays differ in length
   */
  public static double dice(float[] probability, byte[] truth, double threshold) {
    long[] c = counts(probability, truth, threshold);
    long sum = c[1] + c[2];
    return sum == 0 ? 1.0 : 2.0 * c[0] / sum;
  }

  /**
   * IoU (Jaccard) = |P∩T| / |P∪T| over the non-ignored pixels; 1.0 when P and T are both empty.
   *
   * @throws IllegalArgumentException when the two arrays differ in length
   */
  public static double iou(float[] probability, byte[] truth, double threshold) {
    long[] c = counts(probability, truth, threshold);
    long union = c[1] + c[2] - c[0];
    return union == 0 ? 1.0 : (double) c[0] / union;
  }

  /** {|P∩T|, |P|, |T|} over the pixels whose truth is 0 or 1. */
  private static long[] counts(float[] probability, byte[] truth, double threshold) {
    if (probability.length != truth.length) {
      throw new IllegalArgumentException("probability has " + probability.length + " pixels but truth has " + truth.length);
    }
    long both = 0, predicted = 0, actual = 0;
    for (int i = 0; i < truth.length; i++) {
      byte t = truth[i];
      if (t != 0 && t != 1) continue;
      boolean p = probability[i] > threshold;
      if (p) predicted++;
      if (t == 1) {
        actual++;
        if (p) both++;
      }
    }
    return new long[] {both, predicted, actual};
  }
}
