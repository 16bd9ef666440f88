package org.mflag.nn;

import org.mflag.config.Choices;

/** The image encoders on offer, with torchvision's layouts. */
public enum Architecture {
  RESNET18(false, new int[] {2, 2, 2, 2}),
  RESNET34(false, new int[] {3, 4, 6, 3}),
  RESNET50(true, new int[] {3, 4, 6, 3});

  private final boolean bottleneck;
  private final int[] blocks;

  Architecture(boolean bottleneck, int[] blocks) {
    this.bottleneck = bottleneck;
    this.blocks = blocks;
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
