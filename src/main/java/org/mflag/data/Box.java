package org.mflag.data;

import java.util.Locale;

/**
 * An immutable axis-aligned box in pixel coordinates: corners (x0, y0) and (x1, y1) with x1 >= x0 and y1 >= y0, a
 * category index and a confidence score (1.0 for ground truth). Coordinates are continuous: the box covers
 * [x0, x1] × [y0, y1] and its area is (x1 − x0)(y1 − y0), with no "+1" pixel convention.
 */
public final class Box {

  public final double x0, y0, x1, y1;
  public final int category;
  public final double score;

  /**
   * A box with corners (x0, y0)-(x1, y1), category index {@code category} and confidence {@code score}.
   *
   * @throws IllegalArgumentException when a coordinate is not finite, x1 &lt; x0, y1 &lt; y0, or the score is NaN
   */
  public Box(double x0, double y0, double x1, double y1, int category, double score) {
    if (!(Double.isFinite(x0) && Double.isFinite(y0) && Double.isFinite(x1) && Double.isFinite(y1))) {
      throw new IllegalArgumentException("box corners must be finite: " + corners(x0, y0, x1, y1));
    }
    if (x1 < x0 || y1 < y0) {
      throw new IllegalArgumentException("box needs x1 >= x0 and y1 >= y0: " + corners(x0, y0, x1, y1));
    }
    if (Double.isNaN(score)) throw new IllegalArgumentException("box score is NaN: " + corners(x0, y0, x1, y1));
    this.x0 = x0;
    this.y0 = y0;
    this.x1 = x1;
    this.y1 = y1;
    this.category = category;
    this.score = score;
  }

  /** (x1 − x0)(y1 − y0). */
  public double area() {
    return (x1 - x0) * (y1 - y0);
  }

  /**
   * Intersection over union, |a∩b| / (|a| + |b| − |a∩b|) by area; 0 when the boxes do not overlap (touching edges
   * included) or the union is empty. Categories are not looked at.
   */
  public static double iou(Box a, Box b) {
    double w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
    double h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
    if (w <= 0 || h <= 0) return 0;
    double intersection = w * h;
    double union = a.area() + b.area() - intersection;
    return union <= 0 ? 0 : intersection / union;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "Box[%s, category=%d, score=%s]", corners(x0, y0, x1, y1), category, score);
  }

  private static String corners(double x0, double y0, double x1, double y1) {
    return "(" + x0 + ", " + y0 + ")-(" + x1 + ", " + y1 + ")";
  }
}
