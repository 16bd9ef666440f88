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
}
