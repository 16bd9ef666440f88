package org.mflag.io;

import java.util.Arrays;

/** A float32 array with a shape: what .npy files, checkpoints and test tensors hold. */
public final class NdArray {

  private final long[] shape;
  private final float[] data;

  public NdArray(float[] data, long... shape) {
    long n = 1;
    for (long d : shape) n *= d;
    if (n != data.length) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
    this.shape = shape.clone();
    this.data = data;
  }

  public long[] shape() {
    return shape.clone();
  }

  /** The values, row-major (not a copy). */
  public float[] data() {
    return data;
  }

  @Override
  public String toString() {
    return "float32" + Arrays.toString(shape);
  }
}
