package org.mflag.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Tiled inference: every pixel covered, tiles blended without seams, small images mirrored. */
class TilingTest {

  private static float[] random(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = r.nextFloat() * 2 - 1;
    return v;
  }

  @Test
  void tilesCoverTheAxisWithAtLeastTheRequestedOverlap() {
    Tiling t = new Tiling(64, 16, 4);
    for (int length : new int[] {64, 65, 100, 256, 1000}) {
      int[] o = t.origins(length);
      assertEquals(0, o[0]);
      assertEquals(length - 64, o[o.length - 1], "the last tile ends at the border, length " + length);
      for (int i = 1; i < o.length; i++) assertTrue(o[i] - o[i - 1] <= 48, "overlap >= 16 at length " + length);
    }
    assertArrayEquals(new int[] {0}, t.origins(10));
    assertEquals(4 * 2, t.count(200, 100));
  }

  @Test
  void anIdentityNetworkGivesBackTheImage() {
    // geometry, batching and the blend's normalisation: any mistake shows as a changed pixel
    for (int[] size : new int[][] {{300, 170}, {50, 300}, {10, 7}, {64, 64}}) {
      float[] image = random(size[0] * size[1], size[0]);
      float[] out = new Tiling(64, 16, 3).apply(image, size[0], size[1], (tiles, n) -> tiles.clone());
      assertArrayEquals(image, out, 1e-6f, size[0] + " x " + size[1]);
    }
  }

  @Test
  void mirroringReflectsWithoutRepeatingTheEdge() {
    assertEquals(1, Tiling.mirror(-1, 5));
    assertEquals(3, Tiling.mirror(5, 5));
    assertEquals(0, Tiling.mirror(8, 5));
    assertEquals(0, Tiling.mirror(7, 1));
  }

  /** A 5x5 mean filter with zero padding: wrong near a tile's edges, as a convolutional network is. */
  private static float[] meanFilter(float[] in, int n, int side) {
    float[] out = new float[in.length];
    for (int k = 0; k < n; k++) {
      for (int y = 0; y < side; y++) {
        for (int x = 0; x < side; x++) {
          float s = 0;
          for (int dy = -2; dy <= 2; dy++) {
            for (int dx = -2; dx <= 2; dx++) {
              int yy = y + dy, xx = x + dx;
              if (yy >= 0 && yy < side && xx >= 0 && xx < side) s += in[k * side * side + yy * side + xx];
            }
          }
          out[k * side * side + y * side + x] = s / 25;
        }
      }
    }
    return out;
  }

  private static float maxError(float[] a, float[] b) {
    float m = 0;
    for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    return m;
  }

  @Test
  void blendingHidesTileEdges() {
    // 256 = 4 tiles of 64 exactly, so without overlap the tiles meet edge to edge and their wrong
    // borders show as seams; with overlap the borders are faded out by the neighbour's weight
    int side = 256;
    float[] image = random(side * side, 7);
    // reference: the filter on the whole image, zero padded only at the image's border
    float[] whole = meanFilter(image, 1, side);
    // identical to the whole image's filter except near tile edges
    float[] cut = new Tiling(64, 0, 4).apply(image, side, side, (tiles, n) -> meanFilter(tiles, n, 64));
    float[] blended = new Tiling(64, 16, 4).apply(image, side, side, (tiles, n) -> meanFilter(tiles, n, 64));
    float seam = maxError(cut, whole), left = maxError(blended, whole);
    assertTrue(seam > 0.1, "edge-to-edge tiles show their borders: " + seam);
    assertTrue(left < seam / 5, "blended error " + left + " vs seams " + seam);
  }

  @Test
  void badOverlapIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Tiling(64, 32, 1));
    assertTrue(e.getMessage().startsWith("overlap=32"), e.getMessage());
  }
}
