package org.mflag.nn;

import java.util.Random;

/** Fills a new parameter with initial values, drawing from {@code random} only. */
@FunctionalInterface
public interface Initializer {

  float[] values(long[] shape, Random random);

  static Initializer constant(float value) {
    return (shape, random) -> {
      float[] v = new float[size(shape)];
      java.util.Arrays.fill(v, value);
      return v;
    };
  }

  /** torchvision's ResNet conv init: {@code kaiming_normal_(mode="fan_out", nonlinearity="relu")}, HWIO. */
  static Initializer kaimingNormalFanOut() {
    return (shape, random) -> {
      double fanOut = shape[0] * shape[1] * shape[3];
      double std = Math.sqrt(2.0 / fanOut);
      float[] v = new float[size(shape)];
      for (int i = 0; i < v.length; i++) v[i] = (float) (random.nextGaussian() * std);
      return v;
    };
  }

  /**
   * PyTorch's default {@code nn.Linear} init, U(-1/sqrt(fanIn), 1/sqrt(fanIn)), for a weight
   * [in, out] or a bias whose layer has {@code fanIn} inputs.
   */
  static Initializer uniformFanIn(long fanIn) {
    return (shape, random) -> {
      double bound = 1.0 / Math.sqrt(fanIn);
      float[] v = new float[size(shape)];
      for (int i = 0; i < v.length; i++) v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
      return v;
    };
  }

  static int size(long[] shape) {
    long n = 1;
    for (long d : shape) n *= d;
    if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("parameter too large: " + java.util.Arrays.toString(shape));
    return (int) n;
  }
}
