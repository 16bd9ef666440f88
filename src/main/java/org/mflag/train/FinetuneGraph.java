package org.mflag.train;

import java.util.ArrayList;
import java.util.List;
import org.mflag.config.Task;
import org.mflag.loss.ClassificationLoss;
import org.mflag.loss.DetectionLoss;
import org.mflag.loss.SegmentationLoss;
import org.mflag.nn.Layers;
import org.mflag.nn.Mode;
import org.mflag.nn.Parameters;
import org.mflag.nn.TaskNetwork;
import org.mflag.nn.Tensors;
import org.mflag.nn.YoloLayout;
import org.mflag.runtime.TensorFlowRuntime;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * One fine-tuning step as a TensorFlow graph: encoder and task head, the task's loss, its gradients
 * and AdamW. With a frozen encoder its weights are {@link Parameters.Kind#FROZEN} (no gradient, no
 * update, no weight decay) and it is built in {@link Mode#INFER}, so its batch-norm statistics stay
 * the pre-trained ones too; only the head trains.
 *
 * <p>Targets come in as placeholders, in the order {@link #targetShapes} lists them:
 * segmentation (mask, weight) [B, S, S, 1]; classification one/multi-hot [B, C]; detection the
 * {@link org.mflag.loss.YoloTargets} arrays (assigned, box, scale, classes, truths).</p>
 */
final class FinetuneGraph implements AutoCloseable {

  private final Graph graph;
  private final Session session;
  private final Parameters params;
  private final Placeholder<TFloat32> images;
  private final List<Placeholder<TFloat32>> targets = new ArrayList<>();
  private final List<long[]> targetShapes;
  private final Placeholder<TFloat32> lr;
  private final Operand<TFloat32> loss;
  private final Op train;
  /** Float16 loss scaling, or null. */
  private final LossScale.State scaling;
  private boolean skipped;
  private final int batch;
  private final int size;

  FinetuneGraph(FinetuneSpec spec) {
    TensorFlowRuntime.ensureLoaded();
    Task task = spec.task;
    int classes = spec.classes;
    this.batch = spec.batch;
    this.size = spec.size;
    graph = new Graph();
    Ops tf = Ops.create(graph);
    params = new Parameters(tf);
    Layers head = new Layers(params, Mode.TRAIN).computeIn(spec.precision);
    Layers encoder = spec.freezeEncoder ? new Layers(params, Mode.INFER).computeIn(spec.precision) : head;
    images = tf.withName("image").placeholder(TFloat32.class, Placeholder.shape(Shape.of(batch, size, size, 1)));
    lr = tf.withName("lr").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
    Operand<TFloat32> raw = TaskNetwork.build(task, encoder, head, spec.arch, images, size, classes);
    targetShapes = shapes(task, batch, size, classes, spec.maxBoxes);
    for (int i = 0; i < targetShapes.size(); i++) {
      targets.add(tf.withName("target" + i).placeholder(TFloat32.class, Placeholder.shape(Shape.of(targetShapes.get(i)))));
    }
    loss = loss(tf, spec, raw, targets);
    if (spec.freezeEncoder) params.freeze(TaskNetwork::isEncoderParameter);
    scaling = spec.lossScale() == null ? null : spec.lossScale().state(params);
    List<Op> before = new ArrayList<>(head.updates());
    before.add(tf.identity(loss));
    train = new AdamW(0.9f, 0.999f, 1e-8f, (float) spec.weightDecay).minimize(params, loss, lr, before, scaling);
    params.seal();
    session = spec.devices == null ? new Session(graph) : spec.devices.open(graph);
  }

  /** The task's training loss of the raw head outputs against the target placeholders ({@link #shapes}' order). */
  static Operand<TFloat32> loss(Ops tf, FinetuneSpec spec, Operand<TFloat32> raw, List<Placeholder<TFloat32>> targets) {
    switch (spec.task) {
      case SEGMENTATION:
        return SegmentationLoss.build(tf, raw, targets.get(0), targets.get(1)).total;
      case CLASSIFICATION:
        return ClassificationLoss.build(tf, raw, targets.get(0), spec.classWeights, spec.multiLabel);
      case DETECTION:
        return DetectionLoss.build(tf, raw, new YoloLayout(spec.size), spec.classes, targets.get(0), targets.get(1), targets.get(2),
            targets.get(3), targets.get(4)).total;
      default:
        throw new IllegalArgumentException(spec.task.toString());
    }
  }

  static List<long[]> shapes(Task task, int b, int s, int c, int maxBoxes) {
    List<long[]> out = new ArrayList<>();
    switch (task) {
      case SEGMENTATION:
        out.add(new long[] {b, s, s, 1});
        out.add(new long[] {b, s, s, 1});
        break;
      case CLASSIFICATION:
        out.add(new long[] {b, c});
        break;
      case DETECTION:
        int n = new YoloLayout(s).count;
        out.add(new long[] {b, n});
        out.add(new long[] {b, n, 4});
        out.add(new long[] {b, n});
        out.add(new long[] {b, n, c});
        out.add(new long[] {b, maxBoxes, 4});
        break;
      default:
        throw new IllegalArgumentException(task.toString());
    }
    return out;
  }

  Parameters parameters() {
    return params;
  }

  Session session() {
    return session;
  }

  /** Whether the last {@link #step} was skipped: its float16 gradients overflowed (precision=mixed_fp16). */
  boolean skippedLastStep() {
    return skipped;
  }

  /** One optimisation step; returns the loss computed before the update. */
  float step(float[] imageBatch, List<float[]> targetBatch, float learningRate) {
    List<Tensor> open = new ArrayList<>();
    try {
      Tensor x = Tensors.floats(imageBatch, batch, size, size, 1);
      open.add(x);
      Tensor r = TFloat32.scalarOf(learningRate);
      open.add(r);
      Session.Runner runner = session.runner().feed(images, x).feed(lr, r);
      for (int i = 0; i < targets.size(); i++) {
        Tensor t = Tensors.floats(targetBatch.get(i), targetShapes.get(i));
        open.add(t);
        runner.feed(targets.get(i), t);
      }
      runner.fetch(loss);
      if (scaling != null) runner.fetch(scaling.applied);
      try (Result out = runner.addTarget(train).run()) {
        skipped = scaling != null && !scaling.applied(out.get(1));
        return Tensors.scalar(out.get(0));
      }
    } finally {
      for (Tensor t : open) t.close();
    }
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
