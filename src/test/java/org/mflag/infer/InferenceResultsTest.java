package org.mflag.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The typed results every adapter turns into its own objects: what a label, a mask and a region are. */
class InferenceResultsTest {

  @Test
  void theLabelIsTheMostProbableClassOrEveryClassAboveOneHalfForMultiLabelModels() {
    List<String> classes = List.of("normal", "effusion", "nodule");
    float[] p = {0.2f, 0.7f, 0.6f};
    assertEquals("effusion", new Classification(classes, p, false).predicted());
    assertEquals("effusion|nodule", new Classification(classes, p, true).predicted());
    assertEquals("", new Classification(classes, new float[] {0.1f, 0.5f, 0.2f}, true).predicted(), "0.5 is not above 0.5");
    assertThrows(IllegalArgumentException.class, () -> new Classification(classes, new float[2], false));
  }

  @Test
  void aPixelIsForegroundAboveTheThresholdAndRegionsAreEightConnected() {
    // 4 x 3: a diagonal pair (one 8-connected region), a pixel exactly at the threshold (background), one apart
    float[] p = {
        0.9f, 0f, 0f, 0.6f,
        0f, 0.8f, 0f, 0f,
        0f, 0f, 0.5f, 0f};
    Segmentation s = Segmentation.of(p, 4, 3, 0.5);
    assertArrayEquals(new boolean[] {true, false, false, true, false, true, false, false, false, false, false, false}, s.mask());
    assertEquals(2, s.regions().count);
    assertArrayEquals(new long[] {2, 1}, s.regions().area);
    assertEquals(3.0 / 12, s.foregroundFraction(), 1e-12);
    assertThrows(IllegalArgumentException.class, () -> Segmentation.of(new float[5], 2, 2, 0.5));
  }

  @Test
  void optionsAreImmutableAndEqualOptionsGiveEqualKeys() {
    InferenceOptions a = InferenceOptions.DEFAULTS.withThreshold(0.3).withScale(0.5);
    assertEquals(Double.NaN, InferenceOptions.DEFAULTS.threshold(), "DEFAULTS unchanged: the package's threshold");
    assertEquals(0.3, a.threshold(), 0);
    assertEquals(a.toString(), InferenceOptions.DEFAULTS.withScale(0.5).withThreshold(0.3).toString());
    assertThrows(IllegalArgumentException.class, () -> a.withBatch(0));
  }
}
