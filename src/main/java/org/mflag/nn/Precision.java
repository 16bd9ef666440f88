package org.mflag.nn;

import org.mflag.config.Choices;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.family.TFloating;

/**
 * The number format of a training step's convolutions and matrix products. Both mixed formats compute them
 * from fp32 inputs and weights and return fp32 results, so weights, batch norm, the loss, gradients'
 * accumulation and AdamW's state stay fp32, and checkpoints and packages are the same files.
 * <ul>
 *   <li>{@link #MIXED}: bfloat16 (8 exponent bits, as fp32: no loss scaling needed). Fast on NVIDIA GPUs from
 *   Ampere on and on CPUs with AVX512_BF16 or AMX; elsewhere it is not native (slower, or on older GPUs
 *   possibly without kernels).</li>
 *   <li>{@link #MIXED_FP16}: float16 (5 exponent bits: small gradients underflow to zero), with dynamic loss
 *   scaling ({@code train.LossScale}): the loss is multiplied by a scale before the backward pass and the
 *   gradients divided by it after; a step whose gradients overflow is skipped and the scale halved. For the
 *   tensor cores of Volta and Turing GPUs, which have no bfloat16. On CPUs float16 is not native (slow).</li>
 * </ul>
 */
public enum Precision {
  FP32, MIXED, MIXED_FP16;

  /** The type convolutions and matrix products compute in; {@code null} for fp32. */
  public Class<? extends TFloating> computeType() {
    switch (this) {
      case MIXED: return TBfloat16.class;
      case MIXED_FP16: return TFloat16.class;
      default: return null;
    }
  }

  /** Whether small gradients would underflow without loss scaling (float16's 5-bit exponent). */
  public boolean needsLossScaling() {
    return this == MIXED_FP16;
  }

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
