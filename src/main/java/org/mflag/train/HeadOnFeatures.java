package org.mflag.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.mflag.config.Task;
import org.mflag.data.BatchLoader;
import org.mflag.data.Batches;
import org.mflag.data.Labels;
import org.mflag.data.TaskData;
import org.mflag.data.TaskDataset.Sample;
import org.mflag.infer.Scorer;
import org.mflag.model.ModelPackageException;
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
 * statistics) on any number of images, for validation and the test predictions. It is a {@link Trainable}
 * of the one {@link TrainingLoop}, so it reports progress to a listener and the log and ends as cancelled like
 * every other training; it writes nothing (seconds to minutes: repeated rather than resumed).
 *
 * <p>A run lasts {@code epochs} passes over the training images, and at least {@code minSteps} steps (a
 * 1% label fraction has a few images, one step per pass); the head is scored on the validation images
 * every pass, but at most every 10 steps (the loop's "epoch"), and training stops after {@code patience}
 * scores without improvement. The order of the images of a pass is drawn from (seed, pass), so a run is a
 * function of its seed.</p>
 */
public final class HeadOnFeatures extends SessionTrainable<HeadOnFeatures.Batch> {

  /**
   * How the head trains, immutable: images per step, passes and least steps, patience (scores without improvement),
   * AdamW's learning rate and weight decay, the seed of the order and initialisation, and the decision thresholds of
   * the validation scores. The caller's config gives every value (the study: {@code StudyConfig}).
   */
  public static final class Settings {
    final int batch;
    final int epochs;
    final int minSteps;
    final int patience;
    final double lr;
    final double weightDecay;
    final long seed;
    final Scorer.Decision decision;

    public Settings(int batch, int epochs, int minSteps, int patience, double lr, double weightDecay, long seed, Scorer.Decision decision) {
      this.batch = batch;
      this.epochs = epochs;
      this.minSteps = minSteps;
      this.patience = patience;
      this.lr = lr;
      this.weightDecay = weightDecay;
      this.seed = seed;
      this.decision = decision;
    }

    /** The same settings with another learning rate. */
    public Settings withLr(double v) {
      return new Settings(batch, epochs, minSteps, patience, v, weightDecay, seed, decision);
    }

    /** The same settings with another least number of steps. */
    public Settings withMinSteps(int v) {
      return new Settings(batch, epochs, v, patience, lr, weightDecay, seed, decision);
    }

    /** What a run's result depends on, for a stored run's fingerprint. */
    public String describe() {
      return String.format(java.util.Locale.ROOT, "batch=%d epochs=%d min_steps=%d patience=%d lr=%s weight_decay=%s", batch, epochs,
          minSteps, patience, lr, weightDecay);
    }
  }

  /** What the head learns from: the task, the encoder's features of every image, and the three splits. */
  public static final class Problem {
    final Task task;
    final Architecture arch;
    final int size;
    final TaskData data;
    final FrozenFeatures features;
    final List<Sample> train;
    final List<Sample> val;
    final List<Sample> test;
    final int maxBoxes;

    /** {@code features} holds all three splits; {@code maxBoxes} is the most boxes of an image (detection). */
    public Problem(Task task, Architecture arch, int size, TaskData data, FrozenFeatures features, List<Sample> train, List<Sample> val,
        List<Sample> test, int maxBoxes) {
      this.task = task;
      this.arch = arch;
      this.size = size;
      this.data = data;
      this.features = features;
      this.train = train;
      this.val = val;
      this.test = test;
      this.maxBoxes = maxBoxes;
    }
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

  /** A training step's images and their targets, built ahead by the loop's loader threads. */
  static final class Batch {
    final List<Sample> picked;
    final List<float[]> targets;

    Batch(List<Sample> picked, List<float[]> targets) {
      this.picked = picked;
      this.targets = targets;
    }
  }

  private static final int PREDICT_BATCH = 16;
  private static final int MIN_STEPS_BETWEEN_SCORES = 10;

  private final Problem p;
  private final Settings s;
  private final Head h;
  private final Scorer scorer;
  private final int steps;
  private final int scoreEvery;
  private final EarlyStopping selection;
  private Map<String, float[]> best;
  private int step;

  private HeadOnFeatures(Problem p, Settings s, Head h, Batches<Batch> batches, int steps, int scoreEvery) {
    super(h.params, h.session, batches);
    this.p = p;
    this.s = s;
    this.h = h;
    this.scorer = new Scorer(p.task, p.data, p.size, PREDICT_BATCH);
    this.steps = steps;
    this.scoreEvery = scoreEvery;
    this.selection = new EarlyStopping(p.task.primaryMetric(), s.patience);
  }

  /**
   * Trains {@code p.task}'s head on the features of the training images, selects it on the validation images and
   * predicts the test images, in the {@link TrainingLoop}; empty when {@code canceled} stopped it first.
   */
  public static Optional<Outcome> run(Problem p, Settings s, TrainingListener listener, Logger log, BooleanSupplier canceled)
      throws TrainingException, IOException, ModelPackageException {
    TensorFlowRuntime.ensureLoaded();
    long start = System.nanoTime();
    int batch = Math.min(s.batch, p.train.size());
    int classes = p.data.classes.size();
    FinetuneSpec.Builder b = FinetuneSpec.builder(p.task, p.arch, p.size, batch).optClasses(classes, p.data.multiLabel)
        .optMaxBoxes(p.maxBoxes).optFreezeEncoder(true).optWeightDecay(s.weightDecay);
    if (p.task == Task.CLASSIFICATION) {
      List<float[]> labels = new ArrayList<>();
      for (Sample x : p.train) labels.add(x.label);
      b.optClassWeights(Labels.weights(labels, classes, false));
    }
    FinetuneSpec spec = b.build();
    int perPass = p.train.size() / batch;
    int steps = Math.max(s.epochs * perPass, s.minSteps);
    int scoreEvery = Math.max(perPass, MIN_STEPS_BETWEEN_SCORES);
    try (Head h = new Head(spec, p.features.inputs(), p.data.multiLabel)) {
      HeadOnFeatures t = new HeadOnFeatures(p, s, h, batches(p, s, spec, batch, perPass, scoreEvery), steps, scoreEvery);
      TrainingResult r;
      try (TrainingLoop loop = new TrainingLoop(TrainingLoop.Options.inMemory().optLogEvery(Integer.MAX_VALUE), log)) {
        r = loop.run(t, null, listener, canceled);
      }
      if (r.outcome != TrainingResult.Outcome.COMPLETED) return Optional.empty();
      return Optional.of(t.outcome(start, log));
    }
  }

  /** Pass {@code step / perPass} of the training images in its seeded order, cut into whole batches. */
  private static Batches<Batch> batches(Problem p, Settings s, FinetuneSpec spec, int batch, int perPass, int scoreEvery) {
    BatchLoader.EpochOrders orders = new BatchLoader.EpochOrders(p.train.size(), s.seed);
    YoloLayout layout = p.task == Task.DETECTION ? new YoloLayout(p.size) : null;
    return new Batches<Batch>() {
      @Override
      public Batch batch(long step) {
        int[] order = orders.of((int) (step / perPass));
        int first = (int) (step % perPass) * batch;
        List<Sample> picked = new ArrayList<>(batch);
        List<byte[]> masks = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
          Sample x = p.train.get(order[first + i]);
          picked.add(x);
          masks.add(x.mask);
        }
        return new Batch(picked, TaskBatches.targets(spec, layout, picked, masks));
      }

      @Override
      public int batchSize() {
        return batch;
      }

      @Override
      public int stepsPerEpoch() {
        return scoreEvery;
      }
    };
  }

  /** One scoring period of the loop is an "epoch": the last one may be shorter (see {@link #totalSteps()}). */
  @Override
  public int epochs() {
    return (steps + scoreEvery - 1) / scoreEvery;
  }

  @Override
  public long totalSteps() {
    return steps;
  }

  @Override
  public List<String> lossParts() {
    return List.of();
  }

  @Override
  public double lr(long step) {
    return s.lr;
  }

  @Override
  public void initialise() {
    h.params.assign(h.session, h.params.initialValues(s.seed), "initialisation");
    selection.before(validation());
    best = h.params.read(h.session, Parameters.Kind.TRAINABLE, Parameters.Kind.BUFFER);
  }

  @Override
  public float[] step(Batch batch, double lr) {
    step++;
    return new float[] {h.step(p.features, batch.picked, batch.targets, (float) lr)};
  }

  @Override
  public String endEpoch(int epoch, double meanLoss) {
    Map<String, Double> m = validation();
    boolean improved = selection.after(step, meanLoss, m);
    if (improved) best = h.params.read(h.session, Parameters.Kind.TRAINABLE, Parameters.Kind.BUFFER);
    return selection.describe(m.get(p.task.primaryMetric()), improved);
  }

  @Override
  public String stopReason() {
    return selection.stopReason();
  }

  @Override
  public String divergenceHint(double lr) {
    return "Give a lower lr than " + lr + ".";
  }

  /** Nothing to write: {@link #run} reads the outcome from the trained head. */
  @Override
  public Path export(long steps, float[] lastLoss, List<Double> epochLosses) {
    return null;
  }

  private Map<String, Double> validation() {
    return scorer.score(p.val, h.predict(p.features, p.val), s.decision).metrics;
  }

  /** The best head's test predictions and validation metrics. */
  private Outcome outcome(long startNanos, Logger log) {
    h.params.assign(h.session, best, "best head");
    float[] predictions = h.predict(p.features, p.test);
    Map<String, Double> valMetrics = validation();
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    log.info(String.format(Locale.ROOT, "%s head on cached features: %d training images, %d steps (best at %d), validation %s %.4f, %.1f s",
        p.task.key(), p.train.size(), step, selection.bestEpoch, p.task.primaryMetric(), valMetrics.get(p.task.primaryMetric()), seconds));
    return new Outcome(predictions, valMetrics, selection.bestEpoch, step, p.train.size(), seconds, best);
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
