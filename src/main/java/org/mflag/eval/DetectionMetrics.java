package org.mflag.eval;

import org.mflag.data.Box;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Object-detection metrics: greedy non-maximum suppression and COCO-style average precision (the
 * pycocotools / torchmetrics {@code MeanAveragePrecision} definition, without area ranges, crowd boxes or a
 * per-image detection limit).
 *
 * <p>Lists of lists are indexed by image: {@code predictions.get(i)} and {@code truths.get(i)} are the predicted and
 * ground-truth boxes of image i.
 */
public final class DetectionMetrics {

  /**
   * The RSNA Pneumonia Detection IoU thresholds 0.40, 0.45, ..., 0.75 (8 values), each the double nearest the decimal.
   * Do not modify.
   */
  public static final double[] RSNA_IOU_THRESHOLDS = rsnaThresholds();

  /** Number of recall points of the interpolated precision: 0, 0.01, ..., 1.0. */
  private static final int RECALL_POINTS = 101;

  /** Descending score; {@link List#sort} is stable, so equal scores keep their input order. */
  private static final Comparator<Box> BY_SCORE_DESCENDING = (a, b) -> Double.compare(b.score, a.score);

  private DetectionMetrics() {}

  private static double[] rsnaThresholds() {
    double[] t = new double[8];
    for (int i = 0; i < t.length; i++) t[i] = Math.round((0.40 + 0.05 * i) * 100) / 100.0;
    return t;
  }

  /**
   * Per-category greedy non-maximum suppression. Boxes are visited by descending score (stable: equal scores keep
   * their input order); a box is dropped when its {@link Box#iou IoU} with an already kept box of the same category
   * is {@code > iouThreshold}, otherwise kept.
   *
   * @return the kept boxes, by descending score (a new list; the input is not changed)
   */
  public static List<Box> nms(List<Box> boxes, double iouThreshold) {
    checkThreshold(iouThreshold);
    List<Box> sorted = new ArrayList<>(boxes);
    sorted.sort(BY_SCORE_DESCENDING);
    List<Box> kept = new ArrayList<>();
    for (Box b : sorted) {
      boolean suppressed = false;
      for (Box k : kept) {
        if (k.category == b.category && Box.iou(k, b) > iouThreshold) {
          suppressed = true;
          break;
        }
      }
      if (!suppressed) kept.add(b);
    }
    return kept;
  }

  /**
   * COCO-style average precision of one category at one IoU threshold.
   *
   * <ol>
   *   <li>Only boxes of {@code category} are used. In each image the predictions are visited by descending score
   *       (stable); each is matched to the still unmatched ground-truth box of that image with the highest IoU (the
   *       later one on ties, as pycocotools). If that IoU is {@code >= iouThreshold} the prediction is a true
   *       positive and the ground truth becomes matched; otherwise it is a false positive.</li>
   *   <li>All predictions of all images are then ranked by descending score (stable, in image order). At rank k,
   *       precision = TP<sub>k</sub> / k and recall = TP<sub>k</sub> / G, G the number of ground-truth boxes.</li>
   *   <li>Precision is made monotone: p[k] = max over j &gt;= k of p[j].</li>
   *   <li>AP = mean over the 101 recall points r = i/100 (i = 0..100) of p[k], k the first rank with recall &gt;= r,
   *       or 0 when no rank reaches r.</li>
   * </ol>
   * The recall points are the doubles nearest i/100 (pycocotools uses i × 0.01, which can exceed i/100 by one ulp),
   * so a recall exactly equal to i/100 reaches point i.
   *
   * @return AP in [0, 1]; 0 when there is ground truth but no prediction; {@link Double#NaN} when no image has a
   *     ground-truth box of {@code category}
   * @throws IllegalArgumentException when the two lists have different sizes or the threshold is NaN
   */
  public static double averagePrecision(List<List<Box>> predictions, List<List<Box>> truths, int category,
      double iouThreshold) {
    checkImages(predictions, truths);
    checkThreshold(iouThreshold);
    Matches[] images = new Matches[truths.size()];
    for (int img = 0; img < images.length; img++) images[img] = match(predictions.get(img), truths.get(img), category, iouThreshold);
    return rank(images, java.util.stream.IntStream.range(0, images.length).toArray());
  }

  /** One image's predictions of one category in descending score order (stable), each a true or false positive. */
  private static final class Matches {
    final double[] scores;
    final boolean[] truePositive;
    final int groundTruths;

    Matches(double[] scores, boolean[] truePositive, int groundTruths) {
      this.scores = scores;
      this.truePositive = truePositive;
      this.groundTruths = groundTruths;
    }
  }

  /** Step 1 of {@link #averagePrecision}, for one image: it depends on no other image. */
  private static Matches match(List<Box> predictions, List<Box> truths, int category, double iouThreshold) {
    List<Box> gts = ofCategory(truths, category);
    List<Box> dts = ofCategory(predictions, category);
    dts.sort(BY_SCORE_DESCENDING);
    boolean[] matched = new boolean[gts.size()];
    double[] scores = new double[dts.size()];
    boolean[] truePositive = new boolean[dts.size()];
    for (int k = 0; k < scores.length; k++) {
      Box d = dts.get(k);
      int best = -1;
      double bestIou = -1;
      for (int g = 0; g < gts.size(); g++) {
        if (matched[g]) continue;
        double iou = Box.iou(d, gts.get(g));
        if (iou >= bestIou) { // ties go to the later ground truth, as in pycocotools
          bestIou = iou;
          best = g;
        }
      }
      truePositive[k] = best >= 0 && bestIou >= iouThreshold;
      if (truePositive[k]) matched[best] = true;
      scores[k] = d.score;
    }
    return new Matches(scores, truePositive, gts.size());
  }

  /** Steps 2-4 of {@link #averagePrecision} over the images {@code items} (with repeats), in that order. */
  private static double rank(Matches[] images, int[] items) {
    int groundTruths = 0, n = 0;
    for (int i : items) {
      groundTruths += images[i].groundTruths;
      n += images[i].scores.length;
    }
    if (groundTruths == 0) return Double.NaN;
    double[] score = new double[n];
    boolean[] positive = new boolean[n];
    int at = 0;
    for (int i : items) {
      Matches m = images[i];
      System.arraycopy(m.scores, 0, score, at, m.scores.length);
      System.arraycopy(m.truePositive, 0, positive, at, m.scores.length);
      at += m.scores.length;
    }
    // Stable sort of the ranks by descending score (ties keep image order), as BY_SCORE_DESCENDING on the boxes.
    Integer[] order = new Integer[n];
    for (int k = 0; k < n; k++) order[k] = k;
    java.util.Arrays.sort(order, (a, b) -> Double.compare(score[b], score[a]));

    double[] precision = new double[n];
    double[] recall = new double[n];
    int tp = 0;
    for (int k = 0; k < n; k++) {
      if (positive[order[k]]) tp++;
      precision[k] = (double) tp / (k + 1);
      recall[k] = (double) tp / groundTruths;
    }
    for (int k = n - 1; k > 0; k--) precision[k - 1] = Math.max(precision[k - 1], precision[k]);

    double sum = 0;
    int k = 0;
    for (int i = 0; i < RECALL_POINTS; i++) {
      double r = i / 100.0;
      while (k < n && recall[k] < r) k++; // recall is non-decreasing, so k only moves forward
      if (k < n) sum += precision[k];
    }
    return sum / RECALL_POINTS;
  }

  /**
   * mAP = mean over {@code iouThresholds} of (mean over the categories 0..numCategories−1 whose
   * {@link #averagePrecision AP} is not NaN, i.e. that have ground truth).
   *
   * @return the mAP, or {@link Double#NaN} when no category has a ground-truth box
   * @throws IllegalArgumentException when the two lists have different sizes, no threshold is given or one is NaN
   */
  public static double meanAveragePrecision(List<List<Box>> predictions, List<List<Box>> truths, int numCategories,
      double[] iouThresholds) {
    return new Matched(predictions, truths, numCategories, iouThresholds)
        .meanAveragePrecision(java.util.stream.IntStream.range(0, truths.size()).toArray());
  }

  /** {@link #meanAveragePrecision(List, List, int, double[])} at the single threshold {@code iouThreshold}. */
  public static double meanAveragePrecision(List<List<Box>> predictions, List<List<Box>> truths, int numCategories,
      double iouThreshold) {
    return meanAveragePrecision(predictions, truths, numCategories, new double[] {iouThreshold});
  }

  /**
   * A fixed set of images with their predictions matched once per category and IoU threshold. Matching is per
   * image, so the mAP of any resample of the images (a bootstrap draw, repeats allowed) needs only the ranking:
   * {@link #meanAveragePrecision(int[])} equals {@link DetectionMetrics#meanAveragePrecision(List, List, int, double[])}
   * on the resampled lists, without matching the images again for every draw.
   */
  public static final class Matched {
    private final Matches[][][] matches; // [threshold][category][image]

    /** @throws IllegalArgumentException when the two lists have different sizes, no threshold is given or one is NaN */
    public Matched(List<List<Box>> predictions, List<List<Box>> truths, int numCategories, double[] iouThresholds) {
      checkImages(predictions, truths);
      if (iouThresholds.length == 0) throw new IllegalArgumentException("no IoU threshold given");
      matches = new Matches[iouThresholds.length][numCategories][truths.size()];
      for (int t = 0; t < iouThresholds.length; t++) {
        checkThreshold(iouThresholds[t]);
        for (int c = 0; c < numCategories; c++) {
          for (int img = 0; img < truths.size(); img++) {
            matches[t][c][img] = match(predictions.get(img), truths.get(img), c, iouThresholds[t]);
          }
        }
      }
    }

    /** The mAP of the images {@code items} (indices into the lists given, repeats allowed), in that order. */
    public double meanAveragePrecision(int[] items) {
      double total = 0;
      for (Matches[][] atThreshold : matches) {
        double sum = 0;
        int counted = 0;
        for (Matches[] category : atThreshold) {
          double ap = rank(category, items);
          if (!Double.isNaN(ap)) {
            sum += ap;
            counted++;
          }
        }
        if (counted == 0) return Double.NaN; // no ground truth in any category (the same at every threshold)
        total += sum / counted;
      }
      return total / matches.length;
    }
  }

  private static List<Box> ofCategory(List<Box> boxes, int category) {
    List<Box> out = new ArrayList<>();
    for (Box b : Objects.requireNonNull(boxes, "null box list")) if (b.category == category) out.add(b);
    return out;
  }

  private static void checkImages(List<List<Box>> predictions, List<List<Box>> truths) {
    if (predictions.size() != truths.size()) {
      throw new IllegalArgumentException("predictions has " + predictions.size() + " images but truths has "
          + truths.size());
    }
  }

  private static void checkThreshold(double iouThreshold) {
    if (Double.isNaN(iouThreshold)) throw new IllegalArgumentException("IoU threshold is NaN");
  }
}
