package org.mflag.infer;

/**
 * Runs a fixed-size network over an image of any size in overlapping tiles and blends the tiles'
 * outputs so that no seam shows: each tile's output is weighted by a window that rises linearly
 * across the overlap on every side that borders another tile (and is flat on sides at the image's
 * border), and every pixel is the weighted mean of the tiles covering it. Tiles are spread evenly,
 * so neighbours overlap by at least {@code overlap} pixels; an image smaller than a tile is mirrored
 * to fill it, and what the network says about the mirrored part is discarded.
 *
 * <p>Geometry and blending only: the caller normalises the whole image first (so that tiles share one
 * intensity scale) and the network maps {@code n} tiles to {@code n} single-channel outputs.</p>
 */
public final class Tiling {

  /** A network on a batch of tiles: n * tile * tile inputs in, n * tile * tile outputs out. */
  @FunctionalInterface
  public interface Network {
    float[] run(float[] tiles, int n);
  }

  private final int tile;
  private final int overlap;
  private final int batch;

  /**
   * @param tile the network's input side in pixels
   * @param overlap the least overlap of neighbouring tiles, 0 <= overlap < tile / 2
   * @param batch tiles per network call
   */
  public Tiling(int tile, int overlap, int batch) {
    if (tile < 1) throw new IllegalArgumentException("tile=" + tile + ": must be at least 1");
    if (overlap < 0 || 2 * overlap >= tile) {
      throw new IllegalArgumentException("overlap=" + overlap + ": must be at least 0 and less than half the tile (" + tile + ")");
    }
    if (batch < 1) throw new IllegalArgumentException("batch=" + batch + ": must be at least 1");
    this.tile = tile;
    this.overlap = overlap;
    this.batch = batch;
  }

  /** Tiles per network call. */
  public int batch() {
    return batch;
  }

  /** The tiles' origins along an axis of {@code length} pixels: first at 0, last at length - tile. */
  public int[] origins(int length) {
    if (length <= tile) return new int[] {0};
    int stride = tile - overlap;
    int count = (length - tile + stride - 1) / stride + 1;
    int[] o = new int[count];
    for (int i = 0; i < count; i++) o[i] = (int) Math.round((double) i * (length - tile) / (count - 1));
    return o;
  }

  /** How many tiles {@link #apply} runs on a {@code width x height} image. */
  public int count(int width, int height) {
    return origins(width).length * origins(height).length;
  }

  /** The network's output over the whole {@code width x height} image (row-major). */
  public float[] apply(float[] image, int width, int height, Network net) {
    if (image.length != width * height) {
      throw new IllegalArgumentException("image has " + image.length + " values, not " + width + " x " + height);
    }
    int[] ox = origins(width), oy = origins(height);
    int n = ox.length * oy.length;
    float[] sum = new float[width * height];
    float[] weightSum = new float[width * height];
    for (int first = 0; first < n; first += batch) {
      int m = Math.min(batch, n - first);
      float[] in = new float[m * tile * tile];
      for (int k = 0; k < m; k++) {
        int t = first + k;
        copyTile(image, width, height, ox[t % ox.length], oy[t / ox.length], in, k * tile * tile);
      }
      float[] out = net.run(in, m);
      if (out.length != m * tile * tile) {
        throw new IllegalStateException("the network returned " + out.length + " values for " + m + " tiles of " + tile + " x " + tile);
      }
      for (int k = 0; k < m; k++) {
        int t = first + k, ix = t % ox.length, iy = t / ox.length;
        float[] wx = window(ix > 0, ix < ox.length - 1), wy = window(iy > 0, iy < oy.length - 1);
        for (int y = 0; y < tile; y++) {
          int gy = oy[iy] + y;
          if (gy >= height) break;
          for (int x = 0; x < tile; x++) {
            int gx = ox[ix] + x;
            if (gx >= width) break;
            float w = wx[x] * wy[y];
            sum[gy * width + gx] += w * out[k * tile * tile + y * tile + x];
            weightSum[gy * width + gx] += w;
          }
        }
      }
    }
    for (int i = 0; i < sum.length; i++) sum[i] /= weightSum[i];
    return sum;
  }

  /** 1-D blending weights: a linear rise over the overlap on each side that has a neighbour, else 1. */
  private float[] window(boolean before, boolean after) {
    float[] w = new float[tile];
    for (int i = 0; i < tile; i++) {
      float v = 1f;
      if (before) v = Math.min(v, (i + 1f) / (overlap + 1f));
      if (after) v = Math.min(v, (tile - i) / (overlap + 1f));
      w[i] = v;
    }
    return w;
  }

  private void copyTile(float[] image, int width, int height, int x0, int y0, float[] dst, int offset) {
    for (int y = 0; y < tile; y++) {
      int sy = mirror(y0 + y, height);
      for (int x = 0; x < tile; x++) dst[offset + y * tile + x] = image[sy * width + mirror(x0 + x, width)];
    }
  }

  /** Reflects {@code i} into 0..n-1 without repeating the edge pixel (numpy's 'reflect'). */
  static int mirror(int i, int n) {
    if (n == 1) return 0;
    int period = 2 * (n - 1);
    int r = Math.floorMod(i, period);
    return r < n ? r : period - r;
  }
}
