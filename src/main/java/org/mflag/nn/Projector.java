package org.mflag.nn;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * M-FLAG's projection heads (MFLAG.md): Linear(in, hidden, bias) -> BatchNorm1d(hidden) -> ReLU ->
 * Linear(hidden, out) -> BatchNorm1d(out, no scale/offset).
 *
 * <p>The second linear layer has no bias: the affine-free batch norm right after it subtracts the
 * batch mean, which cancels any bias exactly, so a bias would only add a parameter that weight
 * decay pulls on. The outputs are identical to the official code's.</p>
 */
public final class Projector {

  public static final long HIDDEN = 2048;
  public static final long OUTPUT = 1024;

  private Projector() {}

  /** Builds a projector whose parameters are named {@code prefix.0 .. prefix.4} like nn.Sequential. */
  public static Operand<TFloat32> build(Layers l, String prefix, Operand<TFloat32> x, long in) {
    Operand<TFloat32> h = l.linear(prefix + ".0", x, in, HIDDEN, true);
    h = l.relu(l.batchNorm1d(prefix + ".1", h, HIDDEN, true));
    h = l.linear(prefix + ".3", h, HIDDEN, OUTPUT, false);
    return l.batchNorm1d(prefix + ".4", h, OUTPUT, false);
  }
}
