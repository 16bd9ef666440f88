package org.mflag.train;

import java.util.ArrayList;
import java.util.List;
import org.mflag.loss.MFlagLoss;
import org.mflag.nn.Architecture;
import org.mflag.nn.Layers;
import org.mflag.nn.MFlagNetwork;
import org.mflag.nn.Mode;
import org.mflag.nn.Parameters;
import org.mflag.nn.Precision;
import org.mflag.nn.Projector;
import org.mflag.nn.ResNet;
import org.mflag.nn.Tensors;
import org.mflag.runtime.Cluster;
import org.mflag.runtime.Devices;
import org.mflag.runtime.TensorFlowRuntime;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Operation;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TFloat32;

/**
 * The pre-training step as one TensorFlow graph: encoder and both projectors in training mode,
 * the M-FLAG loss, its gradients, AdamW and the batch-norm statistics updates. Text embeddings come
 * in as data, so no gradient can reach the language model.
 */
public final class PretrainGraph implements AutoCloseable {

  private final Graph graph;
  private final Session session;
  private final Parameters params;
  private final Placeholder<TFloat32> images;
  private final Placeholder<TFloat32> text;
  private final Placeholder<TFloat32> lr;
  private final MFlagLoss.Terms loss;
  private final Op train;
  /** Float16 loss scaling, or null. */
  private final LossScale.State scaling;
  private boolean skipped;
  private final int batch;
  /** Images per step in this process: the batch, or this task's share of it in a cluster. */
  private final int localBatch;
  private final int size;
  private final int textDim;

  /** What shapes the step: encoder, batch, input size, text dimension; the loss, weight decay and device. */
  public static final class Spec {
    final Architecture arch;
    final int batch;
    final int size;
    final int textDim;
    MFlagLoss loss = PretrainConfig.defaultLoss();
    double weightDecay = TrainingKeys.WEIGHT_DECAY.defaultNumber();
    Devices.Plan devices;
    Precision precision = Precision.FP32;
    LossScale lossScale = new LossScale();
    Cluster cluster;
    float collectiveTimeout = 600;

    private Spec(Architecture arch, int batch, int size, int textDim) {
      this.arch = arch;
      this.batch = batch;
      this.size = size;
      this.textDim = textDim;
    }

    public static Spec of(Architecture arch, int batch, int size, int textDim) {
      return new Spec(arch, batch, size, textDim);
    }

    public Spec optLoss(MFlagLoss v) {
      loss = v;
      return this;
    }

    public Spec optWeightDecay(double v) {
      weightDecay = v;
      return this;
    }

    /** Where the session computes; TensorFlow's default placement when not given. */
    public Spec optDevices(Devices.Plan v) {
      devices = v;
      return this;
    }

    public Spec optPrecision(Precision v) {
      precision = v;
      return this;
    }

    /**
     * One task of a cluster of processes ({@link Cluster}): the step takes this task's share of the batch's images
     * (and all its reports), and collective ops that wait at most {@code timeoutSeconds} for the other tasks make it
     * the step of the whole batch ({@link ClusterGradients}).
     */
    public Spec optCluster(Cluster v, float timeoutSeconds) {
      cluster = v;
      collectiveTimeout = timeoutSeconds;
      return this;
    }

    boolean distributed() {
      return cluster != null && cluster.size() > 1;
    }

    /** The loss scaling {@link Precision#MIXED_FP16} uses (default: {@link LossScale}'s; null: none); ignored otherwise. */
    public Spec optLossScale(LossScale v) {
      lossScale = v;
      return this;
    }

    /** The loss scaling of the step: the one given for {@link Precision#MIXED_FP16}, else none. */
    LossScale lossScale() {
      return precision.needsLossScaling() ? lossScale : null;
    }
  }

  public PretrainGraph(Spec spec) {
    TensorFlowRuntime.ensureLoaded();
    Architecture arch = spec.arch;
    MFlagLoss lossFn = spec.loss;
    this.batch = spec.batch;
    this.size = spec.size;
    this.textDim = spec.textDim;
    graph = new Graph();
    Ops tf = Ops.create(graph);
    params = new Parameters(tf);
    Layers l = new Layers(params, Mode.TRAIN).computeIn(spec.precision);
    int tasks = spec.distributed() ? spec.cluster.size() : 1;
    if (batch % tasks != 0) throw new IllegalArgumentException("batch_size=" + batch + ": must be a multiple of the " + tasks + " cluster tasks");
    this.localBatch = batch / tasks;
    images = tf.withName("image").placeholder(TFloat32.class, Placeholder.shape(Shape.of(localBatch, size, size, 1)));
    text = tf.withName("text_embedding").placeholder(TFloat32.class, Placeholder.shape(Shape.of(batch, textDim)));
    lr = tf.withName("lr").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
    List<DeviceSpec> replicas = spec.devices == null ? List.of() : spec.devices.replicas();
    Collectives collectives = spec.distributed() ? new Collectives(graph, tf, tasks, spec.collectiveTimeout) : null;
    List<Op> before = new ArrayList<>();
    Operand<TFloat32> embedding;
    Operand<TFloat32> projection;
    AdamW.GradientRule gradients = AdamW.LOCAL;
    if (replicas.size() > 1 || collectives != null) {
      Operand<TFloat32> local = replicatedEmbedding(tf, spec, replicas.isEmpty() ? java.util.Collections.singletonList(null) : replicas,
          before, collectives);
      embedding = collectives == null ? local : collectives.gather(local, Shape.of(localBatch, arch.embeddingSize()));
      projection = Projector.build(l, MFlagNetwork.IMAGE_PROJECTOR, embedding, arch.embeddingSize());
      if (collectives != null) {
        gradients = new ClusterGradients(collectives, local, embedding, spec.cluster.rank(), MFlagNetwork::isEncoderParameter);
      }
    } else {
      MFlagNetwork.ImageOutputs img = MFlagNetwork.image(l, arch, images);
      embedding = img.embedding;
      projection = img.projection;
    }
    Operand<TFloat32> txt = MFlagNetwork.text(l, text, textDim);
    loss = lossFn.build(tf, projection, txt, embedding);
    before.addAll(0, l.updates());
    before.add(tf.identity(loss.align));
    before.add(tf.identity(loss.orth));
    scaling = spec.lossScale() == null ? null : spec.lossScale().state(params);
    train = new AdamW(0.9f, 0.999f, 1e-8f, (float) spec.weightDecay).minimize(params, loss.total, lr, before, scaling, gradients);
    if (replicas.size() > 1) ReplicaPlacement.placeGradients(graph, replicas);
    params.seal();
    if (spec.distributed()) {
      session = spec.cluster.open(graph, spec.devices == null ? org.tensorflow.proto.ConfigProto.getDefaultInstance() : spec.devices.config());
    } else {
      session = spec.devices == null ? new Session(graph) : spec.devices.open(graph);
    }
  }

  /**
   * Data-parallel encoders: the batch is split into equal shards, replica k runs the encoder on shard k on
   * its device (variables shared), and the pooled embeddings are gathered in batch order, so that the
   * projector and the M-FLAG loss (whose orthogonality term is a Gram matrix over the whole batch) see
   * exactly the batch one device would. Batch norm in the encoders normalises each shard with its own
   * statistics (as PyTorch's DistributedDataParallel without SyncBatchNorm); the running averages move
   * towards the mean of the shards' statistics, once per step ({@link Layers#averageUpdates}). Gradients
   * of the one loss reach the shared variables summed over the replicas, so one AdamW update follows.
   */
  private Operand<TFloat32> replicatedEmbedding(Ops tf, Spec spec, List<DeviceSpec> replicas, List<Op> updates, Collectives tasks) {
    int r = replicas.size();
    if (localBatch % r != 0) throw new IllegalArgumentException("batch_size=" + batch + ": must be a multiple of the " + r + " devices");
    List<Operand<TFloat32>> shards = new ArrayList<>();
    if (r == 1) shards.add(images);
    else for (Output<TFloat32> o : tf.split(tf.constant(0), images, (long) r).output()) shards.add(o);
    List<Operand<TFloat32>> pooled = new ArrayList<>();
    List<List<Layers.Statistic>> statistics = new ArrayList<>();
    for (int k = 0; k < r; k++) {
      Ops scoped = tf.withSubScope(ReplicaPlacement.scope(k));
      Layers replica = Layers.replica(params, replicas.get(k) == null ? scoped : scoped.withDevice(replicas.get(k)), k == 0)
          .computeIn(spec.precision);
      pooled.add(ResNet.build(replica, spec.arch, shards.get(k)).pooled);
      statistics.add(replica.statistics());
    }
    updates.addAll(tasks == null ? Layers.averageUpdates(tf, statistics) : Layers.averageUpdates(tf, statistics, m -> tasks.reduceAll(m, true)));
    return r == 1 ? pooled.get(0) : tf.concat(pooled, tf.constant(0));
  }

  public Parameters parameters() {
    return params;
  }

  public Session session() {
    return session;
  }

  /**
   * One optimisation step on a batch; returns {total, align, orth} computed before the update.
   *
   * @param imageBatch [batch, size, size, 1] normalised; in a cluster, this task's share of the batch's rows
   * @param textBatch [batch, textDim] frozen language-model embeddings
   */
  public float[] step(float[] imageBatch, float[] textBatch, float learningRate) {
    try (Tensor x = Tensors.floats(imageBatch, localBatch, size, size, 1);
        Tensor t = Tensors.floats(textBatch, batch, textDim);
        Tensor r = TFloat32.scalarOf(learningRate);
        Result out = fetchApplied(session.runner().feed(images, x).feed(text, t).feed(lr, r)
            .fetch(loss.total).fetch(loss.align).fetch(loss.orth)).addTarget(train).run()) {
      skipped = scaling != null && !scaling.applied(out.get(3));
      return new float[] {Tensors.scalar(out.get(0)), Tensors.scalar(out.get(1)), Tensors.scalar(out.get(2))};
    }
  }

  private Session.Runner fetchApplied(Session.Runner runner) {
    return scaling == null ? runner : runner.fetch(scaling.applied);
  }

  /** Whether the last {@link #step} was skipped: its float16 gradients overflowed (precision=mixed_fp16). */
  public boolean skippedLastStep() {
    return skipped;
  }

  /** The graph (for counting its arithmetic). */
  public Graph graph() {
    return graph;
  }

  /** The operations {@link #step} runs to: the update and the loss terms it fetches. */
  public List<Operation> stepRoots() {
    return List.of(train.op(), loss.total.op(), loss.align.op(), loss.orth.op());
  }

  /** One step as {@link #step}, traced: per-operation timings in the returned metadata (profiling). */
  public RunMetadata tracedStep(float[] imageBatch, float[] textBatch, float learningRate) {
    try (Tensor x = Tensors.floats(imageBatch, localBatch, size, size, 1);
        Tensor t = Tensors.floats(textBatch, batch, textDim);
        Tensor r = TFloat32.scalarOf(learningRate);
        Result out = session.runner().feed(images, x).feed(text, t).feed(lr, r).fetch(loss.total).addTarget(train)
            .setOptions(RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.FULL_TRACE).build()).runAndFetchMetadata()) {
      return out.getMetadata().orElseThrow(() -> new IllegalStateException("TensorFlow returned no run metadata"));
    }
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
