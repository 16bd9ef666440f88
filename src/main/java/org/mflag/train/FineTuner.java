package org.mflag.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import org.mflag.data.Augmentation;
import org.mflag.data.BatchLoader;
import org.mflag.data.Box;
import org.mflag.data.DatasetException;
import org.mflag.data.ImageDecoder;
import org.mflag.data.Labels;
import org.mflag.data.Manifest;
import org.mflag.data.SkippedPair;
import org.mflag.data.Split;
import org.mflag.data.Splits;
import org.mflag.data.TaskData;
import org.mflag.data.TaskDataset;
import org.mflag.data.TaskDataset.Sample;
import org.mflag.eval.TaskEvaluation;
import org.mflag.infer.Evaluation;
import org.mflag.io.Archives;
import org.mflag.loss.YoloTargets;
import org.mflag.model.ModelPackage;
import org.mflag.model.ModelPackageException;
import org.mflag.model.TaskGraph;
import org.mflag.nn.Architecture;
import org.mflag.nn.Parameters;
import org.mflag.config.Task;
import org.mflag.nn.TaskNetwork;
import org.mflag.nn.TensorFlowRuntime;
import org.mflag.nn.YoloLayout;
import org.scijava.log.Logger;

/**
 * Fine-tunes a pre-trained (or random) encoder for one downstream task (MFLAG.md, "Downstream
 * protocols"): reads the labelled images and the split, takes the seeded label fraction of the
 * training split, trains the head (and the encoder unless frozen), scores the validation split after
 * every epoch, keeps the best weights, stops early after {@code patience} epochs without improvement
 * (counted once the best beats the untrained model's score: a detector whose confidences are all
 * still below the threshold scores mAP 0 for a while, which is no reason to stop)
 * and exports the best model as a package whose {@code config.mflag} records task, classes, threshold,
 * data hash and validation metrics.
 *
 * <p>Batches depend only on (seed, epoch, position), as in pre-training, so a cancelled run resumed
 * from its checkpoint (which also holds the best weights so far and the early-stopping state) ends
 * exactly where the uninterrupted run would.</p>
 */
public final class FineTuner {

  private final FinetuneConfig cfg;
  private final ImageDecoder decoder;
  private final Logger log;

  public FineTuner(FinetuneConfig cfg, ImageDecoder decoder, Logger log) {
    this.cfg = cfg;
    this.decoder = decoder;
    this.log = log;
  }

  private Path checkpointDir() {
    return cfg.output().resolve("checkpoints");
  }

  public TrainingResult run(TrainingListener listener, BooleanSupplier canceled)
      throws DatasetException, IOException, TrainingException, ModelPackageException {
    Task task = cfg.task();
    Checkpoints checkpoints = new Checkpoints(checkpointDir(), 2);
    Checkpoints bestStore = new Checkpoints(checkpointDir().resolve("best"), 1);
    Checkpoints.Checkpoint resumeFrom = checkpoints.forStart(cfg.resume(), cfg.output(), log);
    String tfVersion = TensorFlowRuntime.ensureLoaded();
    log.info(FinetuneConfig.command(task) + " " + cfg.toKeyValues());

    Manifest manifest = Manifest.read(cfg.manifest(), cfg.get("id_column"), cfg.get("image_column"));
    Map<String, Split> splits = Splits.assign(manifest, cfg.get("split_column"), cfg.get("group_column"),
        cfg.keyValues().number("val_fraction", 0), cfg.keyValues().number("test_fraction", 0), cfg.seed());
    Splits.write(cfg.output().resolve(Splits.FILE), splits);
    int size = cfg.imageSize();
    TaskData td = TaskData.of(task, cfg.keyValues(), manifest, size, null);
    TaskDataset data = TaskDataset.open(manifest, splits, List.of(Split.TRAIN, Split.VAL),
        td.options.optWorkers(cfg.workers()).optOnBadInput(cfg.onBadInput()), decoder, log);
    if (!data.skipped().isEmpty()) {
      Path list = SkippedPair.write(cfg.output().resolve("skipped.csv"), data.skipped());
      log.warn("skipped " + data.skipped().size() + " rows (list: " + list + ")");
    }
    List<Sample> trainAll = data.of(Split.TRAIN);
    List<Sample> train = Splits.subset(trainAll, cfg.fraction(), 2, cfg.seed());
    List<Sample> val = data.of(Split.VAL);
    if (val.isEmpty()) throw new DatasetException("manifest " + manifest.file() + ": no usable validation rows (split 'val'); "
        + "early stopping and the best model need them");
    if (train.size() < 2) throw new DatasetException("manifest " + manifest.file() + ": " + train.size()
        + " usable training rows at fraction " + cfg.fraction() + "; need at least 2 (batch norm)");
    int batch = Math.min(cfg.batchSize(), train.size());
    int classes = td.classes.size();
    int maxBoxes = 1;
    if (task == Task.DETECTION) for (Sample s : data.samples()) maxBoxes = Math.max(maxBoxes, s.boxes.size());
    float[] classWeights = new float[classes];
    java.util.Arrays.fill(classWeights, 1f);
    if (task == Task.CLASSIFICATION) {
      List<float[]> labels = new ArrayList<>();
      for (Sample s : train) labels.add(s.label);
      classWeights = Labels.weights(labels, classes, "balanced".equals(cfg.get("class_weights")));
    }
    log.info(String.format("%s: %d training images (fraction %s of %d), %d validation, batch %d, classes %s", task.key(),
        train.size(), cfg.fraction(), trainAll.size(), val.size(), batch, td.classes));

    Path encoderModel = cfg.encoderModel();
    ModelPackage pretrained = encoderModel == null ? null : ModelPackage.open(encoderModel);
    Architecture arch = pretrained == null ? cfg.encoder() : pretrained.architecture();
    if (pretrained != null && cfg.keyValues().given("encoder") && arch != cfg.encoder()) {
      throw new IllegalArgumentException("encoder=" + cfg.encoder().key() + " but encoder_model " + encoderModel + " holds a " + arch.key());
    }
    boolean freeze = cfg.freezeEncoder();
    try (FinetuneGraph g = new FinetuneGraph(task, arch, batch, size, classes, td.multiLabel, freeze, classWeights, maxBoxes,
            cfg.weightDecay());
        TaskGraph v = new TaskGraph(task, arch, size, classes, td.multiLabel)) {
      Parameters params = g.parameters();
      log.info(String.format("%s %s: %,d trainable parameters, encoder %s (%s)", arch.key(), task.modelName(),
          params.count(Parameters.Kind.TRAINABLE), freeze ? "frozen" : "trained", encoderModel == null ? "random init" : encoderModel));
      int spe = train.size() / batch;
      long total = (long) spe * cfg.epochs();
      State st = new State();
      long step;
      if (resumeFrom != null) {
        Checkpoints.checkCompatible(resumeFrom, cfg.fingerprint(), manifest);
        params.assign(g.session(), Parameters.values(resumeFrom.arrays), resumeFrom.file.toString());
        st.restore(resumeFrom.meta);
        step = resumeFrom.step;
      } else {
        Map<String, float[]> init = params.initialValues(cfg.seed());
        if (pretrained != null) init.putAll(encoderWeights(pretrained, params));
        params.assign(g.session(), init, "initialisation");
        step = 0;
      }
      Path lastCheckpoint = resumeFrom == null ? null : resumeFrom.file;
      long end = cfg.maxSteps() > 0 ? Math.min(total, cfg.maxSteps()) : total;
      listener.onStart(event(step, total, spe, Double.NaN, 0, 0));
      YoloLayout layout = task == Task.DETECTION ? new YoloLayout(size) : null;
      if (resumeFrom == null) {
        Map<String, Double> before = validate(task, g, v, val, td, batch, size).metrics;
        st.initial = before.get(task.primaryMetric());
        st.history.add(String.format(java.util.Locale.ROOT, "0,NaN,%s", csvValues(before)));
        st.metricNames = String.join(",", before.keySet());
        log.info(String.format("validation %s before training: %.4f", task.primaryMetric(),
            before.get(task.primaryMetric())));
      }
      long t0 = System.nanoTime();
      long timedFrom = step;
      boolean stoppedEarly = st.badEpochs >= cfg.patience();
      while (step < end && !stoppedEarly) {
        if (canceled.getAsBoolean()) {
          log.info("cancelled at step " + step);
          break;
        }
        int epoch = (int) (step / spe);
        int first = (int) (step % spe) * batch;
        int[] order = order(train.size(), epoch);
        List<Sample> picked = new ArrayList<>(batch);
        float[] images = new float[batch * size * size];
        List<byte[]> masks = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
          Sample s = train.get(order[first + b]);
          picked.add(s);
          SplittableRandom r = new SplittableRandom(BatchLoader.mix(cfg.seed(), epoch, first + b));
          Augmentation.Augmented a = task == Task.DETECTION // MFLAG.md: no augmentation for detection
              ? null : Augmentation.shiftScaleRotate(s.image, s.mask, size, r);
          System.arraycopy(a == null ? Augmentation.whole(s.image) : a.image, 0, images, b * size * size, size * size);
          masks.add(a == null ? null : a.mask);
        }
        float loss = g.step(images, targets(task, picked, masks, size, classes, layout, maxBoxes), (float) cfg.lr());
        if (!Float.isFinite(loss)) {
          throw new TrainingException(String.format("loss became %s at step %d (epoch %d); the last good checkpoint is %s. "
              + "Lower lr (now %s), then resume=true.", loss, step, epoch + 1, lastCheckpoint == null ? "none" : lastCheckpoint, cfg.lr()));
        }
        step++;
        st.add(loss);
        double secs = (System.nanoTime() - t0) / 1e9;
        double rate = secs > 0 ? (step - timedFrom) * batch / secs : 0;
        TrainingEvent ev = event(step, total, spe, loss, rate, rate > 0 ? (end - step) * batch / rate : 0);
        listener.onBatch(ev);
        if (step % cfg.logEvery() == 0 || step == end) log.info(ev.describe());
        if (step % spe == 0) {
          Map<String, Double> metrics = validate(task, g, v, val, td, batch, size).metrics;
          double m = metrics.get(task.primaryMetric());
          boolean improved = st.bestEpoch == 0 || (!Double.isNaN(m) && (Double.isNaN(st.best) || m > st.best));
          int done = (int) (step / spe);
          if (improved) {
            st.best = m;
            st.bestEpoch = done;
            st.badEpochs = 0;
            bestStore.save(step, params.snapshot(g.session()), new Properties());
          } else if (!(st.best <= st.initial)) {
            st.badEpochs++;
          }
          st.history.add(String.format(java.util.Locale.ROOT, "%d,%.6f,%s", done, st.mean(), csvValues(metrics)));
          st.metricNames = String.join(",", metrics.keySet());
          log.info(String.format("epoch %d/%d done: mean loss %.4f, validation %s %.4f%s", done, cfg.epochs(), st.mean(),
              task.primaryMetric(), m, improved ? " (best so far)" : " (best " + String.format("%.4f", st.best)
                  + " at epoch " + st.bestEpoch + ", " + st.badEpochs + "/" + cfg.patience() + " without improvement)"));
          listener.onEpoch(event(step, total, spe, st.mean(), rate, 0));
          st.closeEpoch();
          lastCheckpoint = checkpoints.save(step, params.snapshot(g.session()), meta(manifest, st));
          if (st.badEpochs >= cfg.patience()) {
            stoppedEarly = true;
            log.info("early stop: no improvement of the validation " + task.primaryMetric() + " for " + cfg.patience() + " epochs");
          }
        }
      }
      writeHistory(st);
      if (step < total && !stoppedEarly) {
        if (lastCheckpoint == null || Checkpoints.stepOf(lastCheckpoint) != step) {
          lastCheckpoint = checkpoints.save(step, params.snapshot(g.session()), meta(manifest, st));
        }
        log.info("stopped at step " + step + " of " + total + "; checkpoint " + lastCheckpoint + " (run again with resume=true to continue)");
        TrainingResult r = new TrainingResult(TrainingResult.Outcome.STOPPED, step, lastCheckpoint, null, st.epochLosses, st.last);
        listener.onEnd(r);
        return r;
      }
      Checkpoints.Checkpoint best = bestStore.latest(log::warn);
      if (best == null) throw new TrainingException("no best weights in " + bestStore.dir() + " (no epoch finished?)");
      Map<String, float[]> weights = Parameters.values(best.arrays);
      v.load(weights, best.file.toString());
      TaskEvaluation valEval = evaluate(task, v, val, td, batch, size);
      log.info("best epoch " + st.bestEpoch + ", validation metrics:\n" + valEval.describe().trim());
      export(task, v, arch, td, manifest, data, train.size(), trainAll.size(), valEval, st, tfVersion, val.get(0));
      TrainingResult r = new TrainingResult(TrainingResult.Outcome.COMPLETED, step, lastCheckpoint, cfg.output(), st.epochLosses, st.last);
      listener.onEnd(r);
      return r;
    }
  }

  /** The pre-trained encoder's weights, by the names of this graph's encoder (projectors are left out). */
  private static Map<String, float[]> encoderWeights(ModelPackage p, Parameters params) throws ModelPackageException {
    Map<String, float[]> all = p.weights();
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Parameters.Entry e : params.all()) {
      if (e.kind == Parameters.Kind.OPTIMIZER || !TaskNetwork.isEncoderParameter(e.name)) continue;
      float[] w = all.get(e.name);
      if (w == null) throw new ModelPackageException(p.dir() + ": the encoder lacks parameter " + e.name + " (not an M-FLAG encoder package?)");
      out.put(e.name, w);
    }
    return out;
  }

  private static String csvValues(Map<String, Double> metrics) {
    List<String> out = new ArrayList<>();
    for (double m : metrics.values()) out.add(String.format(java.util.Locale.ROOT, "%.6f", m));
    return String.join(",", out);
  }


  private int[] order(int n, int epoch) {
    return BatchLoader.permutation(n, BatchLoader.mix(cfg.seed(), epoch, -1));
  }

  private static List<float[]> targets(Task task, List<Sample> batch, List<byte[]> masks, int size, int classes, YoloLayout layout,
      int maxBoxes) {
    int n = batch.size();
    switch (task) {
      case SEGMENTATION: {
        int px = size * size;
        float[] target = new float[n * px];
        float[] weight = new float[n * px];
        for (int b = 0; b < n; b++) {
          byte[] m = masks.get(b);
          for (int i = 0; i < px; i++) {
            target[b * px + i] = m[i] == 1 ? 1f : 0f;
            weight[b * px + i] = m[i] == TaskDataset.IGNORE ? 0f : 1f;
          }
        }
        return List.of(target, weight);
      }
      case CLASSIFICATION: {
        float[] y = new float[n * classes];
        for (int b = 0; b < n; b++) System.arraycopy(batch.get(b).label, 0, y, b * classes, classes);
        return List.of(y);
      }
      default: {
        List<List<Box>> boxes = new ArrayList<>();
        for (Sample s : batch) boxes.add(s.boxes);
        YoloTargets t = new YoloTargets(layout, classes, boxes, maxBoxes);
        return List.of(t.assigned, t.box, t.scale, t.classes, t.truths);
      }
    }
  }

  private TaskEvaluation validate(Task task, FinetuneGraph g, TaskGraph v, List<Sample> val, TaskData td, int batch, int size) {
    v.load(g.parameters().read(g.session(), Parameters.Kind.TRAINABLE, Parameters.Kind.FROZEN, Parameters.Kind.BUFFER), "training graph");
    return evaluate(task, v, val, td, batch, size);
  }

  private TaskEvaluation evaluate(Task task, TaskGraph v, List<Sample> samples, TaskData td, int batch, int size) {
    return Evaluation.of(task, samples, v::predict, td.classes, td.multiLabel, size, batch,
        Double.parseDouble(task == Task.SEGMENTATION ? cfg.get("threshold") : "0.5"),
        task == Task.DETECTION ? Double.parseDouble(cfg.get("confidence")) : 0.5,
        task == Task.DETECTION ? Double.parseDouble(cfg.get("nms_iou")) : 0.5);
  }

  private void export(Task task, TaskGraph v, Architecture arch, TaskData td, Manifest manifest, TaskDataset data, int trainUsed,
      int trainAll, TaskEvaluation valEval, State st, String tfVersion, Sample example) throws IOException {
    ModelPackage.Description d = new ModelPackage.Description();
    String what = task == Task.SEGMENTATION ? "lung segmentation (U-Net)" : task == Task.CLASSIFICATION
        ? (td.multiLabel ? "multi-label" : "single-label") + " classifier" : "YOLOv3-style detector";
    d.name = "M-FLAG " + arch.key() + " " + what;
    String encoderModel = cfg.get("encoder_model");
    d.description = "Chest X-ray " + what + " on a " + (cfg.freezeEncoder() ? "frozen " : "") + arch.key() + " encoder ("
        + encoderModel + "), fine-tuned on " + trainUsed + " images (fraction " + cfg.fraction() + ").";
    d.task = task.key();
    d.architecture = arch;
    d.imageSize = cfg.imageSize();
    d.tags = new ArrayList<>(List.of("chest-x-ray", "m-flag", "tensorflow", task.key()));
    if (task == Task.SEGMENTATION) d.tags.add("semantic-segmentation");
    Map<String, Object> c = d.config;
    c.put("classes", td.classes);
    c.put("multi_label", td.multiLabel);
    if (task == Task.SEGMENTATION) c.put("threshold", Double.parseDouble(cfg.get("threshold")));
    if (task == Task.DETECTION) {
      c.put("confidence", Double.parseDouble(cfg.get("confidence")));
      c.put("nms_iou", Double.parseDouble(cfg.get("nms_iou")));
      c.put("layout", "YOLOv3 anchors x " + cfg.imageSize() + "/416 at strides 8/16/32, 3 per scale");
    }
    c.put("preprocessing", "whole image, intensities stretched to 0..255, bilinear resize to " + cfg.imageSize() + ", v / 127.5 - 1");
    c.put("encoder_model", encoderModel);
    c.put("freeze_encoder", cfg.freezeEncoder());
    c.put("fraction", cfg.fraction());
    c.put("training_images", trainUsed);
    c.put("training_split_images", trainAll);
    c.put("best_epoch", st.bestEpoch);
    c.put("training", new LinkedHashMap<>(cfg.toKeyValues()));
    Map<String, Object> dataInfo = new LinkedHashMap<>();
    dataInfo.put("manifest", manifest.file().getFileName().toString());
    dataInfo.put("manifest_sha256", manifest.sha256());
    dataInfo.put("split_file", Splits.FILE);
    c.put("data", dataInfo);
    Map<String, Object> metrics = new LinkedHashMap<>();
    for (Map.Entry<String, Double> e : valEval.metrics.entrySet()) metrics.put(e.getKey(), Double.isFinite(e.getValue()) ? e.getValue() : null);
    c.put("validation_metrics", metrics);
    c.put("versions", ModelPackageMaps.versions(tfVersion));
    float[] testImage = Augmentation.whole(example.image);
    float[] testOut = v.predict(testImage, 1);
    int s = cfg.imageSize();
    org.mflag.io.NdArray outArray;
    List<Map<String, Object>> axes;
    String description;
    List<Map<String, Object>> post = List.of();
    switch (task) {
      case SEGMENTATION:
        outArray = new org.mflag.io.NdArray(testOut, 1, s, s, 1);
        axes = List.of(ModelPackage.map("type", "batch"), ModelPackage.map("type", "space", "id", "y", "size", s), ModelPackage.map("type", "space", "id", "x", "size", s),
            ModelPackage.map("type", "channel", "channel_names", List.of("foreground")));
        description = "foreground probability per pixel (sigmoid); threshold " + cfg.get("threshold") + " gives the mask";
        d.usage = "Output `probability`: per-pixel foreground probability; `config.mflag.threshold` binarises it.\n";
        break;
      case CLASSIFICATION:
        outArray = new org.mflag.io.NdArray(testOut, 1, classes(td));
        axes = List.of(ModelPackage.map("type", "batch"), ModelPackage.map("type", "channel", "channel_names", td.classes));
        description = (td.multiLabel ? "sigmoid" : "softmax") + " probability of each class";
        d.usage = "Output `class_probability`: one probability per class, in the order of `config.mflag.classes`.\n";
        break;
      default:
        int n = new YoloLayout(s).count;
        outArray = new org.mflag.io.NdArray(testOut, 1, n, 5 + classes(td));
        List<String> names = new ArrayList<>(List.of("centre_x", "centre_y", "width", "height", "objectness"));
        for (String k : td.classes) names.add("p_" + k);
        axes = List.of(ModelPackage.map("type", "batch"), ModelPackage.map("type", "index", "id", "prediction", "size", n), ModelPackage.map("type", "channel", "channel_names", names));
        description = "one row per anchor: box centre and size in input pixels, objectness and class probabilities "
            + "(score = objectness x class probability; then confidence and NMS as config.mflag says)";
        d.usage = "Output `detections`: [N, 5 + C] rows (centre x, centre y, width, height in input pixels, objectness, class "
            + "probabilities); keep rows whose objectness x class probability exceeds `config.mflag.confidence`, then apply "
            + "per-class NMS at `config.mflag.nms_iou`.\n";
    }
    ModelPackage.TensorSpec input = ModelPackage.imageInput(s, new org.mflag.io.NdArray(testImage, 1, s, s, 1),
        "grey chest X-ray, whole image stretched to 0..255 and resized to " + s + "x" + s);
    ModelPackage.TensorSpec output = new ModelPackage.TensorSpec(TaskGraph.outputName(task), description, axes, outArray, post);
    ModelPackage.export(cfg.output(), d, v.session(), v.signatures(), input, List.of(output), tfVersion);
    Archives.writeAtomically(cfg.output().resolve("validation_metrics.txt"), valEval.describe().getBytes(StandardCharsets.UTF_8));
    log.info("model package written to " + cfg.output() + " (" + ModelPackage.RDF + ", " + ModelPackage.WEIGHTS + ")");
  }

  private static int classes(TaskData td) {
    return td.classes.size();
  }

  private void writeHistory(State st) throws IOException {
    if (st.history.isEmpty()) return;
    String header = "epoch,train_loss," + st.metricNames + "\n";
    Archives.writeAtomically(cfg.output().resolve("history.csv"),
        (header + String.join("\n", st.history) + "\n").getBytes(StandardCharsets.UTF_8));
  }

  private TrainingEvent event(long step, long total, int spe, double loss, double rate, double eta) {
    int epoch = (int) Math.min(cfg.epochs(), Math.max(1, (step + spe - 1) / spe));
    return new TrainingEvent(epoch, cfg.epochs(), step, total, loss, Double.NaN, Double.NaN, cfg.lr(), rate, eta, 0);
  }

  private Properties meta(Manifest manifest, State st) {
    Properties p = Checkpoints.meta(cfg.fingerprint(), manifest);
    st.store(p);
    return p;
  }

  /** Loss sums, early-stopping state and history: all part of every checkpoint. */
  static final class State {
    double sum;
    long count;
    float last = Float.NaN;
    double best = Double.NaN;
    /** The validation metric before training: patience counts only once the best beats it. */
    double initial = Double.NaN;
    int bestEpoch;
    int badEpochs;
    final List<Double> epochLosses = new ArrayList<>();
    final List<String> history = new ArrayList<>();
    String metricNames = "";

    void add(float loss) {
      sum += loss;
      count++;
      last = loss;
    }

    double mean() {
      return count == 0 ? Double.NaN : sum / count;
    }

    void closeEpoch() {
      epochLosses.add(mean());
      sum = 0;
      count = 0;
    }

    void store(Properties p) {
      p.setProperty("epoch_sum", Double.toString(sum));
      p.setProperty("epoch_count", Long.toString(count));
      p.setProperty("best", Double.toString(best));
      p.setProperty("best_epoch", Integer.toString(bestEpoch));
      p.setProperty("bad_epochs", Integer.toString(badEpochs));
      p.setProperty("initial", Double.toString(initial));
      p.setProperty("metric_names", metricNames);
      StringBuilder sb = new StringBuilder();
      for (Double d : epochLosses) sb.append(sb.length() == 0 ? "" : ",").append(d);
      p.setProperty("epoch_losses", sb.toString());
      p.setProperty("history", String.join(";", history));
    }

    void restore(Properties p) {
      sum = Double.parseDouble(p.getProperty("epoch_sum", "0"));
      count = Long.parseLong(p.getProperty("epoch_count", "0"));
      best = Double.parseDouble(p.getProperty("best", "NaN"));
      bestEpoch = Integer.parseInt(p.getProperty("best_epoch", "0"));
      badEpochs = Integer.parseInt(p.getProperty("bad_epochs", "0"));
      initial = Double.parseDouble(p.getProperty("initial", "NaN"));
      metricNames = p.getProperty("metric_names", "");
      epochLosses.clear();
      for (String x : p.getProperty("epoch_losses", "").split(",")) if (!x.isEmpty()) epochLosses.add(Double.parseDouble(x));
      history.clear();
      for (String x : p.getProperty("history", "").split(";")) if (!x.isEmpty()) history.add(x);
    }
  }
}
