package org.mflag.nn;

import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Copies between Java arrays and TensorFlow tensors (row-major, the layout of {@code Shape}). */
public final class Tensors {

  private Tensors() {}

  /** A float tensor holding a copy of {@code data}; {@code data.length} must equal the shape's size. */
  public static TFloat32 floats(float[] data, long... shape) {
    Shape s = Shape.of(shape);
    if (s.size() != data.length) {
      throw new IllegalArgumentException("tensor of shape " + s + " needs " + s.size() + " values, got " + data.length);
    }
    return TFloat32.tensorOf(s, DataBuffers.of(data, true, false));
  }

  public static TInt32 ints(int[] data, long... shape) {
    Shape s = Shape.of(shape);
    if (s.size() != data.length) {
      throw new IllegalArgumentException("tensor of shape " + s + " needs " + s.size() + " values, got " + data.length);
    }
    return TInt32.tensorOf(s, DataBuffers.of(data, true, false));
  }

  /** All values of a float tensor, row-major. */
  public static float[] toArray(Tensor t) {
    TFloat32 f = (TFloat32) t;
    float[] out = new float[(int) f.shape().size()];
    f.copyTo(DataBuffers.of(out, false, false));
    return out;
  }

  public static float scalar(Tensor t) {
    return ((TFloat32) t).getFloat();
  }
}
