package org.mflag.bench;

import java.util.ArrayList;
import java.util.List;
import org.mflag.runtime.TensorFlowRuntime;
import org.scijava.log.Logger;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.types.TFloat32;

/**
 * One 3x3 convolution (NHWC, stride 1, same padding, no bias) alone, in TensorFlow's graph runtime and
 * in native PyTorch ({@code pytorch_step.py conv}), on the same shapes and threads. Both frameworks run
 * it through oneDNN, and {@code ONEDNN_VERBOSE=1} names the same primitive in both, so the ratio
 * isolates the oneDNN build each one carries: what limits our training step and inference
 * (README, "What limits inference, and the step"). The shapes are two of the U-Net's layers.
 */
final class ConvProbe {

  /** Batch, side, input and output channels of the convolutions probed. */
  static final int[][] SHAPES = {{9, 224, 32, 16}, {9, 14, 3072, 256}};

  static final class Result {
    int batch;
    int size;
    int inChannels;
    int outChannels;
    double flops;
    double tensorflowSeconds;
    /** The same convolution in each native PyTorch found ({@code callSeconds}: its median). */
    List<NativePyTorch.Result> pytorch = new ArrayList<>();
  }

  private ConvProbe() {}

  static List<Result> run(int runs, Logger log) throws Exception {
    List<Result> out = new ArrayList<>();
    for (int[] s : SHAPES) {
      Result r = new Result();
      r.batch = s[0];
      r.size = s[1];
      r.inChannels = s[2];
      r.outChannels = s[3];
      r.flops = 2.0 * r.batch * r.size * r.size * r.inChannels * r.outChannels * 9;
      r.tensorflowSeconds = tensorflowSeconds(r.batch, r.size, r.inChannels, r.outChannels, runs);
      r.pytorch = NativePyTorch.conv(r.batch, r.size, r.inChannels, r.outChannels, runs, log);
      out.add(r);
    }
    return out;
  }

  /**
   * Median seconds of the convolution through TensorFlow after two warm-up runs. Input and filter
   * live in variables (random) and the output is not fetched, so only the convolution is timed.
   */
  static double tensorflowSeconds(int batch, int size, int in, int out, int runs) {
    TensorFlowRuntime.ensureLoaded();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Variable<TFloat32> x = tf.variable(Shape.of(batch, size, size, in), TFloat32.class);
      Variable<TFloat32> w = tf.variable(Shape.of(3, 3, in, out), TFloat32.class);
      var initX = tf.assign(x, tf.random.randomUniform(tf.constant(new long[] {batch, size, size, in}), TFloat32.class));
      var initW = tf.assign(w, tf.random.randomUniform(tf.constant(new long[] {3, 3, in, out}), TFloat32.class));
      Conv2d<TFloat32> y = tf.nn.conv2d(x, w, List.of(1L, 1L, 1L, 1L), "SAME");
      s.runner().addTarget(initX).addTarget(initW).run();
      for (int i = 0; i < 2; i++) s.runner().addTarget(y).run();
      double[] t = new double[runs];
      for (int i = 0; i < runs; i++) {
        long t0 = System.nanoTime();
        s.runner().addTarget(y).run();
        t[i] = (System.nanoTime() - t0) / 1e9;
      }
      return TrainStepBenchmark.median(t);
    }
  }

  /**
   * Standalone, TensorFlow's side only, for comparing native builds ({@code scripts/compare-natives.sh}, under each
   * build's {@code TENSORFLOW_LIBRARY_PATH}): {@code ConvProbe [runs]} prints the median seconds of each shape.
   */
  public static void main(String[] args) {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 9;
    StringBuilder b = new StringBuilder("conv");
    for (int[] s : SHAPES) b.append(' ').append(tensorflowSeconds(s[0], s[1], s[2], s[3], runs));
    System.out.println(b);
  }
}
