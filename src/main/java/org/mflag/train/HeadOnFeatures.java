package org.mflag.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.mflag.config.Task;
import org.mflag.data.BatchLoader;
import org.mflag.data.Labels;
import org.mflag.data.TaskData;
import org.mflag.data.TaskDataset.Sample;
import org.mflag.infer.Scorer;
import org.mflag.nn.Architecture;
import org.mflag.nn.Layers;
import org.mflag.nn.Mode;
import org.mflag.nn.Parameters;
import org.mflag.nn.TaskNetwork;
import org.mflag.nn.Tensors;
import org.mflag.nn.YoloLayout;
import org.mflag.runtime.TensorFlowRuntime;
import org.scijava.log.Logger;
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
 * Trains a task head on a frozen encoder's cached features ({@link FrozenFeatures}): the same head, loss,
 * AdamW and validation-based model selection ({@link EarlyStopping}) as fine-tuning with
 * {@code freeze_encoder=true}, without running the encoder at every step. One graph holds the head
 * twice over the same variables: in training mode on a batch, and in inference mode (running batch-norm
 * statistics) on any number of images, for validation and the test predictions.
 *
 * <p>A run lasts {@code epochs} passes over the training images, and at least {@code minSteps} steps (a
 * 1% label fraction has a few images, one step per pass); the head is scored on the validation images
 * every pass, but at most every 10 steps, and training stops after {@code patience} scores without
 * improvement. The order of the images of a pass is drawn from (seed, pass), so a run is a function of
 * its seed. Short enough (seconds to minutes) to be repeated rather than resumed.</p>
 */
public final class HeadOnFeatures {

  /** How the head trains. */
  public static final class Settings {
    public int batch = 16;
    public int epochs = 50;
    public int minSteps = 100;
    public int patience = 10;
    public double lr = 5e-4;
    public double weightDecay = 1e-6;
    public long seed = 42;
    public Scorer.Decision decision = Scorer.Decision.defaults();
  }

  /** What a run gives: the best head's predictions for the test images and its validation metrics. */
  public static final class Outcome {
    /** The model's outputs for the test samples, in order, concatenated (as {@link Scorer#score(List, float[], Scorer.Decision)} takes them). */
    public final float[] test;
    public final Map<String, Double> validation;
    public final int bestStep;
    public final int steps;
    public final int trainingImages;
    public final double seconds;
    /** The selected head's weights and batch-norm statistics, by parameter name (as a fine-tuned package names them). */
    public final Map<String, float[]> head;

    Outcome(float[] test, Map<String, Double> validation, int bestStep, int steps, int trainingImages, double seconds,
        Map<String, float[]> head) {
      this.test = test;
      this.validation = validation;
      this.bestStep = bestStep;
      this.steps = steps;
      this.trainingImages = trainingImages;
      this.seconds = seconds;
      this.head = head;
    }
  }

  private static final int PREDICT_BATCH = 16;
  private static final int MIN_STEPS_BETWEEN_SCORES = 10;

  private HeadOnFeatures() {}

  /**
   * Trains {@code task}'s head on the features of {@code train}, selects it on {@code val} and predicts
   * {@code test}; {@code features} holds all three, {@code maxBoxes} is the most boxes of an image (detection).
   */
  public static Outcome run(Task task, Architecture arch, int size, TaskData data, FrozenFeatures features, List<Sample> train,
      List<Sample> val, List<Sample> test, int maxBoxes, Settings s, Logger log, BooleanSupplier canceled) throws TrainingException {
    TensorFlowRuntime.ensureLoaded();
    long start = System.nanoTime();
    int batch = Math.min(s.batch, train.size());
    int classes = data.classes.size();
    FinetuneSpec.Builder b = FinetuneSpec.builder(task, arch, size, batch).optClasses(classes, data.multiLabel).optMaxBoxes(maxBoxes)
        .optFreezeEncoder(true).optWeightDecay(s.weightDecay);
    if (task == Task.CLASSIFICATION) {
      List<float[]> labels = new ArrayList<>();
      for (Sample x : train) labels.add(x.label);
      b.optClassWeights(Labels.weights(labels, classes, false));
    }
    FinetuneSpec spec = b.build();
    Scorer scorer = new Scorer(task, data, size, PREDICT_BATCH);
    try (Head h = new Head(spec, features.inputs(), data.multiLabel)) {
      h.params.assign(h.session, h.params.initialValues(s.seed), "initialisation");
      int perPass = train.size() / batch;
      int steps = Math.max(s.epochs * perPass, s.minSteps);
      int scoreEvery = Math.max(perPass, MIN_STEPS_BETWEEN_SCORES);
      EarlyStopping selection = new EarlyStopping(task.primaryMetric(), s.patience);
      selection.before(scorer.score(val, h.predict(features, val), s.decision).metrics);
      Map<String, float[]> best = h.params.read(h.session, Parameters.Kind.TRAINABLE, Parameters.Kind.BUFFER);
      BatchLoader.EpochOrders orders = new BatchLoader.EpochOrders(train.size(), s.seed);
      YoloLayout layout = task == Task.DETECTION ? new YoloLayout(size) : null;
      double lossSum = 0;
      int lossCount = 0, step = 0;
      while (step < steps) {
        if (canceled.getAsBoolean()) throw new TrainingException("cancelled at step " + step + " of " + steps);
        int[] order = orders.of(step / perPass);
        int first = (step % perPass) * batch;
        List<Sample> picked = new ArrayList<>(batch);
        List<byte[]> masks = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
          Sample x = train.get(order[first + i]);
          picked.add(x);
          masks.add(x.mask);
        }
        lossSum += h.step(features, picked, TaskBatches.targets(spec, layout, picked, masks), (float) s.lr);
        lossCount++;
        step++;
        if (step % scoreEvery == 0 || step == steps) {
          Map<String, Double> m = scorer.score(val, h.predict(features, val), s.decision).metrics;
          if (selection.after(step, lossSum / lossCount, m)) best = h.params.read(h.session, Parameters.Kind.TRAINABLE, Parameters.Kind.BUFFER);
          lossSum = 0;
          lossCount = 0;
          if (selection.stopReason() != null) break;
        }
      }
      h.params.assign(h.session, best, "best head");
      float[] predictions = h.predict(features, test);
      Map<String, Double> valMetrics = scorer.score(val, h.predict(features, val), s.decision).metrics;
      double seconds = (System.nanoTime() - start) / 1e9;
      log.info(String.format(Locale.ROOT, "%s head on cached features: %d training images, %d steps (best at %d), validation %s %.4f, %.1f s",
          task.key(), train.size(), step, selection.bestEpoch, task.primaryMetric(), valMetrics.get(task.primaryMetric()), seconds));
      return new Outcome(predictions, valMetrics, selection.bestEpoch, step, train.size(), seconds, best);
    }
  }

  /** The head's graph: training on a batch of cached features, inference on any number. */
  private static final class Head implements AutoCloseable {
    final Graph graph = new Graph();
    final Parameters params;
    final Session session;
    final List<TaskNetwork.HeadInput> inputs;
    final List<Placeholder<TFloat32>> trainInputs = new ArrayList<>();
    final List<Placeholder<TFloat32>> inferInputs = new ArrayList<>();
    final List<Placeholder<TFloat32>> targets = new ArrayList<>();
    final List<long[]> targetShapes;
    final Placeholder<TFloat32> lr;
    final Operand<TFloat32> loss;
    final Operand<TFloat32> predictions;
    final Op train;
    final int batch;

    Head(FinetuneSpec spec, List<TaskNetwork.HeadInput> inputs, boolean multiLabel) {
      this.inputs = inputs;
      this.batch = spec.batch;
      Ops tf = Ops.create(graph);
      params = new Parameters(tf);
      Layers training = new Layers(params, Mode.TRAIN);
      List<Operand<TFloat32>> tin = new ArrayList<>();
      List<Operand<TFloat32>> iin = new ArrayList<>();
      for (TaskNetwork.HeadInput in : inputs) {
        Placeholder<TFloat32> t = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(prepend(batch, in.shape))));
        Placeholder<TFloat32> i = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(prepend(-1, in.shape))));
        trainInputs.add(t);
        inferInputs.add(i);
        tin.add(t);
        iin.add(i);
      }
      Operand<TFloat32> raw = TaskNetwork.head(spec.task, training, spec.arch, TaskNetwork.features(inputs, tin), spec.size, spec.classes);
      Operand<TFloat32> inferRaw = TaskNetwork.head(spec.task, Layers.inferenceSharing(params), spec.arch, TaskNetwork.features(inputs, iin),
          spec.size, spec.classes);
      predictions = TaskNetwork.predictions(tf, spec.task, inferRaw, spec.size, spec.classes, multiLabel);
      targetShapes = FinetuneGraph.shapes(spec.task, batch, spec.size, spec.classes, spec.maxBoxes);
      for (long[] shape : targetShapes) targets.add(tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape))));
      lr = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
      loss = FinetuneGraph.loss(tf, spec, raw, targets);
      List<Op> before = new ArrayList<>(training.updates());
      before.add(tf.identity(loss));
      train = new AdamW(0.9f, 0.999f, 1e-8f, (float) spec.weightDecay).minimize(params, loss, lr, before, null);
      params.seal();
      session = new Session(graph);
    }

    private static long[] prepend(long first, long[] rest) {
      long[] out = new long[rest.length + 1];
      out[0] = first;
      System.arraycopy(rest, 0, out, 1, rest.length);
      return out;
    }

    /** The features of {@code samples} for endpoint {@code k}, concatenated. */
    private float[] gather(FrozenFeatures f, List<Sample> samples, int k) {
      int per = inputs.get(k).size();
      float[] out = new float[samples.size() * per];
      for (int i = 0; i < samples.size(); i++) System.arraycopy(f.of(samples.get(i), k), 0, out, i * per, per);
      return out;
    }

    float step(FrozenFeatures f, List<Sample> picked, List<float[]> targetValues, float learningRate) {
      List<Tensor> open = new ArrayList<>();
      try {
        Session.Runner r = session.runner();
        for (int k = 0; k < inputs.size(); k++) {
          Tensor t = Tensors.floats(gather(f, picked, k), prepend(batch, inputs.get(k).shape));
          open.add(t);
          r.feed(trainInputs.get(k), t);
        }
        for (int i = 0; i < targets.size(); i++) {
          Tensor t = Tensors.floats(targetValues.get(i), targetShapes.get(i));
          open.add(t);
          r.feed(targets.get(i), t);
        }
        Tensor rate = TFloat32.scalarOf(learningRate);
        open.add(rate);
        try (Result out = r.feed(lr, rate).fetch(loss).addTarget(train).run()) {
          return Tensors.scalar(out.get(0));
        }
      } finally {
        for (Tensor t : open) t.close();
      }
    }

    /** The head's outputs for {@code samples}, in order, concatenated. */
    float[] predict(FrozenFeatures f, List<Sample> samples) {
      List<float[]> parts = new ArrayList<>();
      int total = 0;
      for (int from = 0; from < samples.size(); from += PREDICT_BATCH) {
        List<Sample> chunk = samples.subList(from, Math.min(samples.size(), from + PREDICT_BATCH));
        List<Tensor> open = new ArrayList<>();
        try {
          Session.Runner r = session.runner();
          for (int k = 0; k < inputs.size(); k++) {
            Tensor t = Tensors.floats(gather(f, chunk, k), prepend(chunk.size(), inputs.get(k).shape));
            open.add(t);
            r.feed(inferInputs.get(k), t);
          }
          try (Result out = r.fetch(predictions).run()) {
            float[] p = Tensors.toArray(out.get(0));
            parts.add(p);
            total += p.length;
          }
        } finally {
          for (Tensor t : open) t.close();
        }
      }
      float[] all = new float[total];
      int o = 0;
      for (float[] p : parts) {
        System.arraycopy(p, 0, all, o, p.length);
        o += p.length;
      }
      return all;
    }

    @Override
    public void close() {
      session.close();
      graph.close();
    }
  }
}
