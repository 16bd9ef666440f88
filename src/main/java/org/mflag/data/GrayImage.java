package org.mflag.data;

/** A single-channel image as row-major floats in the file's own intensity units. */
public final class GrayImage {

  private final int width;
  private final int height;
  private final float[] pixels;

  public GrayImage(int width, int height, float[] pixels) {
    if (width < 1 || height < 1 || pixels.length != (long) width * height) {
      throw new IllegalArgumentException("image " + width + "x" + height + " cannot hold " + pixels.length + " pixels");
    }
    this.width = width;
    this.height = height;
    this.pixels = pixels;
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /** The pixel array itself (not a copy). */
  public float[] pixels() {
    return pixels;
  }

  public float get(int x, int y) {
    return pixels[y * width + x];
  }

  /** Fewer pixels than this on a side cannot show a chest. */
  public static final int MIN_SIDE = 8;

  /**
   * This image, when it can carry an X-ray's signal; otherwise a {@link DatasetException} naming
   * {@code file} and why: fewer than {@link #MIN_SIDE} pixels on a side, pixels that are not finite
   * numbers (NaN or infinite, which a 32-bit TIFF can hold), or the same value everywhere. Masks are
   * not checked this way (an empty mask is a valid answer).
   */
  public GrayImage requireSignal(java.nio.file.Path file) throws DatasetException {
    if (width < MIN_SIDE || height < MIN_SIDE) {
      throw new DatasetException(file + ": " + width + "x" + height + " pixels, too small to be an X-ray (at least " + MIN_SIDE
          + " on each side)");
    }
    int nonFinite = 0;
    float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
    for (float v : pixels) {
      if (!Float.isFinite(v)) {
        nonFinite++;
      } else {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    if (nonFinite > 0) {
      throw new DatasetException(file + ": " + nonFinite + " of " + pixels.length + " pixels are not finite numbers (NaN or infinite)");
    }
    if (min == max) throw new DatasetException(file + ": every pixel has the value " + min + " (no signal)");
    return this;
  }
}
