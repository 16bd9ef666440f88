package org.mflag.zeroshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Prompts and the scoring of zero-shot classification, by hand on tiny vectors. */
class ZeroShotTest {

  @Test
  void pairsKeepTheirPolarityAsWritten() {
    Prompts p = Prompts.parse("No Finding: no acute cardiopulmonary process vs abnormal chest radiograph; "
        + "Effusion: pleural effusion | blunted costophrenic angle vs no pleural effusion");
    assertTrue(p.pairs());
    assertEquals(List.of("No Finding", "Effusion"), p.classes());
    Prompts.Entry nf = p.entries().get(0);
    // the class "No Finding" keeps the positive prompt it was given: nothing is negated from the name (CheXzero#19)
    assertEquals(List.of("no acute cardiopulmonary process"), nf.positive);
    assertEquals(List.of("abnormal chest radiograph"), nf.negative);
    for (String t : p.texts()) assertFalse(t.toLowerCase().contains("no no"), t);
    assertEquals(List.of("pleural effusion", "blunted costophrenic angle"), p.entries().get(1).positive);
    assertEquals(p.describe(), Prompts.parse(p.describe()).describe(), "describe() reads back");
  }

  @Test
  void badPromptsNameTheProblem() {
    String[][] cases = {
        {"covid: covid pneumonia vs normal; other: bacterial pneumonia", "earlier class"},
        {"covid: covid pneumonia", "one class"},
        {"a: x; a: y", "given twice"},
        {"a: x | | y; b: z", "empty positive prompt"},
        {"just text", "class name, a colon"},
        {"a: x vs y vs z", "'vs' twice"},
        {" ; ", "no class"}};
    for (String[] c : cases) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Prompts.parse(c[0]), c[0]);
      assertTrue(e.getMessage().startsWith("prompts") && e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
    }
  }

  @Test
  void pairProbabilityIsTheSoftmaxOfPositiveAndNegativeSimilarity() {
    Prompts p = Prompts.parse("a: up vs right");
    // projections of "up" and "right" in 2-d; the image points up (its length does not matter: cosine)
    float[] proj = {0, 3, 2, 0};
    ZeroShot z = new ZeroShot(p, proj, 2, ZeroShot.Pooling.MEAN, 1);
    float[] img = {0, 5, 0.5f, 0.5f};
    float[] out = z.probabilities(img, 2);
    assertEquals(1 / (1 + Math.exp(0 - 1)), out[0], 1e-6, "cos(up)=1, cos(right)=0");
    assertEquals(0.5, out[1], 1e-6, "the diagonal is as close to both");
    ZeroShot sharp = new ZeroShot(p, proj, 2, ZeroShot.Pooling.MEAN, 0.5);
    assertEquals(1 / (1 + Math.exp(-2)), sharp.probabilities(img, 2)[0], 1e-6, "temperature 0.5 doubles the margin");
    assertTrue(z.multiLabel());
  }

  @Test
  void promptSetsPoolThenCompete() {
    Prompts p = Prompts.parse("x: east | north; y: west");
    float[] proj = {1, 0, 0, 1, -1, 0}; // east, north, west
    float[] img = {1, 0};
    double sx = (1 + 0) / 2.0, sy = -1; // mean pooling: x = mean(cos east, cos north)
    float[] mean = new ZeroShot(p, proj, 2, ZeroShot.Pooling.MEAN, 1).probabilities(img, 1);
    assertEquals(Math.exp(sx) / (Math.exp(sx) + Math.exp(sy)), mean[0], 1e-6);
    assertEquals(1, mean[0] + mean[1], 1e-6);
    float[] max = new ZeroShot(p, proj, 2, ZeroShot.Pooling.MAX, 1).probabilities(img, 1);
    assertEquals(Math.exp(1) / (Math.exp(1) + Math.exp(-1)), max[0], 1e-6, "max pooling takes the best prompt");
    assertFalse(new ZeroShot(p, proj, 2, ZeroShot.Pooling.MAX, 1).multiLabel());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ZeroShot(p, new float[4], 2, ZeroShot.Pooling.MEAN, 1));
    assertTrue(e.getMessage().contains("3 prompt projections"), e.getMessage());
  }
}
