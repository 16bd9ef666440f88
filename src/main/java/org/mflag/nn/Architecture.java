package org.mflag.nn;

import java.util.Arrays;
import java.util.Locale;

/** The image encoders on offer, with torchvision's layouts. */
public enum Architecture {
  RESNET18("resnet18", false, new int[] {2, 2, 2, 2}),
  RESNET34("resnet34", false, new int[] {3, 4, 6, 3}),
  RESNET50("resnet50", true, new int[] {3, 4, 6, 3});

  private final String key;
  private final boolean bottleneck;
  private final int[] blocks;

  Architecture(String key, boolean bottleneck, int[] blocks) {
    this.key = key;
    this.bottleneck = bottleneck;
    this.blocks = blocks;
  }

  /** The name used in parameters and model metadata ({@code resnet50}). */
  public String key() {
    return key;
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
    for (Architecture a : values()) if (a.key.equals(key.toLowerCase(Locale.ROOT))) return a;
    throw new IllegalArgumentException("unknown encoder '" + key + "'; allowed: " + Arrays.toString(keys()));
  }

  public static String[] keys() {
    return Arrays.stream(values()).map(Architecture::key).toArray(String[]::new);
  }
}
