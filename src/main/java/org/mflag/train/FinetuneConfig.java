package org.mflag.train;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.config.Task;
import org.mflag.data.BadInputPolicy;
import org.mflag.data.DataConfig;
import org.mflag.data.DataKeys;
import org.mflag.infer.InferenceKeys;
import org.mflag.infer.Scorer;
import org.mflag.nn.Architecture;
import org.mflag.nn.Precision;
import org.mflag.runtime.DeviceRequest;
import org.mflag.runtime.Devices;

/**
 * A fine-tuning run of one downstream task, immutable and checked when built: every key is validated by
 * its declaration ({@link KeyValues#parse}) and read here once, before any data is read. Built from
 * {@code key=value} arguments (launcher, macro, Fiji command) or, for scripts, from a map
 * ({@link #of(Task, Map)}). Defaults follow MFLAG.md's downstream protocols: AdamW lr 5e-4 (2e-4 for
 * detection at 1% of the labels), weight decay 0.05 for segmentation and 1e-6 for detection and
 * classification, early stopping with patience 10 over at most 50 epochs, a frozen encoder for
 * segmentation and detection and a linear probe for classification.
 */
public final class FinetuneConfig {

  public static final Key ENCODER_MODEL = Key.text("encoder_model", null,
      "pre-trained model package folder or .zip (from pretrain), random for a randomly initialised encoder, or imagenet for Keras'"
          + " ImageNet ResNet50 v1 (from import-weights)");
  public static final Key ENCODER = TrainingKeys.ENCODER.describedAs("encoder architecture when encoder_model=random (otherwise the package's)");
  public static final Key OUTPUT = Key.path("output", null, "folder for the fine-tuned model package (with its split and history); checkpoints go beside it, to its name + .checkpoints")
      .directory().operational();
  public static final Key IMAGE_SIZE = TrainingKeys.IMAGE_SIZE.multipleOf(32)
      .describedAs("network input size in pixels (a multiple of 32); images are resized whole");
  public static final Key BATCH_SIZE = TrainingKeys.BATCH_SIZE.describedAs("images per step (MFLAG.md: 16 for detection)");
  public static final Key EPOCHS = TrainingKeys.EPOCHS.describedAs("most passes over the training data");
  public static final Key PATIENCE = Key.integer("patience", "10",
      "stop when the validation metric has not improved for this many epochs").atLeast(1);
  public static final Key LR = TrainingKeys.LR.orAuto().withDefault(Key.AUTO)
      .describedAs("AdamW learning rate; auto = 5e-4 (2e-4 for detection with fraction <= 0.01)");
  public static final Key WEIGHT_DECAY = TrainingKeys.WEIGHT_DECAY.orAuto().withDefault(Key.AUTO)
      .describedAs("AdamW weight decay; auto = 0.05 for segmentation, 1e-6 otherwise");
  public static final Key FRACTION = Key.number("fraction", "1.0",
      "share of the training split used (seeded subset): 0.01, 0.1, 1.0 in the paper").above(0).atMost(1);
  public static final Key FREEZE_ENCODER = Key.bool("freeze_encoder", "true",
      "keep the pre-trained encoder fixed (MFLAG.md) and train the task head only");
  public static final Key MODE = Key.choice("mode", "linear", "linear (probe on the frozen encoder) or finetune (train everything)",
      "linear", "finetune");
  public static final Key CLASS_WEIGHTS = Key.choice("class_weights", "none",
      "none, or balanced (n / (classes x n_class)) for skewed labels", "none", "balanced");

  /** The parameters of {@code finetune-<model>}, in the order {@code help} lists them. */
  public static List<Key> keys(Task task) {
    List<Key> k = DataKeys.forTask(task);
    k.addAll(Arrays.asList(DataKeys.GROUP_COLUMN, DataKeys.VAL_FRACTION, DataKeys.TEST_FRACTION, ENCODER_MODEL, ENCODER, OUTPUT,
        IMAGE_SIZE, BATCH_SIZE, EPOCHS, PATIENCE, LR, WEIGHT_DECAY, FRACTION));
    switch (task) {
      case SEGMENTATION:
        k.addAll(Arrays.asList(FREEZE_ENCODER, InferenceKeys.THRESHOLD));
        break;
      case CLASSIFICATION:
        k.addAll(Arrays.asList(MODE, CLASS_WEIGHTS));
        break;
      case DETECTION:
        k.addAll(Arrays.asList(FREEZE_ENCODER, InferenceKeys.CONFIDENCE, InferenceKeys.NMS_IOU));
        break;
      default:
        throw new IllegalArgumentException(task.toString());
    }
    k.addAll(Arrays.asList(TrainingKeys.SEED, TrainingKeys.RESUME, TrainingKeys.PRECISION, Devices.DEVICE, DataKeys.WORKERS, DataKeys.ON_BAD_INPUT, DataKeys.CACHE_DIR, TrainingKeys.LOG_EVERY,
        TrainingKeys.MAX_STEPS));
    k.addAll(org.mflag.model.People.KEYS);
    return Collections.unmodifiableList(k);
  }

  /** lr=auto: 5e-4, and 2e-4 for detection with at most 1% of the labels. */
  public static double defaultLr(Task task, double fraction) {
    return task == Task.DETECTION && fraction <= 0.01 ? 2e-4 : 5e-4;
  }

  /** weight_decay=auto: 0.05 for segmentation, 1e-6 otherwise. */
  public static double defaultWeightDecay(Task task) {
    return task == Task.SEGMENTATION ? 0.05 : 1e-6;
  }

  private final Task task;
  /** Every key with its checked value, in {@link #keys(Task)} order. */
  private final Map<String, String> resolved;
  private final DataConfig data;
  private final DeviceRequest device;
  private final String encoderModelKey;
  private final boolean balancedClassWeights;
  private final boolean resume;
  private final Precision precision;
  private final int logEvery;
  private final long maxSteps;
  private final boolean encoderGiven;
  private final Path output;
  private final Path encoderModel;
  private final Architecture encoder;
  private final int imageSize;
  private final int batchSize;
  private final int epochs;
  private final int patience;
  private final double fraction;
  private final double lr;
  private final double weightDecay;
  private final boolean freezeEncoder;
  private final Scorer.Decision decision;
  private final long seed;
  private final boolean imagenet;
  /** author, affiliation, orcid, github_user: who the package names. */
  private final Map<String, String> people;

  private FinetuneConfig(Task task, KeyValues kv) {
    this.task = task;
    resolved = kv.resolved();
    data = DataConfig.of(kv);
    device = DeviceRequest.parse(kv.string(Devices.DEVICE));
    encoderModelKey = kv.string(ENCODER_MODEL);
    balancedClassWeights = task == Task.CLASSIFICATION && "balanced".equals(kv.string(CLASS_WEIGHTS));
    resume = kv.bool(TrainingKeys.RESUME);
    precision = Precision.fromKey(kv.string(TrainingKeys.PRECISION));
    logEvery = kv.integer(TrainingKeys.LOG_EVERY);
    maxSteps = kv.longValue(TrainingKeys.MAX_STEPS);
    encoderGiven = kv.given(ENCODER);
    output = kv.path(OUTPUT);
    String source = kv.string(ENCODER_MODEL);
    imagenet = source.equalsIgnoreCase(org.mflag.nn.ImageNetImport.NAME);
    encoderModel = source.equalsIgnoreCase("random") || imagenet ? null : kv.path(ENCODER_MODEL);
    encoder = imagenet ? Architecture.RESNET50_V1 : Architecture.fromKey(kv.string(ENCODER));
    if (imagenet && kv.given(ENCODER) && Architecture.fromKey(kv.string(ENCODER)) != Architecture.RESNET50_V1) {
      throw new IllegalArgumentException("encoder_model=imagenet is Keras' ResNet50 v1: give encoder=resnet50_v1 or leave encoder out");
    }
    people = org.mflag.model.People.of(kv);
    imageSize = kv.integer(IMAGE_SIZE);
    batchSize = kv.integer(BATCH_SIZE);
    epochs = kv.integer(EPOCHS);
    patience = kv.integer(PATIENCE);
    fraction = kv.number(FRACTION);
    lr = kv.number(LR, defaultLr(task, fraction));
    weightDecay = kv.number(WEIGHT_DECAY, defaultWeightDecay(task));
    freezeEncoder = task == Task.CLASSIFICATION ? "linear".equals(kv.string(MODE)) : kv.bool(FREEZE_ENCODER);
    Scorer.Decision d = Scorer.Decision.defaults();
    decision = new Scorer.Decision(task == Task.SEGMENTATION ? kv.number(InferenceKeys.THRESHOLD) : d.threshold,
        task == Task.DETECTION ? kv.number(InferenceKeys.CONFIDENCE) : d.confidence,
        task == Task.DETECTION ? kv.number(InferenceKeys.NMS_IOU) : d.nmsIou);
    seed = kv.longValue(TrainingKeys.SEED);
  }

  public static String command(Task task) {
    return "finetune-" + task.modelName();
  }

  /** Reads parsed {@code key=value} arguments, which must have been parsed with {@link #keys(Task)}. */
  public static FinetuneConfig of(Task task, KeyValues kv) {
    return new FinetuneConfig(task, kv);
  }

  /** For scripts: the same keys as the launcher, as a map. */
  public static FinetuneConfig of(Task task, Map<String, String> values) {
    return new FinetuneConfig(task, KeyValues.of(command(task), keys(task), values));
  }

  public Task task() {
    return task;
  }

  /** author, affiliation, orcid, github_user: who the package names. */
  public Map<String, String> people() {
    return people;
  }

  /** The data keys (manifest, columns, split, targets, loading). */
  public DataConfig data() {
    return data;
  }

  public Path manifest() {
    return data.manifest();
  }

  public Path output() {
    return output;
  }

  /**
   * The imported ImageNet weights for {@code encoder_model=imagenet} (in {@code cache_dir}, where
   * {@code import-weights cache_dir=} puts them), or null.
   */
  public Path imagenetWeights() {
    return imagenet ? org.mflag.nn.ImageNetImport.location(data.cacheDir()) : null;
  }

  /** {@code cache_dir}: where {@code import-weights} put the ImageNet weights. */
  public Path cacheDir() {
    return data.cacheDir();
  }

  /** Null for a random encoder (and for ImageNet's, see {@link #imagenetWeights}). */
  public Path encoderModel() {
    return encoderModel;
  }

  public Architecture encoder() {
    return encoder;
  }

  /** Whether {@code encoder} was given (it must then match a pre-trained package's). */
  public boolean encoderGiven() {
    return encoderGiven;
  }

  public int imageSize() {
    return imageSize;
  }

  public int batchSize() {
    return batchSize;
  }

  public int epochs() {
    return epochs;
  }

  public int patience() {
    return patience;
  }

  public double fraction() {
    return fraction;
  }

  public double lr() {
    return lr;
  }

  public double weightDecay() {
    return weightDecay;
  }

  /** Whether the encoder stays fixed: {@code freeze_encoder}, or {@code mode=linear} for classification. */
  public boolean freezeEncoder() {
    return freezeEncoder;
  }

  /** The segmentation threshold and the detection confidence and NMS IoU the package records. */
  public Scorer.Decision decision() {
    return decision;
  }

  public boolean balancedClassWeights() {
    return balancedClassWeights;
  }

  public String encoderModelKey() {
    return encoderModelKey;
  }

  public long seed() {
    return seed;
  }

  public boolean resume() {
    return resume;
  }

  public Precision precision() {
    return precision;
  }

  /** The {@code device} value, parsed when the config was built (resolved by {@link Devices#resolve} when the run starts). */
  public DeviceRequest device() {
    return device;
  }

  public int logEvery() {
    return logEvery;
  }

  public long maxSteps() {
    return maxSteps;
  }

  /** Every key with its checked value, in {@link #keys(Task)} order (logs and the package's metadata). */
  public Map<String, String> toKeyValues() {
    return resolved;
  }

  /** The keys that determine the run's result; a resume must match them. */
  public Map<String, String> fingerprint() {
    return Checkpoints.fingerprint(toKeyValues(), keys(task));
  }
}
