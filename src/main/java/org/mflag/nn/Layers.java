package org.mflag.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/**
 * The building blocks of every network here, with PyTorch's semantics so that torchvision
 * weights mean the same thing: explicit symmetric padding, batch norm with momentum 0.1, eps 1e-5
 * and an unbiased running variance, linear layers as {@code x W + b} with W stored [in, out].
 *
 * <p>In {@link Mode#TRAIN} batch norm normalises with batch statistics and records the
 * moving-average updates in {@link #updates()}, which the training step must run; in
 * {@link Mode#INFER} it uses the moving statistics and the graph holds no update op.</p>
 */
public final class Layers {

  public static final float BN_EPSILON = 1e-5f;
  public static final float BN_MOMENTUM = 0.1f;
  /** Convolutions with fewer input channels stay fp32 under the mixed precisions (see {@code conv2d}). */
  static final int MIN_MIXED_CHANNELS = 16;

  /** A batch-norm statistic of one replica, for the running average that the replicas update together. */
  public static final class Statistic {
    public final Variable<TFloat32> running;
    public final Operand<TFloat32> batch;

    Statistic(Variable<TFloat32> running, Operand<TFloat32> batch) {
      this.running = running;
      this.batch = batch;
    }
  }

  private final Parameters params;
  private final Ops tf;
  private final Mode mode;
  private final boolean replica;
  private final boolean sharesVariables;
  private final List<Op> updates = new ArrayList<>();
  private final List<Statistic> statistics = new ArrayList<>();
  private Precision precision = Precision.FP32;

  public Layers(Parameters params, Mode mode) {
    this(params, mode, params.tf(), false, false);
  }

  private Layers(Parameters params, Mode mode, Ops tf, boolean replica, boolean sharesVariables) {
    this.params = params;
    this.tf = tf;
    this.mode = mode;
    this.replica = replica;
    this.sharesVariables = sharesVariables;
  }

  /**
   * One data-parallel replica in training mode: its ops are built with {@code scopedTf} (a name scope and a
   * device), the first replica creates the variables and the others use the same ones, and batch norm
   * normalises with the replica's own batch statistics, which are handed to the caller
   * ({@link #statistics()}) to update the running averages once for all replicas.
   */
  public static Layers replica(Parameters params, Ops scopedTf, boolean first) {
    return new Layers(params, Mode.TRAIN, scopedTf, true, !first);
  }

  /**
   * Inference-mode layers over the variables that {@code params} already holds (created by training-mode
   * layers of the same graph): the same weights, batch norm with the running statistics, no update ops.
   */
  public static Layers inferenceSharing(Parameters params) {
    return new Layers(params, Mode.INFER, params.tf(), false, true);
  }

  public Ops tf() {
    return tf;
  }

  public Mode mode() {
    return mode;
  }

  public Parameters parameters() {
    return params;
  }

  /** Computes convolutions and matrix products in {@code p} from here on (see {@link Precision}); returns this. */
  public Layers computeIn(Precision p) {
    this.precision = p;
    return this;
  }

  /** Batch-norm moving-average updates collected so far (empty in inference mode and for replicas). */
  public List<Op> updates() {
    return Collections.unmodifiableList(updates);
  }

  /** A replica's batch statistics, one per running average (see {@link #replica}). */
  public List<Statistic> statistics() {
    return Collections.unmodifiableList(statistics);
  }

  /**
   * The running-average updates of several replicas' statistics: each running value moves towards the mean
   * of the replicas' batch values (with equal shards, the batch mean of the whole batch, and the mean of the
   * shards' variances). Built with {@code tf}, in the order of the first replica's statistics.
   */
  public static List<Op> averageUpdates(Ops tf, List<List<Statistic>> perReplica) {
    return averageUpdates(tf, perReplica, means -> means);
  }

  /**
   * As {@link #averageUpdates(Ops, List)}, with the replicas' means of every statistic passed through {@code acrossTasks}
   * (all of them at once) before the update: the mean over the tasks of a cluster, so that every task's running
   * averages follow the whole batch's statistics and stay equal.
   */
  public static List<Op> averageUpdates(Ops tf, List<List<Statistic>> perReplica,
      java.util.function.UnaryOperator<List<Operand<TFloat32>>> acrossTasks) {
    List<Operand<TFloat32>> means = new ArrayList<>();
    for (int i = 0; i < perReplica.get(0).size(); i++) {
      List<Operand<TFloat32>> values = new ArrayList<>();
      for (List<Statistic> r : perReplica) values.add(tf.stopGradient(r.get(i).batch));
      means.add(values.size() == 1 ? values.get(0) : tf.math.div(tf.math.addN(values), tf.constant((float) values.size())));
    }
    if (!means.isEmpty()) means = acrossTasks.apply(means);
    List<Op> out = new ArrayList<>();
    for (int i = 0; i < means.size(); i++) {
      Variable<TFloat32> running = perReplica.get(0).get(i).running;
      out.add(tf.assign(running, tf.math.add(tf.math.mul(running, tf.constant(1f - BN_MOMENTUM)),
          tf.math.mul(means.get(i), tf.constant(BN_MOMENTUM)))));
    }
    return out;
  }


  /** A variable of this network: created here, or for a replica after the first, the first one's. */
  private Variable<TFloat32> variable(String name, long[] shape, Parameters.Kind kind, Initializer init) {
    if (!sharesVariables) return params.create(name, shape, kind, init);
    Parameters.Entry e = params.get(name);
    if (!Arrays.equals(e.shape, shape)) {
      throw new IllegalStateException(name + ": replica shape " + Arrays.toString(shape) + " differs from " + Arrays.toString(e.shape));
    }
    return e.variable;
  }

  /** 2-D convolution without bias, NHWC, kernel HWIO, torchvision-style padding {@code pad} on every side. */
  public Operand<TFloat32> conv(String name, Operand<TFloat32> x, long inC, long outC, int k, int stride, int pad) {
    Operand<TFloat32> w = variable(name + ".weight", new long[] {k, k, inC, outC},
        Parameters.Kind.TRAINABLE, Initializer.kaimingNormalFanOut());
    List<Long> strides = Arrays.asList(1L, (long) stride, (long) stride, 1L);
    if (pad == 0) return conv2d(x, w, inC, strides, "VALID");
    if (stride == 1 && k == 2 * pad + 1) return conv2d(x, w, inC, strides, "SAME"); // identical to padding k/2
    // Strided convolutions pad symmetrically like PyTorch (TF's SAME would pad 0 before, 1 after).
    // Conv2D's "EXPLICIT" padding would do this in one op, but TensorFlow's C++ gradient for Conv2D
    // drops the explicit_paddings attribute ("explicit_paddings attribute must contain 8 values"),
    // so the padding is a separate op.
    Operand<TFloat32> padded = tf.pad(x, tf.constant(new int[][] {{0, 0}, {pad, pad}, {pad, pad}, {0, 0}}), tf.constant(0f));
    return conv2d(padded, w, inC, strides, "VALID");
  }

  /**
   * Conv2D in this network's {@link Precision}: fp32 in and out, the precision's {@link Precision#computeType compute
   * type} inside, except for convolutions of fewer than {@value #MIN_MIXED_CHANNELS} input channels (the stem on the
   * grey image made three channels), which stay fp32: oneDNN's bfloat16 kernel for a 7x7 stride-2 convolution of 3
   * channels (TensorFlow 2.16.1 on an AVX512_BF16 CPU) returns NaN from its second call on, and the stem is a few
   * percent of the FLOPs.
   */
  private Operand<TFloat32> conv2d(Operand<TFloat32> x, Operand<TFloat32> w, long inC, List<Long> strides, String padding) {
    Class<? extends TFloating> type = precision.computeType();
    if (type == null || inC < MIN_MIXED_CHANNELS) return tf.nn.conv2d(x, w, strides, padding);
    return fp32(tf.nn.conv2d(lower(x, type), lower(w, type), strides, padding));
  }

  /** MatMul in this network's {@link Precision}. */
  private Operand<TFloat32> matMul(Operand<TFloat32> x, Operand<TFloat32> w) {
    Class<? extends TFloating> type = precision.computeType();
    if (type == null) return tf.linalg.matMul(x, w);
    return fp32(tf.linalg.matMul(lower(x, type), lower(w, type)));
  }

  @SuppressWarnings("unchecked")
  private <T extends TFloating> Operand<T> lower(Operand<TFloat32> x, Class<? extends TFloating> type) {
    return tf.dtypes.cast(x, (Class<T>) type);
  }

  private Operand<TFloat32> fp32(Operand<? extends TFloating> x) {
    return tf.dtypes.cast(x, TFloat32.class);
  }

  /** The epsilon of the BatchNorm2d layers built next (an encoder of another lineage sets its own, then restores it). */
  private float bnEpsilon = BN_EPSILON;

  /** Sets the epsilon of the BatchNorm2d layers built from now on; returns the previous one. */
  public float batchNormEpsilon(float epsilon) {
    float before = bnEpsilon;
    bnEpsilon = epsilon;
    return before;
  }

  /** BatchNorm2d over the channel axis of an NHWC tensor. */
  public Operand<TFloat32> batchNorm2d(String name, Operand<TFloat32> x, long channels) {
    Operand<TFloat32> gamma = variable(name + ".weight", new long[] {channels},
        Parameters.Kind.TRAINABLE, Initializer.constant(1f));
    Operand<TFloat32> beta = variable(name + ".bias", new long[] {channels},
        Parameters.Kind.TRAINABLE, Initializer.constant(0f));
    Variable<TFloat32> mean = variable(name + ".running_mean", new long[] {channels},
        Parameters.Kind.BUFFER, Initializer.constant(0f));
    Variable<TFloat32> var = variable(name + ".running_var", new long[] {channels},
        Parameters.Kind.BUFFER, Initializer.constant(1f));
    if (mode == Mode.INFER) {
      return tf.nn.fusedBatchNorm(x, gamma, beta, mean, var,
          FusedBatchNorm.epsilon(bnEpsilon), FusedBatchNorm.isTraining(false)).y();
    }
    Operand<TFloat32> empty = tf.constant(new float[0]);
    FusedBatchNorm<TFloat32, TFloat32> bn = tf.nn.fusedBatchNorm(x, gamma, beta, empty, empty,
        FusedBatchNorm.epsilon(bnEpsilon), FusedBatchNorm.isTraining(true));
    // FusedBatchNormV3 returns the Bessel-corrected batch variance, as PyTorch's running_var uses.
    track(mean, bn.batchMean());
    track(var, bn.batchVariance());
    return bn.y();
  }

  /**
   * BatchNorm1d over the last axis of a [batch, features] tensor; {@code affine=false} gives the
   * scale- and offset-free form that ends M-FLAG's projectors.
   */
  public Operand<TFloat32> batchNorm1d(String name, Operand<TFloat32> x, long features, boolean affine) {
    Variable<TFloat32> mean = variable(name + ".running_mean", new long[] {features},
        Parameters.Kind.BUFFER, Initializer.constant(0f));
    Variable<TFloat32> var = variable(name + ".running_var", new long[] {features},
        Parameters.Kind.BUFFER, Initializer.constant(1f));
    Operand<TFloat32> normalised;
    Operand<TInt32> batchAxis = tf.constant(new int[] {0});
    if (mode == Mode.INFER) {
      normalised = tf.math.mul(tf.math.sub(x, mean), tf.math.rsqrt(tf.math.add(var, tf.constant(BN_EPSILON))));
    } else {
      Operand<TFloat32> mu = tf.math.mean(x, batchAxis);
      Operand<TFloat32> centred = tf.math.sub(x, mu);
      Operand<TFloat32> biasedVar = tf.math.mean(tf.math.square(centred), batchAxis);
      normalised = tf.math.mul(centred, tf.math.rsqrt(tf.math.add(biasedVar, tf.constant(BN_EPSILON))));
      // running_var uses the unbiased estimate, as torch.nn.BatchNorm1d does.
      Operand<TFloat32> n = tf.stopGradient(tf.dtypes.cast(tf.gather(tf.shape(x), tf.constant(0), tf.constant(0)), TFloat32.class));
      Operand<TFloat32> unbiased = tf.math.mul(biasedVar, tf.math.div(n, tf.math.maximum(tf.math.sub(n, tf.constant(1f)), tf.constant(1f))));
      track(mean, mu);
      track(var, unbiased);
    }
    if (!affine) return normalised;
    Operand<TFloat32> gamma = variable(name + ".weight", new long[] {features},
        Parameters.Kind.TRAINABLE, Initializer.constant(1f));
    Operand<TFloat32> beta = variable(name + ".bias", new long[] {features},
        Parameters.Kind.TRAINABLE, Initializer.constant(0f));
    return tf.math.add(tf.math.mul(normalised, gamma), beta);
  }

  /** Fully connected layer; W is [in, out] (the transpose of PyTorch's [out, in]). */
  public Operand<TFloat32> linear(String name, Operand<TFloat32> x, long in, long out, boolean bias) {
    Operand<TFloat32> w = variable(name + ".weight", new long[] {in, out},
        Parameters.Kind.TRAINABLE, Initializer.uniformFanIn(in));
    Operand<TFloat32> y = matMul(x, w);
    if (!bias) return y;
    Operand<TFloat32> b = variable(name + ".bias", new long[] {out},
        Parameters.Kind.TRAINABLE, Initializer.uniformFanIn(in));
    return tf.nn.biasAdd(y, b);
  }

  /**
   * A stride-1 convolution with bias and PyTorch's default {@code nn.Conv2d} init (weight and bias
   * U(-1/sqrt(fan_in), 1/sqrt(fan_in))): the output layers of the task heads.
   */
  public Operand<TFloat32> convWithBias(String name, Operand<TFloat32> x, long inC, long outC, int k) {
    return convWithBias(name, x, inC, outC, k, Initializer.uniformFanIn(inC * k * k));
  }

  /** {@link #convWithBias(String, Operand, long, long, int)} with its own bias initialisation. */
  public Operand<TFloat32> convWithBias(String name, Operand<TFloat32> x, long inC, long outC, int k, Initializer bias) {
    long fanIn = inC * k * k;
    Operand<TFloat32> w = variable(name + ".weight", new long[] {k, k, inC, outC},
        Parameters.Kind.TRAINABLE, Initializer.uniformFanIn(fanIn));
    Operand<TFloat32> b = variable(name + ".bias", new long[] {outC}, Parameters.Kind.TRAINABLE, bias);
    List<Long> ones = Arrays.asList(1L, 1L, 1L, 1L);
    return tf.nn.biasAdd(conv2d(x, w, inC, ones, k == 1 ? "VALID" : "SAME"), b);
  }

  /** Conv (no bias) + batch norm + activation: the repeated unit of the U-Net decoder and the YOLO neck. */
  public Operand<TFloat32> convBnAct(String name, Operand<TFloat32> x, long inC, long outC, int k, float leak) {
    Operand<TFloat32> y = batchNorm2d(name + ".bn", conv(name + ".conv", x, inC, outC, k, 1, k / 2), outC);
    return leak == 0f ? relu(y) : leakyRelu(y, leak);
  }

  public Operand<TFloat32> leakyRelu(Operand<TFloat32> x, float alpha) {
    return tf.nn.leakyRelu(x, org.tensorflow.op.nn.LeakyRelu.alpha(alpha));
  }

  /**
   * Nearest-neighbour 2x upsampling of [B, H, W, C] with static H, W, C, built from concat and reshape
   * (whose gradients TensorFlow's C++ API certainly has) rather than ResizeNearestNeighbor.
   */
  public Operand<TFloat32> upsample2x(Operand<TFloat32> x, long h, long w, long c) {
    Operand<TFloat32> cols = tf.reshape(tf.concat(Arrays.asList(x, x), tf.constant(3)), tf.constant(new long[] {-1, h, 2 * w, c}));
    return tf.reshape(tf.concat(Arrays.asList(cols, cols), tf.constant(2)), tf.constant(new long[] {-1, 2 * h, 2 * w, c}));
  }

  public Operand<TFloat32> relu(Operand<TFloat32> x) {
    return tf.nn.relu(x);
  }

  /** 3x3 max-pool, stride 2, padding 1, applied after a ReLU (so zero padding equals -inf padding). */
  public Operand<TFloat32> maxPool3x3s2AfterRelu(Operand<TFloat32> x) {
    Operand<TFloat32> padded = tf.pad(x, tf.constant(new int[][] {{0, 0}, {1, 1}, {1, 1}, {0, 0}}), tf.constant(0f));
    return tf.nn.maxPool(padded, tf.constant(new int[] {1, 3, 3, 1}), tf.constant(new int[] {1, 2, 2, 1}), "VALID");
  }

  /** Global average pool over H and W of an NHWC tensor: [B, C]. */
  public Operand<TFloat32> globalAveragePool(Operand<TFloat32> x) {
    return tf.math.mean(x, tf.constant(new int[] {1, 2}));
  }

  private void track(Variable<TFloat32> running, Operand<TFloat32> batch) {
    if (replica) {
      statistics.add(new Statistic(running, batch));
      return;
    }
    Operand<TFloat32> updated = tf.math.add(
        tf.math.mul(running, tf.constant(1f - BN_MOMENTUM)), tf.math.mul(tf.stopGradient(batch), tf.constant(BN_MOMENTUM)));
    updates.add(tf.assign(running, updated));
  }
}
