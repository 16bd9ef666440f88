package org.mflag.nn;

import java.util.Arrays;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The segmentation decoder of MFLAG.md (MGCA's {@code segmentation_models_pytorch.Unet}): the
 * encoder's stage 4 is upsampled through five decoder blocks of 256/128/64/32/16 channels; the first
 * four concatenate the skip of stage 3, 2, 1 and the stem; each block is upsample x2 (nearest) then
 * two 3x3 conv + batch norm + ReLU. A 3x3 convolution with bias gives one logit per pixel at the
 * input resolution. Parameter names start with {@code decoder.} and {@code segmentation_head.}.
 */
public final class UNet {

  public static final long[] DECODER_CHANNELS = {256, 128, 64, 32, 16};
  public static final String PREFIX = "decoder.";
  public static final String HEAD = "segmentation_head";

  private UNet() {}

  /** Logits [B, size, size, 1]; {@code size} must be a multiple of 32. */
  public static Operand<TFloat32> build(Layers l, Architecture arch, ResNet.Features f, int size) {
    if (size % 32 != 0) throw new IllegalArgumentException("image_size=" + size + ": the U-Net needs a multiple of 32");
    Ops tf = l.tf();
    Operand<TFloat32>[] skips = skips(f);
    long[] skipChannels = {arch.stageChannels(3), arch.stageChannels(2), arch.stageChannels(1), 64, 0};
    Operand<TFloat32> x = f.stages[3];
    long c = arch.stageChannels(4);
    long hw = size / 32;
    for (int b = 0; b < DECODER_CHANNELS.length; b++) {
      x = l.upsample2x(x, hw, hw, c);
      hw *= 2;
      if (skips[b] != null) x = tf.concat(Arrays.asList(x, skips[b]), tf.constant(3));
      long in = c + skipChannels[b];
      long out = DECODER_CHANNELS[b];
      x = l.convBnAct(PREFIX + "blocks." + b + ".conv1", x, in, out, 3, 0f);
      x = l.convBnAct(PREFIX + "blocks." + b + ".conv2", x, out, out, 3, 0f);
      c = out;
    }
    return l.convWithBias(HEAD, x, c, 1, 3);
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32>[] skips(ResNet.Features f) {
    return new Operand[] {f.stages[2], f.stages[1], f.stages[0], f.stem, null};
  }
}
