package org.mflag.nn;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * ResNet-18/34/50 image encoder in torchvision's layout (v1.5: the stride of a bottleneck sits
 * on its 3x3 convolution), or Keras' ResNet-50 v1 ({@link Architecture#RESNET50_V1}: stride on the first
 * 1x1, batch-norm epsilon 1e-3, caffe inputs), NHWC, classifier removed.
 *
 * <p>The input is a grey image [B, H, W, 1], already normalised; it is replicated to three channels
 * inside the graph so that the stem has the ImageNet shape and torchvision weights load unchanged
 * (MFLAG.md: "grey-scale X-rays are replicated to 3 channels").</p>
 */
public final class ResNet {

  /** The feature maps a downstream head may use, and the pooled embedding. */
  public static final class Features {
    /** After conv1/bn1/relu: stride 2, 64 channels. */
    public final Operand<TFloat32> stem;
    /** Outputs of layer1..layer4 (strides 4, 8, 16, 32). */
    public final Operand<TFloat32>[] stages;
    /** Global average pool of layer4: [B, embeddingSize]. */
    public final Operand<TFloat32> pooled;

    /** Endpoints a head reads; those it does not read may be null (a head on cached features, {@link TaskNetwork#headInputs}). */
    public Features(Operand<TFloat32> stem, Operand<TFloat32>[] stages, Operand<TFloat32> pooled) {
      this.stem = stem;
      this.stages = stages;
      this.pooled = pooled;
    }
  }

  private ResNet() {}

  @SuppressWarnings("unchecked")
  public static Features build(Layers l, Architecture arch, Operand<TFloat32> greyInput) {
    Ops tf = l.tf();
    Operand<TFloat32> x = tf.tile(greyInput, tf.constant(new int[] {1, 1, 1, 3}));
    float[] means = arch.caffeMeans();
    if (means != null) {
      // the same normalised input for every encoder; Keras' weights expect grey values 0..255 less the channel means
      x = tf.math.sub(tf.math.mul(tf.math.add(x, tf.constant(1f)), tf.constant(127.5f)),
          tf.constant(new float[][][][] {{{means}}}));
    }
    float epsilonBefore = l.batchNormEpsilon(arch.batchNormEpsilon());
    x = l.conv("conv1", x, 3, 64, 7, 2, 3);
    x = l.relu(l.batchNorm2d("bn1", x, 64));
    Operand<TFloat32> stem = x;
    x = l.maxPool3x3s2AfterRelu(x);
    Operand<TFloat32>[] stages = new Operand[4];
    long inC = 64;
    int[] blocks = arch.blocks();
    for (int s = 1; s <= 4; s++) {
      long width = 64L << (s - 1);
      long outC = arch.stageChannels(s);
      for (int b = 0; b < blocks[s - 1]; b++) {
        int stride = (b == 0 && s > 1) ? 2 : 1;
        String name = "layer" + s + "." + b;
        x = arch.bottleneck()
            ? bottleneck(l, name, x, inC, width, outC, stride, arch.strideOnFirstConvolution())
            : basic(l, name, x, inC, outC, stride);
        inC = outC;
      }
      stages[s - 1] = x;
    }
    l.batchNormEpsilon(epsilonBefore);
    return new Features(stem, stages, l.globalAveragePool(x));
  }

  private static Operand<TFloat32> basic(Layers l, String n, Operand<TFloat32> x, long inC, long outC, int stride) {
    Operand<TFloat32> y = l.relu(l.batchNorm2d(n + ".bn1", l.conv(n + ".conv1", x, inC, outC, 3, stride, 1), outC));
    y = l.batchNorm2d(n + ".bn2", l.conv(n + ".conv2", y, outC, outC, 3, 1, 1), outC);
    return l.relu(l.tf().math.add(y, shortcut(l, n, x, inC, outC, stride)));
  }

  private static Operand<TFloat32> bottleneck(Layers l, String n, Operand<TFloat32> x, long inC, long width, long outC, int stride,
      boolean strideFirst) {
    Operand<TFloat32> y = l.relu(l.batchNorm2d(n + ".bn1", l.conv(n + ".conv1", x, inC, width, 1, strideFirst ? stride : 1, 0), width));
    y = l.relu(l.batchNorm2d(n + ".bn2", l.conv(n + ".conv2", y, width, width, 3, strideFirst ? 1 : stride, 1), width));
    y = l.batchNorm2d(n + ".bn3", l.conv(n + ".conv3", y, width, outC, 1, 1, 0), outC);
    return l.relu(l.tf().math.add(y, shortcut(l, n, x, inC, outC, stride)));
  }

  private static Operand<TFloat32> shortcut(Layers l, String n, Operand<TFloat32> x, long inC, long outC, int stride) {
    if (stride == 1 && inC == outC) return x;
    return l.batchNorm2d(n + ".downsample.1", l.conv(n + ".downsample.0", x, inC, outC, 1, stride, 0), outC);
  }
}
