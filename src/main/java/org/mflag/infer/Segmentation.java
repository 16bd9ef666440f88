package org.mflag.infer;

/**
 * What a segmenter makes of one image, in the image's own pixels (row-major, {@code width * height}): the foreground
 * probability, the mask at {@code threshold} (foreground where the probability is above it) and its connected regions.
 */
public final class Segmentation {

  private final int width;
  private final int height;
  private final float[] probability;
  private final double threshold;
  private final boolean[] mask;
  private final Regions regions;

  public Segmentation(int width, int height, float[] probability, double threshold, boolean[] mask, Regions regions) {
    if (probability.length != (long) width * height || mask.length != probability.length) {
      throw new IllegalArgumentException(width + "x" + height + " image, " + probability.length + " probabilities, " + mask.length
          + " mask pixels");
    }
    this.width = width;
    this.height = height;
    this.probability = probability;
    this.threshold = threshold;
    this.mask = mask;
    this.regions = regions;
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  public float[] probability() {
    return probability;
  }

  public double threshold() {
    return threshold;
  }

  public boolean[] mask() {
    return mask;
  }

  public Regions regions() {
    return regions;
  }

  /** The mask of {@code probability} at {@code threshold}, and its regions. */
  public static Segmentation of(float[] probability, int width, int height, double threshold) {
    boolean[] mask = new boolean[probability.length];
    for (int i = 0; i < mask.length; i++) mask[i] = probability[i] > threshold;
    return new Segmentation(width, height, probability, threshold, mask, Regions.of(mask, width, height));
  }

  /** The fraction of the image's pixels that are foreground. */
  public double foregroundFraction() {
    long n = 0;
    for (boolean b : mask) if (b) n++;
    return (double) n / mask.length;
  }
}
