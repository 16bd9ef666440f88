package org.mflag.experiment;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.mflag.config.Choices;
import org.mflag.config.Key;
import org.mflag.config.Task;
import org.mflag.data.Box;
import org.mflag.data.DataConfig;
import org.mflag.data.DataKeys;
import org.mflag.data.DatasetException;
import org.mflag.data.ImageDecoder;
import org.mflag.data.Manifest;
import org.mflag.data.SkippedPair;
import org.mflag.data.Split;
import org.mflag.data.Splits;
import org.mflag.data.TaskData;
import org.mflag.data.TaskDataset;
import org.mflag.data.TaskDataset.Sample;
import org.mflag.eval.Bootstrap;
import org.mflag.eval.DetectionMetrics;
import org.mflag.eval.MetricsReport;
import org.mflag.eval.SegmentationMetrics;
import org.mflag.infer.Detections;
import org.mflag.infer.InferenceKeys;
import org.mflag.infer.Scorer;
import org.mflag.io.Archives;
import org.mflag.io.NdArray;
import org.mflag.io.Npy;
import org.mflag.model.ModelPackageException;
import org.mflag.nn.Architecture;
import org.mflag.report.LinePlot;
import org.mflag.report.MarkdownTable;
import org.mflag.train.FinetuneConfig;
import org.mflag.train.FrozenFeatures;
import org.mflag.train.HeadOnFeatures;
import org.mflag.train.TrainingException;
import org.mflag.train.TrainingKeys;
import org.mflag.train.TrainingListener;
import org.scijava.log.Logger;

/**
 * {@code study}: frozen encoders compared across tasks and label fractions with honest error bars
 * (MFLAG.md, "Downstream protocols": the encoder stays frozen for every task). For each task and
 * encoder, the encoder's features of every labelled image are computed once ({@link FrozenFeatures}) and
 * the task head trains on them ({@link HeadOnFeatures}): the linear probe, the U-Net decoder and the YOLO
 * head. Every fraction below 1 is repeated over {@code seeds} data-fraction seeds (the subset and the
 * head's initialisation change). Each cell is scored on the test split with a percentile bootstrap
 * over test images ({@link Bootstrap}) of the mean over its seeds, and compared with the
 * {@code reference} encoder by a paired bootstrap of the difference.
 *
 * <p>Each run's test predictions are kept under {@code output/cells/}; a finished run is never trained
 * again, so the same command continues an interrupted study (across sittings) and, after each task, rewrites the
 * tables ({@code study.csv}, {@code runs.csv}, {@code study.md}) and plots ({@code study-<task>.png}).
 * A run records the settings it was trained with; a study whose settings changed refuses to mix them.</p>
 */
public final class Study {

  public static final Key TASKS = Key.text("tasks", "classification,detection,segmentation",
      "comma-separated downstream tasks (" + String.join(", ", Choices.keys(Task.class)) + "), run in the order given");
  public static final Key ENCODER_MODELS = Key.text("encoder_models", null, "comma-separated frozen encoders: name=DIR (a pretrain "
      + "package), random or imagenet (from import-weights), e.g. random,imagenet,mflag=models/a");
  public static final Key FRACTIONS = Experiment.FRACTIONS;
  public static final Key SEEDS = Key.integer("seeds", "3",
      "runs of every fraction below 1, with data-fraction seeds seed, seed+1, ... (100% runs once)").atLeast(1);
  public static final Key REFERENCE = Key.text("reference", "imagenet",
      "encoder the others are compared with (paired bootstrap of the difference); empty = no comparison");
  public static final Key BOOTSTRAP = Key.integer("bootstrap", "2000", "bootstrap draws of the test images per interval").atLeast(100);
  public static final Key EPOCHS = Key.integer("epochs", "auto",
      "passes over the training images; auto = 100 (classification), 50 (detection), 20 (segmentation)").atLeast(1).orAuto();
  public static final Key MIN_STEPS = Key.integer("min_steps", "100",
      "fewest training steps of a run (a small label fraction has one step per pass)").atLeast(1);
  public static final Key PATIENCE = Key.integer("patience", "5",
      "stop a run after this many validation scores without improvement").atLeast(1);
  public static final Key OUTPUT = Key.path("output", null, "folder for the runs (cells/) and the study's tables and plots").directory();
  public static final Key ENCODER = TrainingKeys.ENCODER.withDefault(Architecture.RESNET50_V1.key())
      .describedAs("architecture of a random encoder (pre-trained ones bring their own)");

  public static final List<Key> KEYS = Collections.unmodifiableList(Arrays.asList(DataKeys.MANIFEST, TASKS, ENCODER_MODELS, FRACTIONS,
      SEEDS, REFERENCE, OUTPUT, DataKeys.IMAGE_COLUMN, DataKeys.ID_COLUMN, DataKeys.SPLIT_COLUMN, DataKeys.GROUP_COLUMN,
      DataKeys.VAL_FRACTION, DataKeys.TEST_FRACTION, DataKeys.LABEL_COLUMN, DataKeys.LABEL_COLUMNS, DataKeys.CLASSES,
      DataKeys.MASK_COLUMN, DataKeys.IGNORE_VALUE, DataKeys.BOXES.withDefault("").describedAs(DataKeys.BOXES.description() + " (required for detection)"),
      ENCODER, FinetuneConfig.IMAGE_SIZE, FinetuneConfig.BATCH_SIZE, EPOCHS, MIN_STEPS, PATIENCE, FinetuneConfig.LR,
      FinetuneConfig.WEIGHT_DECAY, InferenceKeys.THRESHOLD, InferenceKeys.CONFIDENCE, InferenceKeys.NMS_IOU, BOOTSTRAP,
      TrainingKeys.SEED, DataKeys.WORKERS, DataKeys.ON_BAD_INPUT, DataKeys.CACHE_DIR));

  static final String RESULT = "result.properties";
  static final String PREDICTIONS = "test_predictions.npy";
  private static final double LEVEL = 0.95;

  private Study() {}

  /** One summarised cell: an encoder at a fraction of one task, over its seeds. */
  public static final class Row {
    public final Task task;
    public final String encoder;
    public final double fraction;
    public final int trainingImages;
    public final double[] perSeed;
    public final Bootstrap.Interval interval;
    /** Against the reference encoder at the same fraction; null for the reference itself or without one. */
    public final Bootstrap.Interval difference;

    Row(Task task, String encoder, double fraction, int trainingImages, double[] perSeed, Bootstrap.Interval interval,
        Bootstrap.Interval difference) {
      this.task = task;
      this.encoder = encoder;
      this.fraction = fraction;
      this.trainingImages = trainingImages;
      this.perSeed = perSeed;
      this.interval = interval;
      this.difference = difference;
    }

    public double mean() {
      double s = 0;
      for (double v : perSeed) s += v;
      return s / perSeed.length;
    }

    /** Sample standard deviation over the seeds; NaN for one run. */
    public double sd() {
      if (perSeed.length < 2) return Double.NaN;
      double m = mean(), s = 0;
      for (double v : perSeed) s += (v - m) * (v - m);
      return Math.sqrt(s / (perSeed.length - 1));
    }
  }

  /** Runs what is missing, then writes the tables and plots; returns the summarised cells. */
  public static List<Row> run(StudyConfig cfg, ImageDecoder decoder, Logger log, BooleanSupplier canceled)
      throws DatasetException, IOException, TrainingException, ModelPackageException {
    List<Task> tasks = cfg.tasks();
    Map<String, String> sources = cfg.encoders();
    List<Double> fractions = cfg.fractions();
    String reference = cfg.reference();
    Path out = cfg.output();
    Files.createDirectories(out);
    Path cacheDir = cfg.data().cacheDir();
    long seed = cfg.seed();
    int size = cfg.imageSize();
    Map<String, FrozenFeatures.Encoder> encoders = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : sources.entrySet()) {
      encoders.put(e.getKey(), FrozenFeatures.Encoder.of(e.getKey(), e.getValue(), cfg.encoder(), cacheDir, seed));
    }
    Manifest manifest = cfg.data().readManifest();
    Map<String, Split> splits = Splits.assign(manifest, cfg.data().splitColumn(), cfg.data().groupColumn(), cfg.data().valFraction(),
        cfg.data().testFraction(), seed);
    Splits.write(out.resolve(Splits.FILE), splits);
    Scorer.Decision decision = cfg.decision();

    List<Row> rows = new ArrayList<>();
    List<String> runs = new ArrayList<>();
    for (Task task : tasks) {
      Labelled d = Labelled.read(task, cfg.data(), manifest, splits, size, decoder, log, out);
      int maxBoxes = 1;
      for (Sample s : d.all) maxBoxes = Math.max(maxBoxes, s.boxes == null ? 0 : s.boxes.size());
      Map<String, Map<Double, List<Run>>> done = new LinkedHashMap<>();
      for (FrozenFeatures.Encoder enc : encoders.values()) {
        FrozenFeatures features = null;
        Map<Double, List<Run>> byFraction = new LinkedHashMap<>();
        for (double f : fractions) {
          List<Run> list = new ArrayList<>();
          for (long s : seeds(f, seed, cfg.seeds())) {
            HeadOnFeatures.Settings st = settings(cfg, task, f, s);
            Path dir = out.resolve("cells").resolve(task.key()).resolve(enc.name).resolve("f" + Experiment.fractionName(f) + "-s" + s);
            String fingerprint = fingerprint(task, enc, f, s, st, size, manifest, cfg.seed());
            Run r = Run.load(dir, fingerprint);
            if (r == null) {
              if (canceled.getAsBoolean()) throw new TrainingException("study cancelled; run the same command again to continue");
              if (features == null) features = FrozenFeatures.compute(enc, task, size, d.all, log, canceled);
              List<Sample> train = Splits.subset(d.train, f, 2, s);
              log.info(String.format(Locale.ROOT, "study: %s, encoder %s, fraction %s, seed %d: %d training images", task.key(), enc.name,
                  Experiment.fractionName(f), s, train.size()));
              HeadOnFeatures.Problem problem = new HeadOnFeatures.Problem(task, enc.arch, size, d.data, features, train, d.val, d.test,
                  maxBoxes);
              HeadOnFeatures.Outcome o = HeadOnFeatures.run(problem, st, new TrainingListener() {}, log, canceled)
                  .orElseThrow(() -> new TrainingException("study cancelled; run the same command again to continue"));
              r = Run.save(dir, fingerprint, o, task);
            }
            list.add(r);
            runs.add(String.format(Locale.ROOT, "%s,%s,%s,%d,%d,%d,%d,%.1f,%.6f,%.6f", task.key(), enc.name, Experiment.fractionName(f), s,
                r.trainingImages, r.steps, r.bestStep, r.seconds, r.validation, d.scores(r.predictions, decision, size).full()));
          }
          byFraction.put(f, list);
        }
        done.put(enc.name, byFraction);
      }
      rows.addAll(summarise(task, d, done, reference, decision, size, cfg.bootstrap(), seed));
      write(out, tasks, rows, runs, reference, fractions); // after each task: the finished tasks' tables while the next one runs
    }
    return rows;
  }

  /** The data-fraction seeds of a fraction: {@code count} of them below 100%, one at 100% (every image is used). */
  static List<Long> seeds(double fraction, long first, int count) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < (fraction >= 1 ? 1 : count); i++) out.add(first + i);
    return out;
  }

  private static HeadOnFeatures.Settings settings(StudyConfig cfg, Task task, double fraction, long seed) {
    return new HeadOnFeatures.Settings(cfg.batchSize(), cfg.epochs(task), cfg.minSteps(), cfg.patience(), cfg.lr(task, fraction),
        cfg.weightDecay(task), seed, cfg.decision());
  }

  /** What a run's result depends on; a stored run with another fingerprint is not reused. */
  private static String fingerprint(Task task, FrozenFeatures.Encoder enc, double f, long seed, HeadOnFeatures.Settings s, int size,
      Manifest m, long splitSeed) {
    return String.format(Locale.ROOT, "task=%s encoder=%s fraction=%s seed=%d %s image_size=%d manifest_sha256=%s split_seed=%d",
        task.key(), enc.describe(), f, seed, s.describe(), size, m.sha256(), splitSeed);
  }

  /** The labelled images of one task, by split. */
  private static final class Labelled {
    Task task;
    TaskData data;
    List<Sample> train;
    List<Sample> val;
    List<Sample> test;
    List<Sample> all;

    static Labelled read(Task task, DataConfig data, Manifest m, Map<String, Split> splits, int size, ImageDecoder decoder, Logger log, Path out)
        throws DatasetException, IOException {
      Labelled d = new Labelled();
      d.task = task;
      d.data = TaskData.of(task, data, m, size, null);
      TaskDataset ds = TaskDataset.open(m, splits, List.of(Split.TRAIN, Split.VAL, Split.TEST),
          d.data.options.optWorkers(data.workers()).optOnBadInput(data.onBadInput()), decoder, log);
      if (!ds.skipped().isEmpty()) {
        Path list = SkippedPair.write(out.resolve("skipped-" + task.key() + ".csv"), ds.skipped());
        log.warn(task.key() + ": skipped " + ds.skipped().size() + " rows (list: " + list + ")");
      }
      d.train = ds.of(Split.TRAIN);
      d.val = ds.of(Split.VAL);
      d.test = ds.of(Split.TEST);
      for (Split s : Split.values()) {
        if (ds.of(s).isEmpty()) {
          throw new DatasetException("manifest " + m.file() + ": no usable " + s.key() + " rows for " + task.key());
        }
      }
      d.all = new ArrayList<>(d.train);
      d.all.addAll(d.val);
      d.all.addAll(d.test);
      log.info(String.format(Locale.ROOT, "%s: %d training, %d validation, %d test images", task.key(), d.train.size(), d.val.size(),
          d.test.size()));
      return d;
    }

    /** The test metric of predictions, per test image where the metric allows, for the bootstrap. */
    Scores scores(float[] predictions, Scorer.Decision decision, int size) {
      return new Scores(this, predictions, decision, size);
    }
  }

  /** One run's test predictions, ready for the task's metric on any draw of the test images. */
  private static final class Scores {
    private final Labelled d;
    private final Task task;
    private final float[] predictions;
    private final double[] dice;
    /** Detection: the test images' decoded boxes matched once, for the mAP of every bootstrap draw. */
    private final DetectionMetrics.Matched matched;
    private final int classes;

    Scores(Labelled d, float[] predictions, Scorer.Decision decision, int size) {
      this.d = d;
      this.predictions = predictions;
      this.classes = d.data.classes.size();
      int n = d.test.size();
      this.task = d.task;
      if (task == Task.SEGMENTATION) {
        int px = predictions.length / n;
        dice = new double[n];
        for (int i = 0; i < n; i++) {
          dice[i] = SegmentationMetrics.dice(Arrays.copyOfRange(predictions, i * px, (i + 1) * px), d.test.get(i).mask, decision.threshold);
        }
        matched = null;
      } else if (task == Task.DETECTION) {
        dice = null;
        List<List<Box>> truths = new ArrayList<>();
        for (Sample s : d.test) truths.add(s.boxes);
        matched = new DetectionMetrics.Matched(Detections.decode(predictions, n, classes, size, decision.confidence, decision.nmsIou),
            truths, classes, DetectionMetrics.RSNA_IOU_THRESHOLDS);
      } else {
        dice = null;
        matched = null;
      }
    }

    /** The metric on the whole test split. */
    double full() {
      int[] all = new int[d.test.size()];
      for (int i = 0; i < all.length; i++) all[i] = i;
      return on(all);
    }

    /** The task's metric ({@link Experiment#metric}) on the test images {@code items} (with repeats). */
    double on(int[] items) {
      switch (task) {
        case SEGMENTATION: {
          double s = 0;
          for (int i : items) s += dice[i];
          return s / items.length;
        }
        case DETECTION:
          return matched.meanAveragePrecision(items);
        default: {
          List<String> ids = new ArrayList<>();
          List<float[]> truths = new ArrayList<>();
          float[] p = new float[items.length * classes];
          for (int k = 0; k < items.length; k++) {
            Sample s = d.test.get(items[k]);
            ids.add(s.id);
            truths.add(s.label);
            System.arraycopy(predictions, items[k] * classes, p, k * classes, classes);
          }
          return MetricsReport.classification(ids, truths, p, d.data.classes, d.data.multiLabel).metrics.get(Experiment.metric(task));
        }
      }
    }
  }

  /** A finished run as stored in its folder. */
  private static final class Run {
    float[] predictions;
    int trainingImages;
    int steps;
    int bestStep;
    double seconds;
    double validation;

    /** The stored run, or null when there is none, or it is incomplete, or it was made with other settings. */
    static Run load(Path dir, String fingerprint) throws IOException {
      Path props = dir.resolve(RESULT);
      if (!Files.isRegularFile(props)) return null;
      Properties p = new Properties();
      try (InputStream in = Files.newInputStream(props)) {
        p.load(in);
      }
      if (!fingerprint.equals(p.getProperty("fingerprint"))) {
        throw new IOException(props + ": this run was made with other settings (" + p.getProperty("fingerprint") + "; now " + fingerprint
            + "): give another output, or delete " + dir + " to run it again");
      }
      Run r = new Run();
      NdArray a = Npy.read(dir.resolve(PREDICTIONS));
      if (!p.getProperty("predictions_sha256", "").equals(org.mflag.io.Hashing.sha256(dir.resolve(PREDICTIONS)))) {
        throw new IOException(dir.resolve(PREDICTIONS) + ": does not match the sha256 in " + props + " (damaged?): delete " + dir
            + " to run it again");
      }
      r.predictions = a.data();
      r.trainingImages = Integer.parseInt(p.getProperty("training_images"));
      r.steps = Integer.parseInt(p.getProperty("steps"));
      r.bestStep = Integer.parseInt(p.getProperty("best_step"));
      r.seconds = Double.parseDouble(p.getProperty("seconds"));
      r.validation = Double.parseDouble(p.getProperty("validation"));
      return r;
    }

    static Run save(Path dir, String fingerprint, HeadOnFeatures.Outcome o, Task task) throws IOException {
      Files.createDirectories(dir);
      Archives.writeAtomically(dir.resolve(PREDICTIONS), Npy.toBytes(new NdArray(o.test, o.test.length)));
      Properties p = new Properties();
      p.setProperty("fingerprint", fingerprint);
      p.setProperty("predictions_sha256", org.mflag.io.Hashing.sha256(dir.resolve(PREDICTIONS)));
      p.setProperty("training_images", Integer.toString(o.trainingImages));
      p.setProperty("steps", Integer.toString(o.steps));
      p.setProperty("best_step", Integer.toString(o.bestStep));
      p.setProperty("seconds", Double.toString(o.seconds));
      p.setProperty("validation", Double.toString(o.validation.getOrDefault(task.primaryMetric(), Double.NaN)));
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      try (OutputStream os = bytes) {
        p.store(os, "one run of the study");
      }
      Archives.writeAtomically(dir.resolve(RESULT), bytes.toByteArray()); // written last: its presence marks the run finished
      return load(dir, fingerprint);
    }
  }

  private static List<Row> summarise(Task task, Labelled d, Map<String, Map<Double, List<Run>>> done, String reference,
      Scorer.Decision decision, int size, int resamples, long seed) {
    Map<String, Map<Double, List<Scores>>> scores = new LinkedHashMap<>();
    for (Map.Entry<String, Map<Double, List<Run>>> e : done.entrySet()) {
      Map<Double, List<Scores>> m = new LinkedHashMap<>();
      for (Map.Entry<Double, List<Run>> f : e.getValue().entrySet()) {
        List<Scores> l = new ArrayList<>();
        for (Run r : f.getValue()) l.add(d.scores(r.predictions, decision, size));
        m.put(f.getKey(), l);
      }
      scores.put(e.getKey(), m);
    }
    int n = d.test.size();
    List<Row> rows = new ArrayList<>();
    for (Map.Entry<String, Map<Double, List<Scores>>> e : scores.entrySet()) {
      for (Map.Entry<Double, List<Scores>> f : e.getValue().entrySet()) {
        List<Scores> runs = f.getValue();
        double[] perSeed = new double[runs.size()];
        for (int i = 0; i < perSeed.length; i++) perSeed[i] = runs.get(i).full();
        Bootstrap.Interval ci = Bootstrap.interval(n, items -> mean(runs, items), resamples, seed, LEVEL);
        Bootstrap.Interval diff = null;
        if (!reference.isEmpty() && !reference.equals(e.getKey())) {
          List<Scores> ref = scores.get(reference).get(f.getKey());
          diff = Bootstrap.interval(n, items -> mean(runs, items) - mean(ref, items), resamples, seed, LEVEL);
        }
        int images = done.get(e.getKey()).get(f.getKey()).get(0).trainingImages;
        rows.add(new Row(task, e.getKey(), f.getKey(), images, perSeed, ci, diff));
      }
    }
    return rows;
  }

  private static double mean(List<Scores> runs, int[] items) {
    double s = 0;
    for (Scores r : runs) s += r.on(items);
    return s / runs.size();
  }

  private static void write(Path out, List<Task> tasks, List<Row> rows, List<String> runs, String reference, List<Double> fractions)
      throws IOException {
    StringBuilder csv = new StringBuilder("task,metric,encoder,fraction,training_images,runs,mean,sd,ci_low,ci_high,reference,"
        + "difference,difference_ci_low,difference_ci_high\n");
    for (Row r : rows) {
      csv.append(String.format(Locale.ROOT, "%s,%s,%s,%s,%d,%d,%.6f,%.6f,%.6f,%.6f,%s,%.6f,%.6f,%.6f%n", r.task.key(),
          Experiment.metric(r.task), r.encoder, Experiment.fractionName(r.fraction), r.trainingImages, r.perSeed.length, r.mean(), r.sd(),
          r.interval.low, r.interval.high, r.difference == null ? "" : reference, r.difference == null ? Double.NaN : r.difference.estimate,
          r.difference == null ? Double.NaN : r.difference.low, r.difference == null ? Double.NaN : r.difference.high));
    }
    Archives.writeAtomically(out.resolve("study.csv"), csv.toString().replace("NaN", "").getBytes(StandardCharsets.UTF_8));
    String runsCsv = "task,encoder,fraction,seed,training_images,steps,best_step,seconds,validation_metric,test_metric\n"
        + String.join("\n", runs) + "\n";
    Archives.writeAtomically(out.resolve("runs.csv"), runsCsv.getBytes(StandardCharsets.UTF_8));

    StringBuilder md = new StringBuilder();
    for (Task task : tasks) {
      List<Row> of = new ArrayList<>();
      for (Row r : rows) if (r.task == task) of.add(r);
      if (of.isEmpty()) continue;
      md.append("### ").append(task.key()).append(": test ").append(Experiment.metric(task))
          .append(", mean over runs [95% bootstrap interval] (sd over runs)\n\n");
      List<String> header = new ArrayList<>(List.of("encoder"));
      for (double f : fractions) header.add(Experiment.percent(f) + " labels");
      List<List<String>> table = new ArrayList<>();
      List<List<String>> diffs = new ArrayList<>();
      LinePlot plot = new LinePlot(task.key() + ": test " + Experiment.metric(task) + " (95% bootstrap intervals)", "label fraction",
          "test " + Experiment.metric(task)).logX(true);
      for (String enc : encodersOf(of)) {
        List<String> row = new ArrayList<>(List.of(enc));
        List<String> diff = new ArrayList<>(List.of(enc + " - " + reference));
        double[] x = new double[fractions.size()], y = new double[x.length], lo = new double[x.length], hi = new double[x.length];
        for (int i = 0; i < fractions.size(); i++) {
          Row r = find(of, enc, fractions.get(i));
          x[i] = fractions.get(i);
          y[i] = r.mean();
          lo[i] = r.interval.low;
          hi[i] = r.interval.high;
          row.add(String.format(Locale.ROOT, "%s [%s, %s]%s", MarkdownTable.number(r.mean(), 3), MarkdownTable.number(r.interval.low, 3),
              MarkdownTable.number(r.interval.high, 3), r.perSeed.length > 1 ? " (" + MarkdownTable.number(r.sd(), 3) + ")" : ""));
          if (r.difference != null) {
            String d = String.format(Locale.ROOT, "%+.3f [%+.3f, %+.3f]", r.difference.estimate, r.difference.low, r.difference.high);
            diff.add(r.difference.aboveZero() || r.difference.belowZero() ? "**" + d + "**" : d);
          }
        }
        table.add(row);
        if (diff.size() > 1) diffs.add(diff);
        plot.series(enc, x, y, lo, hi);
      }
      md.append(MarkdownTable.render(header, table)).append('\n');
      if (!diffs.isEmpty()) {
        md.append("Difference from ").append(reference).append(" (paired bootstrap; bold: the interval excludes 0):\n\n")
            .append(MarkdownTable.render(header, diffs)).append('\n');
      }
      plot.write(out.resolve("study-" + task.key() + ".png"), 720, 450);
    }
    Archives.writeAtomically(out.resolve("study.md"), md.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static List<String> encodersOf(List<Row> rows) {
    List<String> out = new ArrayList<>();
    for (Row r : rows) if (!out.contains(r.encoder)) out.add(r.encoder);
    return out;
  }

  private static Row find(List<Row> rows, String encoder, double fraction) {
    for (Row r : rows) if (r.encoder.equals(encoder) && r.fraction == fraction) return r;
    throw new IllegalStateException("no row for " + encoder + " at " + fraction);
  }
}
