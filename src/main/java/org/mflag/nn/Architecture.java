package org.mflag.nn;

import org.mflag.config.Choices;

/**
 * The image encoders on offer: torchvision's layouts, and Keras' original ResNet-50 ({@code resnet50_v1}),
 * the topology of the ImageNet weights that {@code import-weights} converts.
 */
public enum Architecture {
  RESNET18(false, new int[] {2, 2, 2, 2}, false),
  RESNET34(false, new int[] {3, 4, 6, 3}, false),
  RESNET50(true, new int[] {3, 4, 6, 3}, false),
  /**
   * Keras' ResNet50 (v1, {@code keras_applications}): each stage's stride on its first 1x1 convolution, batch
   * norm with epsilon 1e-3, and "caffe" inputs (BGR grey values 0..255 less the ImageNet channel means).
   */
  RESNET50_V1(true, new int[] {3, 4, 6, 3}, true);

  private final boolean bottleneck;
  private final int[] blocks;
  private final boolean keras;

  Architecture(boolean bottleneck, int[] blocks, boolean keras) {
    this.bottleneck = bottleneck;
    this.blocks = blocks;
    this.keras = keras;
  }

  /** Whether a downsampling bottleneck strides on its first 1x1 convolution (v1) instead of its 3x3 (v1.5). */
  public boolean strideOnFirstConvolution() {
    return keras;
  }

  /** The encoder's batch-norm epsilon: torchvision's 1e-5, Keras' 1e-3. */
  public float batchNormEpsilon() {
    return keras ? 1e-3f : Layers.BN_EPSILON;
  }

  /**
   * The per-channel means (B, G, R) the encoder subtracts from grey values 0..255 ("caffe" preprocessing), or
   * null when it takes the images as normalised ({@code v / 127.5 - 1}).
   */
  public float[] caffeMeans() {
    return keras ? new float[] {103.939f, 116.779f, 123.68f} : null;
  }

  /** The name used in parameters and model metadata ({@code resnet50}). */
  public String key() {
    return Choices.key(this);
  }

  public boolean bottleneck() {
    return bottleneck;
  }

  public int[] blocks() {
    return blocks.clone();
  }

  /** Channels out of stage {@code s} (1..4). */
  public long stageChannels(int s) {
    long base = 64L << (s - 1);
    return bottleneck ? base * 4 : base;
  }

  /** Size of the pooled image embedding: 2048 for ResNet-50, 512 for ResNet-18/34. */
  public long embeddingSize() {
    return stageChannels(4);
  }

  public static Architecture fromKey(String key) {
    return Choices.parse(Architecture.class, "encoder", key);
  }

  public static String[] keys() {
    return Choices.keys(Architecture.class);
  }
}
