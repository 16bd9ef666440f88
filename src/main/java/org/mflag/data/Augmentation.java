package org.mflag.data;

import java.util.SplittableRandom;

/**
 * M-FLAG's training augmentation (MFLAG.md), in this order: RandomCrop(size), RandomRotation
 * (0..90 degrees, nearest, fill 0), RandomGrayscale(p=0.5), RandomPerspective(distortion 0.5,
 * p=0.5, bilinear, fill 0), RandomAutocontrast(p=0.5), then ToTensor and Normalize(0.5, 0.5), i.e.
 * {@code v / 255 * 2 - 1}. Parameters follow torchvision's {@code get_params}.
 *
 * <p>Every random draw comes from the {@link SplittableRandom} passed in, which the loader derives
 * from (seed, epoch, position in the epoch): an image's augmentation is the same in an uninterrupted
 * and in a resumed run. RandomGrayscale turns an RGB image into grey with its three channels equal;
 * the X-rays here are grey already, so it changes nothing, but its coin is still drawn so that the
 * draws of the later transforms match a colour pipeline's.</p>
 */
public final class Augmentation {

  public static final double MAX_ROTATION_DEGREES = 90;
  public static final double P_GRAYSCALE = 0.5;
  public static final double P_PERSPECTIVE = 0.5;
  public static final double DISTORTION = 0.5;
  public static final double P_AUTOCONTRAST = 0.5;

  private Augmentation() {}

  /** A randomly augmented, normalised {@code size x size} crop of a stored {@code stored x stored} image. */
  public static float[] train(byte[] image, int stored, int size, SplittableRandom r) {
    int top = r.nextInt(stored - size + 1);
    int left = r.nextInt(stored - size + 1);
    float[] x = crop(image, stored, top, left, size);
    x = rotate(x, size, r.nextDouble() * MAX_ROTATION_DEGREES);
    r.nextDouble(); // RandomGrayscale: identity on grey images (see class comment)
    if (r.nextDouble() < P_PERSPECTIVE) x = perspective(x, size, r);
    if (r.nextDouble() < P_AUTOCONTRAST) x = autocontrast(x);
    return Preprocessing.normalise(x);
  }

  /** The inference view: centre crop of {@code size}, normalised. */
  public static float[] centre(byte[] image, int stored, int size) {
    return Preprocessing.normalise(centreGrey(image, stored, size));
  }

  /** The centre {@code size x size} crop of a stored image, as grey values 0..255 (a package's raw test input). */
  public static float[] centreGrey(byte[] image, int stored, int size) {
    int off = (stored - size) / 2;
    return crop(image, stored, off, off, size);
  }

  public static final double SHIFT_LIMIT = 0.1;
  public static final double SCALE_LIMIT = 0.1;
  public static final double ROTATE_LIMIT_DEGREES = 10;
  public static final double P_SHIFT_SCALE_ROTATE = 0.5;

  /** A normalised image and its mask (null when there is none) after a downstream augmentation. */
  public static final class Augmented {
    public final float[] image;
    public final byte[] mask;

    Augmented(float[] image, byte[] mask) {
      this.image = image;
      this.mask = mask;
    }
  }

  /**
   * The downstream training augmentation of MFLAG.md, albumentations' {@code ShiftScaleRotate(
   * shift_limit=0.1, scale_limit=0.1, rotate_limit=10, p=0.5)}: with probability 0.5 one affine map
   * (shift up to 10% of the side, scale 0.9..1.1, rotation up to 10 degrees about the centre) moves the
   * image (bilinear) and the mask (nearest) together; borders reflect (OpenCV's REFLECT_101, the
   * albumentations default). Returns the normalised image and the moved mask.
   */
  public static Augmented shiftScaleRotate(byte[] image, byte[] mask, int size, SplittableRandom r) {
    float[] x = crop(image, size, 0, 0, size);
    if (r.nextDouble() >= P_SHIFT_SCALE_ROTATE) return new Augmented(Preprocessing.normalise(x), mask);
    double angle = Math.toRadians((r.nextDouble() * 2 - 1) * ROTATE_LIMIT_DEGREES);
    double scale = 1 + (r.nextDouble() * 2 - 1) * SCALE_LIMIT;
    double dx = (r.nextDouble() * 2 - 1) * SHIFT_LIMIT * size;
    double dy = (r.nextDouble() * 2 - 1) * SHIFT_LIMIT * size;
    double cos = Math.cos(angle) / scale, sin = Math.sin(angle) / scale;
    double c = (size - 1) / 2.0;
    float[] out = new float[size * size];
    byte[] outMask = mask == null ? null : new byte[size * size];
    for (int y = 0; y < size; y++) {
      for (int xo = 0; xo < size; xo++) {
        // inverse map: undo the shift, then rotate back and unscale about the centre
        double u = xo - dx - c, v = y - dy - c;
        double sx = cos * u + sin * v + c;
        double sy = -sin * u + cos * v + c;
        out[y * size + xo] = bilinearReflect(x, size, sx, sy);
        if (mask != null) {
          int mx = reflect((int) Math.round(sx), size), my = reflect((int) Math.round(sy), size);
          outMask[y * size + xo] = mask[my * size + mx];
        }
      }
    }
    return new Augmented(Preprocessing.normalise(out), outMask);
  }

  private static float bilinearReflect(float[] src, int n, double x, double y) {
    int x0 = (int) Math.floor(x), y0 = (int) Math.floor(y);
    double fx = x - x0, fy = y - y0;
    double acc = 0;
    for (int j = 0; j < 2; j++) {
      for (int i = 0; i < 2; i++) {
        acc += (i == 0 ? 1 - fx : fx) * (j == 0 ? 1 - fy : fy) * src[reflect(y0 + j, n) * n + reflect(x0 + i, n)];
      }
    }
    return (float) acc;
  }

  /** OpenCV's BORDER_REFLECT_101: ... 2 1 | 0 1 2 ... n-1 | n-2 ... */
  static int reflect(int i, int n) {
    if (n == 1) return 0;
    int period = 2 * (n - 1);
    int m = Math.floorMod(i, period);
    return m < n ? m : period - m;
  }

  static float[] crop(byte[] image, int stored, int top, int left, int size) {
    float[] out = new float[size * size];
    for (int y = 0; y < size; y++) {
      int row = (top + y) * stored + left;
      for (int x = 0; x < size; x++) out[y * size + x] = image[row + x] & 0xFF;
    }
    return out;
  }

  /** Counter-clockwise rotation about the image centre, nearest neighbour, zero outside (torchvision's default). */
  static float[] rotate(float[] src, int n, double degrees) {
    double a = Math.toRadians(degrees);
    double cos = Math.cos(a), sin = Math.sin(a);
    double c = (n - 1) / 2.0;
    float[] out = new float[n * n];
    for (int y = 0; y < n; y++) {
      for (int x = 0; x < n; x++) {
        double dx = x - c, dy = y - c;
        // inverse map: rotate the output coordinate clockwise (image y axis points down)
        int sx = (int) Math.round(cos * dx - sin * dy + c);
        int sy = (int) Math.round(sin * dx + cos * dy + c);
        if (sx >= 0 && sx < n && sy >= 0 && sy < n) out[y * n + x] = src[sy * n + sx];
      }
    }
    return out;
  }

  /** torchvision RandomPerspective.get_params and a bilinear warp with zero fill. */
  static float[] perspective(float[] src, int n, SplittableRandom r) {
    int half = n / 2;
    int d = (int) (DISTORTION * half);
    double[][] end = {
        {r.nextInt(d + 1), r.nextInt(d + 1)},
        {r.nextInt(n - d - 1, n), r.nextInt(d + 1)},
        {r.nextInt(n - d - 1, n), r.nextInt(n - d - 1, n)},
        {r.nextInt(d + 1), r.nextInt(n - d - 1, n)}};
    double[][] start = {{0, 0}, {n - 1, 0}, {n - 1, n - 1}, {0, n - 1}};
    double[] h = homography(end, start);
    float[] out = new float[n * n];
    for (int y = 0; y < n; y++) {
      for (int x = 0; x < n; x++) {
        double w = h[6] * x + h[7] * y + 1;
        double sx = (h[0] * x + h[1] * y + h[2]) / w;
        double sy = (h[3] * x + h[4] * y + h[5]) / w;
        out[y * n + x] = bilinear(src, n, sx, sy);
      }
    }
    return out;
  }

  /** Stretches [min, max] to [0, 255]; a constant image is left unchanged. */
  static float[] autocontrast(float[] x) {
    float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
    for (float v : x) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (!(max > min)) return x;
    float[] out = new float[x.length];
    float s = 255f / (max - min);
    for (int i = 0; i < x.length; i++) out[i] = Math.min(255f, (x[i] - min) * s);
    return out;
  }

  private static float bilinear(float[] src, int n, double x, double y) {
    int x0 = (int) Math.floor(x), y0 = (int) Math.floor(y);
    double fx = x - x0, fy = y - y0;
    double acc = 0;
    for (int j = 0; j < 2; j++) {
      for (int i = 0; i < 2; i++) {
        int xi = x0 + i, yj = y0 + j;
        if (xi < 0 || xi >= n || yj < 0 || yj >= n) continue;
        acc += (i == 0 ? 1 - fx : fx) * (j == 0 ? 1 - fy : fy) * src[yj * n + xi];
      }
    }
    return (float) acc;
  }

  /** The 8 coefficients of the projective map sending each {@code from[i]} to {@code to[i]}. */
  static double[] homography(double[][] from, double[][] to) {
    double[][] a = new double[8][9];
    for (int i = 0; i < 4; i++) {
      double x = from[i][0], y = from[i][1], u = to[i][0], v = to[i][1];
      a[2 * i] = new double[] {x, y, 1, 0, 0, 0, -x * u, -y * u, u};
      a[2 * i + 1] = new double[] {0, 0, 0, x, y, 1, -x * v, -y * v, v};
    }
    for (int c = 0; c < 8; c++) {
      int p = c;
      for (int rr = c + 1; rr < 8; rr++) if (Math.abs(a[rr][c]) > Math.abs(a[p][c])) p = rr;
      double[] t = a[c];
      a[c] = a[p];
      a[p] = t;
      for (int rr = 0; rr < 8; rr++) {
        if (rr == c || a[c][c] == 0) continue;
        double f = a[rr][c] / a[c][c];
        for (int k = c; k < 9; k++) a[rr][k] -= f * a[c][k];
      }
    }
    double[] h = new double[8];
    for (int c = 0; c < 8; c++) h[c] = a[c][8] / a[c][c];
    return h;
  }
}
