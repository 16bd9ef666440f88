package org.mflag.experiment;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mflag.config.KeyValues;
import org.mflag.config.Task;
import org.mflag.data.DataConfig;
import org.mflag.infer.InferenceKeys;
import org.mflag.infer.Scorer;
import org.mflag.nn.Architecture;
import org.mflag.train.FinetuneConfig;
import org.mflag.train.TrainingKeys;

/**
 * A {@code study}, immutable: its tasks, frozen encoders, label fractions and seeds, how each head trains, how cells are
 * compared, the data keys and the output. Read once from {@link Study#KEYS} by {@link #of}, which also checks what can
 * be checked before anything is read (a reference among the encoders, boxes for detection).
 */
public final class StudyConfig {

  private final List<Task> tasks;
  private final Map<String, String> encoders;
  private final List<Double> fractions;
  private final int seeds;
  private final String reference;
  private final int bootstrap;
  /** Passes over the training images; 0: auto, by task. */
  private final int epochs;
  private final int minSteps;
  private final int patience;
  /** AdamW learning rate and weight decay; NaN: the fine-tuning defaults of the task (and fraction). */
  private final double lr;
  private final double weightDecay;
  private final Path output;
  private final DataConfig data;
  private final Architecture encoder;
  private final int imageSize;
  private final int batchSize;
  private final Scorer.Decision decision;
  private final long seed;

  private StudyConfig(KeyValues kv) {
    List<Task> t = new ArrayList<>();
    for (String s : kv.string(Study.TASKS).split(",")) if (!s.isBlank()) t.add(Task.fromKey(s.trim()));
    if (t.isEmpty()) throw new IllegalArgumentException("tasks: none given");
    tasks = List.copyOf(t);
    encoders = Experiment.encoders(kv.string(Study.ENCODER_MODELS));
    fractions = Experiment.fractions(kv.string(Study.FRACTIONS));
    reference = kv.string(Study.REFERENCE).trim();
    if (!reference.isEmpty() && !encoders.containsKey(reference)) {
      throw new IllegalArgumentException("reference=" + reference + ": not one of encoder_models " + encoders.keySet());
    }
    data = DataConfig.of(kv);
    if (tasks.contains(Task.DETECTION) && data.boxes() == null) {
      throw new IllegalArgumentException("boxes: required for the detection task (COCO JSON file)");
    }
    seeds = kv.integer(Study.SEEDS);
    bootstrap = kv.integer(Study.BOOTSTRAP);
    epochs = kv.auto(Study.EPOCHS) ? 0 : kv.integer(Study.EPOCHS);
    minSteps = kv.integer(Study.MIN_STEPS);
    patience = kv.integer(Study.PATIENCE);
    lr = kv.number(FinetuneConfig.LR, Double.NaN);
    weightDecay = kv.number(FinetuneConfig.WEIGHT_DECAY, Double.NaN);
    output = kv.path(Study.OUTPUT);
    encoder = Architecture.fromKey(kv.string(Study.ENCODER));
    imageSize = kv.integer(FinetuneConfig.IMAGE_SIZE);
    batchSize = kv.integer(FinetuneConfig.BATCH_SIZE);
    decision = new Scorer.Decision(kv.number(InferenceKeys.THRESHOLD), kv.number(InferenceKeys.CONFIDENCE), kv.number(InferenceKeys.NMS_IOU));
    seed = kv.longValue(TrainingKeys.SEED);
  }

  /** Reads parsed arguments, which must have been parsed with {@link Study#KEYS}. */
  public static StudyConfig of(KeyValues kv) {
    return new StudyConfig(kv);
  }

  public List<Task> tasks() {
    return tasks;
  }

  /** Encoder name to source (a package folder, random or imagenet), in the order given. */
  public Map<String, String> encoders() {
    return encoders;
  }

  public List<Double> fractions() {
    return fractions;
  }

  /** Runs of every fraction below 1. */
  public int seeds() {
    return seeds;
  }

  /** The encoder the others are compared with; empty: none. */
  public String reference() {
    return reference;
  }

  public int bootstrap() {
    return bootstrap;
  }

  /** Passes over the training images of {@code task}: the given number, or 100 (classification), 50 (detection), 20. */
  public int epochs(Task task) {
    return epochs > 0 ? epochs : task == Task.CLASSIFICATION ? 100 : task == Task.DETECTION ? 50 : 20;
  }

  public int minSteps() {
    return minSteps;
  }

  public int patience() {
    return patience;
  }

  /** The learning rate of {@code task} at {@code fraction}: the given one, or fine-tuning's default. */
  public double lr(Task task, double fraction) {
    return Double.isNaN(lr) ? FinetuneConfig.defaultLr(task, fraction) : lr;
  }

  /** The weight decay of {@code task}: the given one, or fine-tuning's default. */
  public double weightDecay(Task task) {
    return Double.isNaN(weightDecay) ? FinetuneConfig.defaultWeightDecay(task) : weightDecay;
  }

  public Path output() {
    return output;
  }

  public DataConfig data() {
    return data;
  }

  /** The architecture of a random encoder. */
  public Architecture encoder() {
    return encoder;
  }

  public int imageSize() {
    return imageSize;
  }

  public int batchSize() {
    return batchSize;
  }

  public Scorer.Decision decision() {
    return decision;
  }

  public long seed() {
    return seed;
  }
}
