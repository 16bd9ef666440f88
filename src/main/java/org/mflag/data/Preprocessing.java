package org.mflag.data;

/**
 * M-FLAG's offline preprocessing (MFLAG.md): crop to the bounding box of the non-zero pixels,
 * rescale intensities to 0..255, resize to a square of {@code storedSize} with bilinear
 * interpolation. The result is kept as 8-bit values, as the paper stores its preprocessed images.
 *
 * <p>Deviation from the official code: it multiplies by 256 and wraps 256 to 0 (a bug, MFLAG.md);
 * we scale to 255. Resizing uses a bilinear (triangle) filter whose support widens when shrinking,
 * as PIL's bilinear resize does, so that a 4000-pixel scan does not alias when shrunk.</p>
 */
public final class Preprocessing {

  /** The paper resizes to 256 and crops 224: the stored size is the input size times 256/224. */
  public static int storedSize(int imageSize) {
    return (int) Math.round(imageSize * 256.0 / 224.0);
  }

  private Preprocessing() {}

  /** Crop, rescale and resize; returns storedSize^2 bytes, row-major, values 0..255. */
  public static byte[] apply(GrayImage image, int storedSize) {
    GrayImage cropped = cropToNonZero(image);
    float[] scaled = rescale(cropped.pixels(), 255f);
    return toBytes(resizeBilinear(scaled, cropped.width(), cropped.height(), storedSize, storedSize));
  }

  /**
   * The downstream tasks' preprocessing: the whole image (no crop, so masks, boxes and predictions keep
   * its geometry) rescaled to 0..255 and resized to {@code size x size}; size^2 bytes.
   */
  public static byte[] whole(GrayImage image, int size) {
    return whole(image, size, size);
  }

  /** Several images, each resized whole and normalised ({@link #whole}, {@link #normalise}), stacked for one network call. */
  public static float[] wholeBatch(java.util.List<GrayImage> images, int size) {
    int px = size * size;
    float[] x = new float[images.size() * px];
    for (int i = 0; i < images.size(); i++) System.arraycopy(normalise(whole(images.get(i), size)), 0, x, i * px, px);
    return x;
  }

  /** As {@link #whole(GrayImage, int)} to {@code width x height} (for tiled inference); width*height bytes. */
  public static byte[] whole(GrayImage image, int width, int height) {
    return toBytes(resizeBilinear(rescale(image.pixels(), 255f), image.width(), image.height(), width, height));
  }

  static byte[] toBytes(float[] v) {
    byte[] out = new byte[v.length];
    for (int i = 0; i < out.length; i++) out[i] = (byte) Math.max(0, Math.min(255, Math.round(v[i])));
    return out;
  }

  /** The bounding box of pixels != 0; an all-zero image is returned unchanged. */
  public static GrayImage cropToNonZero(GrayImage im) {
    int w = im.width(), h = im.height();
    int x0 = w, y0 = h, x1 = -1, y1 = -1;
    float[] p = im.pixels();
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (p[y * w + x] != 0) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
      }
    }
    if (x1 < 0 || (x0 == 0 && y0 == 0 && x1 == w - 1 && y1 == h - 1)) return im;
    int cw = x1 - x0 + 1, ch = y1 - y0 + 1;
    float[] out = new float[cw * ch];
    for (int y = 0; y < ch; y++) System.arraycopy(p, (y + y0) * w + x0, out, y * cw, cw);
    return new GrayImage(cw, ch, out);
  }

  /** Linear map of [min, max] to [0, top]; a constant image maps to 0. */
  public static float[] rescale(float[] p, float top) {
    float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
    for (float v : p) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    float[] out = new float[p.length];
    if (!(max > min)) return out;
    float scale = top / (max - min);
    for (int i = 0; i < p.length; i++) out[i] = (p[i] - min) * scale;
    return out;
  }

  /** Separable bilinear resize with pixel-centre alignment and antialiasing when shrinking. */
  public static float[] resizeBilinear(float[] src, int sw, int sh, int dw, int dh) {
    float[] tmp = new float[dw * sh];
    Kernel kx = Kernel.of(sw, dw);
    for (int y = 0; y < sh; y++) kx.apply(src, y * sw, 1, tmp, y * dw, 1);
    float[] out = new float[dw * dh];
    Kernel ky = Kernel.of(sh, dh);
    for (int x = 0; x < dw; x++) ky.apply(tmp, x, dw, out, x, dw);
    return out;
  }

  /** Precomputed 1-D triangle-filter weights, as PIL's ImagingResample with the bilinear filter. */
  private static final class Kernel {
    final int[] start;
    final float[][] weights;

    private Kernel(int[] start, float[][] weights) {
      this.start = start;
      this.weights = weights;
    }

    static Kernel of(int in, int out) {
      double scale = (double) in / out;
      double support = Math.max(1.0, scale);
      int[] start = new int[out];
      float[][] w = new float[out][];
      for (int i = 0; i < out; i++) {
        double centre = (i + 0.5) * scale;
        int lo = Math.max(0, (int) Math.floor(centre - support));
        int hi = Math.min(in, (int) Math.ceil(centre + support));
        double[] k = new double[hi - lo];
        double sum = 0;
        for (int j = lo; j < hi; j++) {
          double d = Math.abs((j + 0.5 - centre) / support);
          double v = d < 1 ? 1 - d : 0;
          k[j - lo] = v;
          sum += v;
        }
        w[i] = new float[k.length];
        for (int j = 0; j < k.length; j++) w[i][j] = (float) (sum > 0 ? k[j] / sum : 0);
        start[i] = lo;
      }
      return new Kernel(start, w);
    }

    void apply(float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride) {
      for (int i = 0; i < start.length; i++) {
        float[] w = weights[i];
        int base = srcOff + start[i] * srcStride;
        float acc = 0;
        for (int j = 0; j < w.length; j++) acc += w[j] * src[base + j * srcStride];
        dst[dstOff + i * dstStride] = acc;
      }
    }
  }

  /**
   * The network's input values: {@code v / 255 * 2 - 1} (ToTensor then Normalize(mean 0.5, std 0.5)) of a 0..255
   * image, here the whole of it without augmentation (inference, validation, detection training).
   */
  public static float[] normalise(byte[] image) {
    return normalise(grey(image));
  }

  /** A stored 8-bit image as grey values 0..255. */
  public static float[] grey(byte[] image) {
    float[] x = new float[image.length];
    for (int i = 0; i < x.length; i++) x[i] = image[i] & 0xFF;
    return x;
  }

  /** {@code v / 255 * 2 - 1} of grey values 0..255 (after augmentation). */
  public static float[] normalise(float[] x) {
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) out[i] = x[i] / 127.5f - 1f;
    return out;
  }
}
