package org.mflag.eval;

import org.mflag.data.Box;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Every expected value below is worked out by hand in the comment next to it. */
class MetricsTest {

  private static final double EPS = 1e-12;

  // ---------------------------------------------------------------- segmentation

  @Test
  void diceAndIouOfASmallMask() {
    // 2x2 image: P = {0, 1} (0.9, 0.8 > 0.5), T = {0}. |P∩T| = 1, |P| = 2, |T| = 1, |P∪T| = 2.
    float[] p = {0.9f, 0.8f, 0.1f, 0.2f};
    byte[] t = {1, 0, 0, 0};
    assertEquals(2.0 / 3.0, SegmentationMetrics.dice(p, t, 0.5), EPS); // 2*1 / (2+1)
    assertEquals(0.5, SegmentationMetrics.iou(p, t, 0.5), EPS); // 1 / 2
  }

  @Test
  void emptyMasksAndIgnoredPixels() {
    byte[] background = {0, 0, 0, 0};
    // P = {}, T = {}: both empty -> 1.
    assertEquals(1.0, SegmentationMetrics.dice(new float[] {0.1f, 0.2f, 0.3f, 0.4f}, background, 0.5));
    assertEquals(1.0, SegmentationMetrics.iou(new float[] {0.1f, 0.2f, 0.3f, 0.4f}, background, 0.5));
    // P = {2}, T = {}: Dice 2*0 / (1+0) = 0, IoU 0 / 1 = 0.
    assertEquals(0.0, SegmentationMetrics.dice(new float[] {0.1f, 0.2f, 0.9f, 0.4f}, background, 0.5));
    assertEquals(0.0, SegmentationMetrics.iou(new float[] {0.1f, 0.2f, 0.9f, 0.4f}, background, 0.5));
    // Prediction only on pixel 0, which is ignored (-1): P = {}, T = {} over pixels 1..3 -> 1.
    byte[] ignoredFirst = {-1, 0, 0, 0};
    assertEquals(1.0, SegmentationMetrics.dice(new float[] {0.9f, 0.1f, 0.1f, 0.1f}, ignoredFirst, 0.5));
    assertEquals(1.0, SegmentationMetrics.iou(new float[] {0.9f, 0.1f, 0.1f, 0.1f}, ignoredFirst, 0.5));
    // Ignored foreground-looking truth is left out too: truth {1, -1}, prediction {0.9, 0.9}: P = {0}, T = {0} -> 1.
    assertEquals(1.0, SegmentationMetrics.dice(new float[] {0.9f, 0.9f}, new byte[] {1, -1}, 0.5));
  }

  @Test
  void thresholdIsStrict() {
    // p = 0.5 is not > 0.5, so P = {}, T = {0}: Dice 0 / (0+1) = 0.
    assertEquals(0.0, SegmentationMetrics.dice(new float[] {0.5f}, new byte[] {1}, 0.5));
    // With threshold 0.4: P = {0} = T -> 2*1 / 2 = 1.
    assertEquals(1.0, SegmentationMetrics.dice(new float[] {0.5f}, new byte[] {1}, 0.4));
  }

  @Test
  void segmentationLengthMismatchNamesBothLengths() {
    String m = assertThrows(IllegalArgumentException.class,
        () -> SegmentationMetrics.dice(new float[3], new byte[5], 0.5)).getMessage();
    assertTrue(m.contains("3") && m.contains("5"), m);
    assertThrows(IllegalArgumentException.class, () -> SegmentationMetrics.iou(new float[2], new byte[1], 0.5));
  }

  // ---------------------------------------------------------------- classification

  @Test
  void aurocOfSimpleRankings() {
    boolean[] labels = {false, false, true, true};
    // Both positives score above both negatives: 4 of 4 pairs won -> 1.
    assertEquals(1.0, ClassificationMetrics.auroc(new double[] {0.1, 0.2, 0.8, 0.9}, labels), EPS);
    // Reversed: 0 of 4 pairs won -> 0.
    assertEquals(0.0, ClassificationMetrics.auroc(new double[] {0.9, 0.8, 0.2, 0.1}, labels), EPS);
    // One pair, tied: 1/2 -> 0.5.
    assertEquals(0.5, ClassificationMetrics.auroc(new double[] {0.5, 0.5}, new boolean[] {true, false}), EPS);
  }

  @Test
  void aurocThreePositivesTwoNegatives() {
    // Positives 0.9, 0.6, 0.3; negatives 0.7, 0.2. Pairs won: 0.9 beats both (2), 0.6 beats 0.2 (1),
    // 0.3 beats 0.2 (1) -> 4 of 3*2 = 6 -> 2/3.
    double[] s = {0.9, 0.7, 0.6, 0.3, 0.2};
    boolean[] y = {true, false, true, true, false};
    assertEquals(2.0 / 3.0, ClassificationMetrics.auroc(s, y), EPS);
    // With a tie: positives 0.9, 0.7, 0.3; negatives 0.7, 0.2. Ranks (ascending) 0.2:1, 0.3:2, 0.7:3.5, 0.7:3.5,
    // 0.9:5; positive rank sum 2 + 3.5 + 5 = 10.5; U = 10.5 - 3*4/2 = 4.5; AUROC = 4.5 / 6 = 0.75.
    double[] tied = {0.9, 0.7, 0.7, 0.3, 0.2};
    assertEquals(0.75, ClassificationMetrics.auroc(tied, y), EPS);
  }

  @Test
  void aurocOfOneClassIsNaN() {
    assertTrue(Double.isNaN(ClassificationMetrics.auroc(new double[] {0.1, 0.9}, new boolean[] {true, true})));
    assertTrue(Double.isNaN(ClassificationMetrics.auroc(new double[] {0.1, 0.9}, new boolean[] {false, false})));
    assertTrue(Double.isNaN(ClassificationMetrics.auroc(new double[0], new boolean[0])));
    assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.auroc(new double[2], new boolean[3]));
  }

  @Test
  void aurocAgreesWithThePairCountDefinition() {
    // Cross-check against the O(n²) definition on random data with many ties (scores rounded to 1 decimal).
    Random r = new Random(7);
    for (int trial = 0; trial < 50; trial++) {
      int n = 2 + r.nextInt(60);
      double[] s = new double[n];
      boolean[] y = new boolean[n];
      for (int i = 0; i < n; i++) {
        s[i] = Math.round(r.nextDouble() * 10) / 10.0;
        y[i] = r.nextBoolean();
      }
      double won = 0;
      int pairs = 0;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          if (y[i] && !y[j]) {
            pairs++;
            won += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
          }
        }
      }
      double expected = pairs == 0 ? Double.NaN : won / pairs;
      assertEquals(expected, ClassificationMetrics.auroc(s, y), EPS);
    }
  }

  @Test
  void accuracyAndArgmax() {
    // 3 of 4 agree (index 2 differs) -> 0.75.
    assertEquals(0.75, ClassificationMetrics.accuracy(new int[] {1, 2, 3, 4}, new int[] {1, 2, 0, 4}), EPS);
    assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.accuracy(new int[1], new int[2]));
    // Largest 0.7 at indices 1 and 2: the first, 1.
    assertEquals(1, ClassificationMetrics.argmax(new double[] {0.1, 0.7, 0.7, 0.2}));
    assertEquals(2, ClassificationMetrics.argmax(new double[] {-3, -2, -1}));
    assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.argmax(new double[0]));
  }

  // ---------------------------------------------------------------- boxes and NMS

  @Test
  void boxAreaAndIou() {
    Box a = new Box(0, 0, 2, 2, 0, 1.0);
    Box b = new Box(1, 0, 3, 2, 0, 1.0);
    assertEquals(4.0, a.area()); // 2*2
    // Intersection [1,2]x[0,2] = 2; union 4 + 4 - 2 = 6 -> 1/3.
    assertEquals(1.0 / 3.0, Box.iou(a, b), EPS);
    assertEquals(1.0, Box.iou(a, a), EPS);
    // Touching at x = 2: no overlap -> 0.
    assertEquals(0.0, Box.iou(a, new Box(2, 0, 4, 2, 0, 1.0)));
    // Two empty boxes -> 0.
    assertEquals(0.0, Box.iou(new Box(1, 1, 1, 1, 0, 1.0), new Box(1, 1, 1, 1, 0, 1.0)));
    assertThrows(IllegalArgumentException.class, () -> new Box(2, 0, 1, 1, 0, 1.0));
    assertTrue(a.toString().contains("category=0"));
  }

  @Test
  void nmsDropsTheLowerOfTwoOverlappingBoxesOfOneCategory() {
    Box low = new Box(1, 0, 11, 10, 0, 0.8);
    Box high = new Box(0, 0, 10, 10, 0, 0.9);
    Box far = new Box(20, 20, 30, 30, 0, 0.7);
    // IoU(high, low): intersection 9*10 = 90, union 100 + 100 - 90 = 110 -> 0.818 > 0.5: low is dropped.
    // far does not overlap anything: kept. Result by descending score: high (0.9), far (0.7).
    assertEquals(Arrays.asList(high, far), DetectionMetrics.nms(Arrays.asList(low, far, high), 0.5));
  }

  @Test
  void nmsKeepsOverlappingBoxesOfDifferentCategories() {
    Box high = new Box(0, 0, 10, 10, 0, 0.9);
    Box other = new Box(1, 0, 11, 10, 1, 0.8); // IoU 0.818 with high, but category 1: kept.
    assertEquals(Arrays.asList(high, other), DetectionMetrics.nms(Arrays.asList(other, high), 0.5));
  }

  @Test
  void nmsKeepsIouEqualToTheThresholdAndIsStableOnTies() {
    Box a = new Box(0, 0, 2, 2, 0, 0.5);
    Box b = new Box(1, 0, 3, 2, 0, 0.5);
    // IoU = 1/3, not > 1/3: both kept, equal scores keep the input order.
    assertEquals(Arrays.asList(a, b), DetectionMetrics.nms(Arrays.asList(a, b), 1.0 / 3.0));
    assertEquals(Arrays.asList(b, a), DetectionMetrics.nms(Arrays.asList(b, a), 1.0 / 3.0));
    // Threshold 0.3 < 1/3: the later of the tie (b) is dropped.
    assertEquals(List.of(a), DetectionMetrics.nms(Arrays.asList(a, b), 0.3));
  }

  // ---------------------------------------------------------------- average precision

  private static Box gt(double x0, double y0, double x1, double y1) {
    return new Box(x0, y0, x1, y1, 0, 1.0);
  }

  private static Box pred(double x0, double y0, double x1, double y1, double score) {
    return new Box(x0, y0, x1, y1, 0, score);
  }

  @Test
  void rsnaThresholdsAreTheExactDecimals() {
    assertArrayEquals(new double[] {0.40, 0.45, 0.50, 0.55, 0.60, 0.65, 0.70, 0.75}, DetectionMetrics.RSNA_IOU_THRESHOLDS);
  }

  @Test
  void averagePrecisionOfTpFpTp() {
    // 2 ground truths; predictions ranked 0.9 TP, 0.8 FP, 0.7 TP.
    // (precision, recall): (1/1, 1/2), (1/2, 1/2), (2/3, 2/2). Envelope from the right: 1, 2/3, 2/3.
    // r = 0.00..0.50 (51 points): first rank with recall >= r is rank 1 -> 1.0.
    // r = 0.51..1.00 (50 points): rank 3 -> 2/3. AP = (51*1 + 50*2/3) / 101.
    List<Box> truths = List.of(gt(0, 0, 10, 10), gt(20, 20, 30, 30));
    List<Box> preds = List.of(pred(20, 20, 30, 30, 0.7), pred(0, 0, 10, 10, 0.9), pred(50, 50, 60, 60, 0.8));
    double expected = (51 * 1.0 + 50 * (2.0 / 3.0)) / 101;
    assertEquals(expected, DetectionMetrics.averagePrecision(List.of(preds), List.of(truths), 0, 0.5), EPS);
    assertEquals(expected, DetectionMetrics.meanAveragePrecision(List.of(preds), List.of(truths), 1, 0.5), EPS);
  }

  @Test
  void aMatchWithIou06CountsUpTo060() {
    // Prediction [0,10]x[0,6] vs truth [0,10]x[0,10]: intersection 60, union 100 + 60 - 60 = 100 -> IoU 0.6.
    // At 0.40, 0.45, 0.50, 0.55, 0.60 it is a TP: precision 1 at recall 1 for all 101 points -> AP 1.
    // At 0.65, 0.70, 0.75 it is a FP: recall stays 0, only r = 0 is reached, with precision 0 -> AP 0.
    // mAP over the 8 RSNA thresholds = (5*1 + 3*0) / 8 = 0.625.
    List<List<Box>> truths = List.of(List.of(gt(0, 0, 10, 10)));
    List<List<Box>> preds = List.of(List.of(pred(0, 0, 10, 6, 0.9)));
    assertEquals(1.0, DetectionMetrics.averagePrecision(preds, truths, 0, 0.60), EPS);
    assertEquals(0.0, DetectionMetrics.averagePrecision(preds, truths, 0, 0.65), EPS);
    assertEquals(0.625, DetectionMetrics.meanAveragePrecision(preds, truths, 1, DetectionMetrics.RSNA_IOU_THRESHOLDS), EPS);
  }

  @Test
  void eachPredictionTakesTheUnmatchedTruthWithTheHighestIou() {
    // Truths g1 = [0,10]x[0,10], g2 = [0,10]x[5,15]. Prediction p = [0,10]x[4,14] (0.9):
    //   IoU(p, g1) = 60 / (100 + 100 - 60) = 0.43, IoU(p, g2) = 90 / (100 + 100 - 90) = 0.82 -> p takes g2.
    // Prediction q = [0,10]x[0,10] (0.8): IoU(q, g1) = 1 -> TP. Both TP at 0.4: AP = 1.
    // (Taking the first truth above the threshold, g1, would leave q with g2 at IoU 50/150 = 1/3 < 0.4: FP.)
    List<List<Box>> truths = List.of(List.of(gt(0, 0, 10, 10), gt(0, 5, 10, 15)));
    List<List<Box>> preds = List.of(List.of(pred(0, 4, 10, 14, 0.9), pred(0, 0, 10, 10, 0.8)));
    assertEquals(1.0, DetectionMetrics.averagePrecision(preds, truths, 0, 0.4), EPS);
  }

  @Test
  void predictionsAreRankedAcrossImages() {
    // Image 0: truth a, prediction on a (0.6, TP). Image 1: truth b, a miss (0.9, FP) and a hit on b (0.5, TP).
    // Global ranks: 0.9 FP, 0.6 TP, 0.5 TP -> (precision, recall) (0, 0), (1/2, 1/2), (2/3, 1).
    // Envelope: 2/3, 2/3, 2/3; every recall point is reached -> AP = 2/3.
    List<List<Box>> truths = List.of(List.of(gt(0, 0, 10, 10)), List.of(gt(0, 0, 10, 10)));
    List<List<Box>> preds = List.of(List.of(pred(0, 0, 10, 10, 0.6)),
        List.of(pred(40, 40, 50, 50, 0.9), pred(0, 0, 10, 10, 0.5)));
    assertEquals(2.0 / 3.0, DetectionMetrics.averagePrecision(preds, truths, 0, 0.5), EPS);
  }

  @Test
  void categoriesWithoutGroundTruthAreLeftOut() {
    // Category 0 as in averagePrecisionOfTpFpTp: AP0 = (51 + 50*2/3) / 101.
    // A prediction of category 1, which has no ground truth: AP1 = NaN, left out, mAP = AP0.
    List<Box> truths = List.of(gt(0, 0, 10, 10), gt(20, 20, 30, 30));
    List<Box> preds = List.of(pred(0, 0, 10, 10, 0.9), pred(50, 50, 60, 60, 0.8), pred(20, 20, 30, 30, 0.7),
        new Box(70, 70, 80, 80, 1, 0.95));
    double ap0 = (51 * 1.0 + 50 * (2.0 / 3.0)) / 101;
    assertTrue(Double.isNaN(DetectionMetrics.averagePrecision(List.of(preds), List.of(truths), 1, 0.5)));
    assertEquals(ap0, DetectionMetrics.meanAveragePrecision(List.of(preds), List.of(truths), 2, 0.5), EPS);
    // Category 1 with a truth but no prediction: AP1 = 0 -> mAP = (AP0 + 0) / 2.
    List<Box> truthsWith1 = List.of(gt(0, 0, 10, 10), gt(20, 20, 30, 30), new Box(0, 50, 5, 55, 1, 1.0));
    List<Box> predsWithout1 = preds.subList(0, 3);
    assertEquals(0.0, DetectionMetrics.averagePrecision(List.of(predsWithout1), List.of(truthsWith1), 1, 0.5));
    assertEquals(ap0 / 2, DetectionMetrics.meanAveragePrecision(List.of(predsWithout1), List.of(truthsWith1), 2, 0.5),
        EPS);
    // No ground truth at all -> NaN.
    assertTrue(Double.isNaN(DetectionMetrics.meanAveragePrecision(List.of(preds), List.of(List.of()), 2, 0.5)));
  }

  @Test
  void aTruthIsMatchedOnlyOnce() {
    // Two identical predictions on one truth: 0.9 TP, 0.8 FP (the truth is taken). (precision, recall): (1, 1),
    // (1/2, 1). Every recall point is reached at rank 1 with precision 1 -> AP = 1; at rank 2 nothing changes.
    List<List<Box>> truths = List.of(List.of(gt(0, 0, 10, 10)));
    List<List<Box>> preds = List.of(List.of(pred(0, 0, 10, 10, 0.9), pred(0, 0, 10, 10, 0.8)));
    assertEquals(1.0, DetectionMetrics.averagePrecision(preds, truths, 0, 0.5), EPS);
    // Ranked the other way round (a miss above the duplicate): 0.95 FP, 0.9 TP, 0.8 FP -> (0, 0), (1/2, 1), (1/3, 1).
    // Envelope 1/2, 1/2, 1/3; every point r > 0 is first reached at rank 2 (1/2), r = 0 at rank 1 (1/2) -> AP = 1/2.
    List<List<Box>> preds2 = List.of(List.of(pred(0, 0, 10, 10, 0.9), pred(0, 0, 10, 10, 0.8),
        pred(40, 40, 50, 50, 0.95)));
    assertEquals(0.5, DetectionMetrics.averagePrecision(preds2, truths, 0, 0.5), EPS);
  }

  @Test
  void imageCountsMustMatch() {
    String m = assertThrows(IllegalArgumentException.class,
        () -> DetectionMetrics.averagePrecision(List.of(List.of(), List.of()), List.of(List.of()), 0, 0.5)).getMessage();
    assertTrue(m.contains("2") && m.contains("1"), m);
    assertThrows(IllegalArgumentException.class, () -> DetectionMetrics.meanAveragePrecision(List.of(List.of()),
        List.of(), 1, DetectionMetrics.RSNA_IOU_THRESHOLDS));
  }

  /**
   * The bootstrap's shortcut: images matched once, then any resample (repeats, other orders, images without ground
   * truth, tied scores) gives exactly the mAP of matching the resampled lists from scratch.
   */
  @Test
  void matchedOnceGivesTheMapOfEveryResample() {
    Random r = new Random(7);
    List<List<Box>> predictions = new java.util.ArrayList<>(), truths = new java.util.ArrayList<>();
    for (int img = 0; img < 12; img++) {
      List<Box> t = new java.util.ArrayList<>(), p = new java.util.ArrayList<>();
      for (int k = img % 4 == 3 ? 0 : 1 + r.nextInt(2); k > 0; k--) t.add(box(r, r.nextInt(2), 1.0));
      for (Box g : t) p.add(new Box(g.x0 + r.nextInt(5), g.y0 + r.nextInt(5), g.x1 + r.nextInt(5), g.y1, g.category, r.nextInt(4) / 4.0));
      for (int k = r.nextInt(3); k > 0; k--) p.add(box(r, r.nextInt(2), r.nextInt(4) / 4.0)); // false positives, tied scores
      truths.add(t);
      predictions.add(p);
    }
    DetectionMetrics.Matched matched = new DetectionMetrics.Matched(predictions, truths, 2, DetectionMetrics.RSNA_IOU_THRESHOLDS);
    for (int draw = 0; draw < 200; draw++) {
      int[] items = new int[12];
      List<List<Box>> p = new java.util.ArrayList<>(), t = new java.util.ArrayList<>();
      for (int k = 0; k < items.length; k++) {
        items[k] = r.nextInt(12);
        p.add(predictions.get(items[k]));
        t.add(truths.get(items[k]));
      }
      double expected = DetectionMetrics.meanAveragePrecision(p, t, 2, DetectionMetrics.RSNA_IOU_THRESHOLDS);
      assertEquals(expected, matched.meanAveragePrecision(items), 0.0, "draw " + draw + ": " + Arrays.toString(items));
    }
    int[] noTruth = {3, 7, 11}; // images with no ground-truth box: no category to average, as meanAveragePrecision says
    assertTrue(Double.isNaN(matched.meanAveragePrecision(noTruth)));
  }

  private static Box box(Random r, int category, double score) {
    double x = r.nextInt(60), y = r.nextInt(60);
    return new Box(x, y, x + 10 + r.nextInt(20), y + 10 + r.nextInt(20), category, score);
  }
}
