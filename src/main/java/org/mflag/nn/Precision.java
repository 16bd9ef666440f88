package org.mflag.nn;

import org.mflag.config.Choices;

/**
 * The number format of a training step's convolutions and matrix products. {@link #MIXED} computes them in
 * bfloat16 (8 exponent bits, as fp32: no loss scaling needed) from fp32 inputs and weights and returns fp32
 * results, so weights, batch norm, the loss, gradients' accumulation and AdamW's state stay fp32, and
 * checkpoints and packages are the same files. bfloat16 runs fast on NVIDIA GPUs from Ampere on and on
 * CPUs with AVX512_BF16 or AMX; elsewhere it is not native (slower, or on older GPUs possibly without kernels).
 */
public enum Precision {
  FP32, MIXED;

  public String key() {
    return Choices.key(this);
  }

  public static Precision fromKey(String key) {
    return Choices.parse(Precision.class, "precision", key);
  }

  public static String[] keys() {
    return Choices.keys(Precision.class);
  }
}
