package org.mflag.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.process.ShortProcessor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.imageio.ImageFileDecoder;

class PreprocessingTest {

  @Test
  void cropsToNonZeroBoxRescalesTo255AndResizes() {
    // 6x4 image, non-zero block at x 2..4, y 1..2 with values 10..60
    float[] p = new float[24];
    float v = 10;
    for (int y = 1; y <= 2; y++) for (int x = 2; x <= 4; x++) p[y * 6 + x] = v++ * 10 - 90;
    GrayImage crop = Preprocessing.cropToNonZero(new GrayImage(6, 4, p));
    assertEquals(3, crop.width());
    assertEquals(2, crop.height());
    float[] scaled = Preprocessing.rescale(crop.pixels(), 255f);
    assertEquals(0f, scaled[0]);
    assertEquals(255f, scaled[5]); // 255, not the official code's 256-wraps-to-0
    byte[] out = Preprocessing.apply(new GrayImage(6, 4, p), 8);
    assertEquals(64, out.length);
    int min = 255, max = 0;
    for (byte b : out) {
      min = Math.min(min, b & 0xFF);
      max = Math.max(max, b & 0xFF);
    }
    assertTrue(min < 40 && max > 215, "range " + min + ".." + max);
  }

  @Test
  void bilinearResizeKeepsConstantsAndMeans() {
    float[] c = new float[40 * 30];
    Arrays.fill(c, 7f);
    for (float x : Preprocessing.resizeBilinear(c, 40, 30, 9, 13)) assertEquals(7f, x, 1e-5f);
    float[] ramp = new float[100];
    for (int i = 0; i < 100; i++) ramp[i] = i % 10;
    float[] small = Preprocessing.resizeBilinear(ramp, 10, 10, 5, 5);
    double mean = 0;
    for (float x : small) mean += x / small.length;
    assertEquals(4.5, mean, 1e-4);
  }

  @Test
  void augmentationIsSeededAndNormalised() {
    byte[] img = new byte[73 * 73];
    for (int i = 0; i < img.length; i++) img[i] = (byte) (i * 7);
    float[] a = Augmentation.train(img, 73, 64, new SplittableRandom(5));
    float[] b = Augmentation.train(img, 73, 64, new SplittableRandom(5));
    float[] c = Augmentation.train(img, 73, 64, new SplittableRandom(6));
    assertArrayEquals(a, b);
    assertFalse(Arrays.equals(a, c));
    for (float x : a) assertTrue(x >= -1f && x <= 1f, "out of [-1, 1]: " + x);
    float[] centre = Augmentation.centre(img, 73, 64);
    assertEquals((img[4 * 73 + 4] & 0xFF) / 127.5f - 1f, centre[0], 1e-6f);
  }

  @Test
  void perspectiveHomographyMapsCornersExactly() {
    double[][] from = {{3, 2}, {60, 5}, {58, 61}, {1, 59}};
    double[][] to = {{0, 0}, {63, 0}, {63, 63}, {0, 63}};
    double[] h = Augmentation.homography(from, to);
    for (int i = 0; i < 4; i++) {
      double w = h[6] * from[i][0] + h[7] * from[i][1] + 1;
      assertEquals(to[i][0], (h[0] * from[i][0] + h[1] * from[i][1] + h[2]) / w, 1e-9);
      assertEquals(to[i][1], (h[3] * from[i][0] + h[4] * from[i][1] + h[5]) / w, 1e-9);
    }
  }

  @Test
  void readsSixteenBitTiffWithItsValues(@TempDir Path dir) throws Exception {
    ShortProcessor sp = new ShortProcessor(5, 3);
    for (int i = 0; i < 15; i++) sp.set(i, 1000 * i + 17);
    Path f = dir.resolve("x16.tif");
    IJ.saveAsTiff(new ImagePlus("x16", sp), f.toString());
    GrayImage g = new ImageFileDecoder().read(f);
    assertEquals(5, g.width());
    assertEquals(14017f, g.pixels()[14]);
    DatasetException e = org.junit.jupiter.api.Assertions.assertThrows(DatasetException.class,
        () -> new ImageFileDecoder().read(java.nio.file.Files.write(dir.resolve("text.png"), "hello".getBytes())));
    assertTrue(e.getMessage().contains("text.png"), e.getMessage());
  }
}
