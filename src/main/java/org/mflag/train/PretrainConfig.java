package org.mflag.train;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.data.BadInputPolicy;
import org.mflag.data.DataKeys;
import org.mflag.loss.MFlagLoss;
import org.mflag.nn.Architecture;
import org.mflag.nn.Precision;
import org.mflag.runtime.Cluster;
import org.mflag.runtime.DeviceRequest;
import org.mflag.runtime.Devices;
import org.mflag.text.TextModels;

/**
 * Everything a pre-training run needs, immutable. Built from {@code key=value} arguments
 * ({@link #fromKeyValues}), from a Fiji command, or with the {@link Builder} from Java.
 * Defaults are the paper's (MFLAG.md) except the batch size and the image size, which are
 * chosen for a workstation.
 */
public final class PretrainConfig {

  public static final Key MANIFEST = DataKeys.MANIFEST.describedAs(
      "CSV with a header, one row per image-report pair; paths relative to its folder, or absolute");
  public static final Key OUTPUT = Key.path("output", null, "folder for the model package; checkpoints go beside it, to its name + .checkpoints").directory().operational();
  public static final Key IMAGE_SIZE = TrainingKeys.IMAGE_SIZE.describedAs(
      "network input; images are stored at image_size*256/224 and randomly cropped");
  public static final Key BATCH_SIZE = TrainingKeys.BATCH_SIZE.describedAs(
      "pairs per step (paper: 512 per GPU); the last incomplete batch of an epoch is dropped");
  public static final Key WARMUP_STEPS = Key.integer("warmup_steps", "auto", "linear warm-up; auto = 5% of the run").atLeast(0).orAuto();
  public static final Key SCHEDULE = Key.choice("schedule", "cosine",
      "cosine (warm-up, cosine decay to min_lr) or restarts (SGDR, as the official code)", LearningRateSchedule.Kind.keys());
  public static final Key RESTART_PERIOD = Key.integer("restart_period", "auto",
      "steps per cycle with schedule=restarts; auto = 40% of an epoch").atLeast(1).orAuto();
  public static final Key MIN_LR = Key.number("min_lr", "1e-8", "learning rate at the end of a cosine cycle").atLeast(0);
  public static final Key LAMBDA_ORTH = Key.number("lambda_orth", "1", "weight of the orthogonality loss").atLeast(0);
  public static final Key ORTH_VARIANT = Key.choice("orth_variant", "official",
      "official (raw pooled features) or normalized (batch-standardised columns)", MFlagLoss.OrthVariant.keys());
  public static final Key LAMBDA_CONTRASTIVE = Key.number("lambda_contrastive", "0", "weight of an optional contrastive (InfoNCE)"
      + " term between image and report projections, our addition for retrieval and zero-shot; 0 = M-FLAG as published (no negatives)")
      .atLeast(0);
  public static final Key CONTRASTIVE_TEMPERATURE = Key.number("contrastive_temperature", "0.1",
      "temperature of the contrastive term (cosine similarities are divided by it)").above(0);
  public static final Key CHECKPOINT_EVERY = Key.integer("checkpoint_every", "100",
      "steps between checkpoints (also at each epoch end, on cancel, at the end)").atLeast(1).operational();
  public static final Key TEXT_MODEL = TextModels.TEXT_MODEL;
  public static final Key INIT_WEIGHTS = Key.path("init_weights", "",
      "start the encoder from a .npz with torchvision names, or imagenet (Keras' ImageNet weights, from import-weights;"
      + " needs encoder=resnet50_v1); empty = random");

  /** The parameters of {@code pretrain}, in the order {@code help} lists them. */
  public static final List<Key> KEYS = Collections.unmodifiableList(Arrays.asList(MANIFEST, DataKeys.IMAGE_COLUMN,
      DataKeys.TEXT_COLUMN.describedAs("column with the report text (the paper uses impression + findings)"), DataKeys.ID_COLUMN, OUTPUT,
      TrainingKeys.ENCODER, IMAGE_SIZE, BATCH_SIZE, TrainingKeys.EPOCHS, TrainingKeys.LR, TrainingKeys.WEIGHT_DECAY, WARMUP_STEPS,
      SCHEDULE, RESTART_PERIOD, MIN_LR, LAMBDA_ORTH, ORTH_VARIANT, LAMBDA_CONTRASTIVE, CONTRASTIVE_TEMPERATURE, TrainingKeys.SEED, TrainingKeys.RESUME, CHECKPOINT_EVERY,
      TEXT_MODEL, INIT_WEIGHTS, TrainingKeys.PRECISION, Devices.DEVICE, Cluster.CLUSTER, Cluster.RANK, Cluster.PORT, Cluster.TIMEOUT, DataKeys.WORKERS,
      DataKeys.ON_BAD_INPUT, DataKeys.CACHE_DIR, TrainingKeys.LOG_EVERY, TrainingKeys.MAX_STEPS, org.mflag.model.People.AUTHOR,
      org.mflag.model.People.AFFILIATION, org.mflag.model.People.ORCID, org.mflag.model.People.GITHUB_USER));

  private final Path manifest;
  private final String imageColumn;
  private final String textColumn;
  private final String idColumn;
  private final Path output;
  private final Architecture encoder;
  private final int imageSize;
  private final int batchSize;
  private final int epochs;
  private final double lr;
  private final double weightDecay;
  private final int warmupSteps;
  private final LearningRateSchedule.Kind schedule;
  private final int restartPeriod;
  private final double minLr;
  private final float lambdaOrth;
  private final MFlagLoss.OrthVariant orthVariant;
  private final float lambdaContrastive;
  private final float contrastiveTemperature;
  private final long seed;
  private final boolean resume;
  private final int checkpointEvery;
  private final String textModel;
  /** author, affiliation, orcid, github_user: who the package names. */
  private final Map<String, String> people;
  private final Path initWeights;
  private final Precision precision;
  private final DeviceRequest device;
  private final String cluster;
  private final String rank;
  private final int clusterPort;
  private final int clusterTimeout;
  private final int workers;
  private final BadInputPolicy onBadInput;
  private final Path cacheDir;
  private final int logEvery;
  private final long maxSteps;

  private PretrainConfig(Builder b) {
    manifest = b.manifest;
    imageColumn = b.imageColumn;
    textColumn = b.textColumn;
    idColumn = b.idColumn;
    output = b.output;
    encoder = b.encoder;
    imageSize = b.imageSize;
    batchSize = b.batchSize;
    epochs = b.epochs;
    lr = b.lr;
    weightDecay = b.weightDecay;
    warmupSteps = b.warmupSteps;
    schedule = b.schedule;
    restartPeriod = b.restartPeriod;
    minLr = b.minLr;
    lambdaOrth = b.lambdaOrth;
    orthVariant = b.orthVariant;
    lambdaContrastive = b.lambdaContrastive;
    contrastiveTemperature = b.contrastiveTemperature;
    seed = b.seed;
    resume = b.resume;
    checkpointEvery = b.checkpointEvery;
    textModel = b.textModel;
    people = b.people;
    initWeights = b.initWeights;
    device = b.parsedDevice;
    cluster = b.cluster;
    rank = b.rank;
    clusterPort = b.clusterPort;
    clusterTimeout = b.clusterTimeout;
    precision = b.precision;
    workers = b.workers;
    onBadInput = b.onBadInput;
    cacheDir = b.cacheDir;
    logEvery = b.logEvery;
    maxSteps = b.maxSteps;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Reads the {@link #KEYS} of a parsed command line (already checked by {@link KeyValues#parse}). */
  public static PretrainConfig fromKeyValues(KeyValues kv) {
    Builder b = builder()
        .setManifest(kv.path(MANIFEST))
        .setOutput(kv.path(OUTPUT))
        .optImageColumn(kv.string(DataKeys.IMAGE_COLUMN))
        .optTextColumn(kv.string(DataKeys.TEXT_COLUMN))
        .optIdColumn(kv.string(DataKeys.ID_COLUMN))
        .optEncoder(Architecture.fromKey(kv.string(TrainingKeys.ENCODER)))
        .optImageSize(kv.integer(IMAGE_SIZE))
        .optBatchSize(kv.integer(BATCH_SIZE))
        .optEpochs(kv.integer(TrainingKeys.EPOCHS))
        .optLr(kv.number(TrainingKeys.LR))
        .optWeightDecay(kv.number(TrainingKeys.WEIGHT_DECAY))
        .optSchedule(LearningRateSchedule.Kind.fromKey(kv.string(SCHEDULE)))
        .optMinLr(kv.number(MIN_LR))
        .optLambdaOrth((float) kv.number(LAMBDA_ORTH))
        .optOrthVariant(MFlagLoss.OrthVariant.fromKey(kv.string(ORTH_VARIANT)))
        .optContrastive((float) kv.number(LAMBDA_CONTRASTIVE), (float) kv.number(CONTRASTIVE_TEMPERATURE))
        .optSeed(kv.longValue(TrainingKeys.SEED))
        .optResume(kv.bool(TrainingKeys.RESUME))
        .optCheckpointEvery(kv.integer(CHECKPOINT_EVERY))
        .optTextModel(kv.string(TEXT_MODEL))
        .optPeople(org.mflag.model.People.of(kv))
        .optInitWeights(initWeights(kv))
        .optDevice(kv.string(Devices.DEVICE))
        .optCluster(kv.string(Cluster.CLUSTER), kv.string(Cluster.RANK), kv.integer(Cluster.PORT), kv.integer(Cluster.TIMEOUT))
        .optPrecision(Precision.fromKey(kv.string(TrainingKeys.PRECISION)))
        .optWorkers(kv.integer(DataKeys.WORKERS))
        .optOnBadInput(BadInputPolicy.fromKey(kv.string(DataKeys.ON_BAD_INPUT)))
        .optCacheDir(kv.path(DataKeys.CACHE_DIR))
        .optLogEvery(kv.integer(TrainingKeys.LOG_EVERY))
        .optMaxSteps(kv.longValue(TrainingKeys.MAX_STEPS));
    if (!kv.auto(WARMUP_STEPS)) b.optWarmupSteps(kv.integer(WARMUP_STEPS));
    if (!kv.auto(RESTART_PERIOD)) b.optRestartPeriod(kv.integer(RESTART_PERIOD));
    return b.build();
  }

  /** The file {@code init_weights} names; {@code imagenet} is the imported ImageNet file, for encoder=resnet50_v1 only. */
  private static Path initWeights(KeyValues kv) {
    if (!kv.string(INIT_WEIGHTS).equalsIgnoreCase(org.mflag.nn.ImageNetImport.NAME)) return kv.path(INIT_WEIGHTS);
    if (Architecture.fromKey(kv.string(TrainingKeys.ENCODER)) != Architecture.RESNET50_V1) {
      throw new IllegalArgumentException("init_weights=imagenet: the ImageNet weights are Keras' ResNet50 v1; give encoder=resnet50_v1");
    }
    return org.mflag.nn.ImageNetImport.location(kv.path(DataKeys.CACHE_DIR));
  }

  /** The effective value of every key, as text, in {@link #KEYS} order (for logs and metadata). */
  public Map<String, String> toKeyValues() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("manifest", manifest.toString());
    m.put("image_column", imageColumn);
    m.put("text_column", textColumn);
    m.put("id_column", idColumn);
    m.put("output", output.toString());
    m.put("encoder", encoder.key());
    m.put("image_size", Integer.toString(imageSize));
    m.put("batch_size", Integer.toString(batchSize));
    m.put("epochs", Integer.toString(epochs));
    m.put("lr", Double.toString(lr));
    m.put("weight_decay", Double.toString(weightDecay));
    m.put("warmup_steps", warmupSteps < 0 ? "auto" : Integer.toString(warmupSteps));
    m.put("schedule", schedule.key());
    m.put("restart_period", restartPeriod < 0 ? "auto" : Integer.toString(restartPeriod));
    m.put("min_lr", Double.toString(minLr));
    m.put("lambda_orth", Float.toString(lambdaOrth));
    m.put("orth_variant", orthVariant.key());
    m.put("lambda_contrastive", Float.toString(lambdaContrastive));
    m.put("contrastive_temperature", Float.toString(contrastiveTemperature));
    m.put("seed", Long.toString(seed));
    m.put("resume", Boolean.toString(resume));
    m.put("checkpoint_every", Integer.toString(checkpointEvery));
    m.put("text_model", textModel);
    m.put("init_weights", initWeights == null ? "" : initWeights.toString());
    m.put("precision", precision.key());
    m.put("device", device.toString());
    m.put("cluster", cluster);
    m.put("rank", rank);
    m.put("cluster_port", Integer.toString(clusterPort));
    m.put("cluster_timeout", Integer.toString(clusterTimeout));
    m.put("workers", Integer.toString(workers));
    m.put("on_bad_input", onBadInput.key());
    m.put("cache_dir", cacheDir.toString());
    m.put("log_every", Integer.toString(logEvery));
    m.put("max_steps", Long.toString(maxSteps));
    m.putAll(people);
    return m;
  }

  /** The keys that determine the run's result; a resume must match them. */
  public Map<String, String> fingerprint() {
    return Checkpoints.fingerprint(toKeyValues(), KEYS);
  }

  /** Warm-up steps for a run of {@code totalSteps}. */
  public long warmupSteps(long totalSteps) {
    return warmupSteps >= 0 ? warmupSteps : Math.round(totalSteps * 0.05);
  }

  public LearningRateSchedule schedule(long totalSteps, int stepsPerEpoch) {
    long warm = warmupSteps(totalSteps);
    if (schedule == LearningRateSchedule.Kind.RESTARTS) {
      long period = restartPeriod > 0 ? restartPeriod : Math.max(1, Math.round(stepsPerEpoch * 0.4));
      return LearningRateSchedule.warmRestarts(lr, warm, period, minLr);
    }
    return LearningRateSchedule.cosineWithWarmup(lr, warm, totalSteps, minLr);
  }

  public Path manifest() { return manifest; }
  public String imageColumn() { return imageColumn; }
  public String textColumn() { return textColumn; }
  public String idColumn() { return idColumn; }
  public Path output() { return output; }
  public Architecture encoder() { return encoder; }
  public int imageSize() { return imageSize; }
  public int batchSize() { return batchSize; }
  public int epochs() { return epochs; }
  public double lr() { return lr; }
  public double weightDecay() { return weightDecay; }
  public double minLr() { return minLr; }
  public float lambdaOrth() { return lambdaOrth; }
  public MFlagLoss.OrthVariant orthVariant() { return orthVariant; }
  public float lambdaContrastive() { return lambdaContrastive; }
  public float contrastiveTemperature() { return contrastiveTemperature; }

  /** The loss of the keys' defaults: M-FLAG as published. */
  static MFlagLoss defaultLoss() {
    return new MFlagLoss((float) LAMBDA_ORTH.defaultNumber(), MFlagLoss.OrthVariant.fromKey(ORTH_VARIANT.defaultValue()),
        (float) LAMBDA_CONTRASTIVE.defaultNumber(), (float) CONTRASTIVE_TEMPERATURE.defaultNumber());
  }

  /** The loss this run trains with. */
  public MFlagLoss loss() {
    return new MFlagLoss(lambdaOrth, orthVariant, lambdaContrastive, contrastiveTemperature);
  }
  public long seed() { return seed; }
  public boolean resume() { return resume; }
  public int checkpointEvery() { return checkpointEvery; }
  public String textModel() { return textModel; }

  public Map<String, String> people() { return people; }
  public Path initWeights() { return initWeights; }
  /** The {@code device} value, parsed (and checked against batch_size) when the config was built. */
  public DeviceRequest device() { return device; }
  /** The cluster this process is a task of (SLURM's variables for {@code auto}), or null when it trains alone. */
  public Cluster cluster() { return Cluster.resolve(cluster, rank, clusterPort, System.getenv()); }
  /** Seconds a task waits for the others within a step. */
  public int clusterTimeout() { return clusterTimeout; }
  public Precision precision() { return precision; }
  public int workers() { return workers; }
  public BadInputPolicy onBadInput() { return onBadInput; }
  public Path cacheDir() { return cacheDir; }
  public int logEvery() { return logEvery; }
  public long maxSteps() { return maxSteps; }

  /** {@code set...} for required values, {@code opt...} for the rest; {@link #build()} validates. */
  public static final class Builder {
    private Path manifest;
    private String imageColumn = DataKeys.IMAGE_COLUMN.defaultValue();
    private String textColumn = DataKeys.TEXT_COLUMN.defaultValue();
    private String idColumn = DataKeys.ID_COLUMN.defaultValue();
    private Path output;
    private Architecture encoder = Architecture.fromKey(TrainingKeys.ENCODER.defaultValue());
    private int imageSize = IMAGE_SIZE.defaultInteger();
    private int batchSize = BATCH_SIZE.defaultInteger();
    private int epochs = TrainingKeys.EPOCHS.defaultInteger();
    private double lr = TrainingKeys.LR.defaultNumber();
    private double weightDecay = TrainingKeys.WEIGHT_DECAY.defaultNumber();
    private int warmupSteps = -1;
    private LearningRateSchedule.Kind schedule = LearningRateSchedule.Kind.fromKey(SCHEDULE.defaultValue());
    private int restartPeriod = -1;
    private double minLr = MIN_LR.defaultNumber();
    private float lambdaOrth = (float) LAMBDA_ORTH.defaultNumber();
    private MFlagLoss.OrthVariant orthVariant = MFlagLoss.OrthVariant.fromKey(ORTH_VARIANT.defaultValue());
    private float lambdaContrastive = (float) LAMBDA_CONTRASTIVE.defaultNumber();
    private float contrastiveTemperature = (float) CONTRASTIVE_TEMPERATURE.defaultNumber();
    private long seed = TrainingKeys.SEED.defaultInteger();
    private boolean resume = TrainingKeys.RESUME.defaultBoolean();
    private int checkpointEvery = CHECKPOINT_EVERY.defaultInteger();
    private String textModel = TEXT_MODEL.defaultValue();
    private Map<String, String> people = defaultPeople();
    private Path initWeights;
    private String device = Devices.DEVICE.defaultValue();
    /** {@code device} as {@link #build} parsed it. */
    private DeviceRequest parsedDevice;
    private String cluster = Cluster.CLUSTER.defaultValue();
    private String rank = Cluster.RANK.defaultValue();
    private int clusterPort = Cluster.PORT.defaultInteger();
    private int clusterTimeout = Cluster.TIMEOUT.defaultInteger();
    private Precision precision = Precision.fromKey(TrainingKeys.PRECISION.defaultValue());
    private int workers = DataKeys.WORKERS.defaultInteger();
    private BadInputPolicy onBadInput = BadInputPolicy.fromKey(DataKeys.ON_BAD_INPUT.defaultValue());
    private Path cacheDir = org.mflag.config.CacheFolder.defaultFolder();
    private int logEvery = TrainingKeys.LOG_EVERY.defaultInteger();
    private long maxSteps = TrainingKeys.MAX_STEPS.defaultInteger();

    private Builder() {}

    public Builder setManifest(Path v) { manifest = v; return this; }
    public Builder setOutput(Path v) { output = v; return this; }
    public Builder optImageColumn(String v) { imageColumn = v; return this; }
    public Builder optTextColumn(String v) { textColumn = v; return this; }
    public Builder optIdColumn(String v) { idColumn = v; return this; }
    public Builder optEncoder(Architecture v) { encoder = v; return this; }
    public Builder optImageSize(int v) { imageSize = v; return this; }
    public Builder optBatchSize(int v) { batchSize = v; return this; }
    public Builder optEpochs(int v) { epochs = v; return this; }
    public Builder optLr(double v) { lr = v; return this; }
    public Builder optWeightDecay(double v) { weightDecay = v; return this; }
    public Builder optWarmupSteps(int v) { warmupSteps = v; return this; }
    public Builder optSchedule(LearningRateSchedule.Kind v) { schedule = v; return this; }
    public Builder optRestartPeriod(int v) { restartPeriod = v; return this; }
    public Builder optMinLr(double v) { minLr = v; return this; }
    public Builder optLambdaOrth(float v) { lambdaOrth = v; return this; }
    public Builder optOrthVariant(MFlagLoss.OrthVariant v) { orthVariant = v; return this; }
    public Builder optContrastive(float weight, float temperature) { lambdaContrastive = weight; contrastiveTemperature = temperature; return this; }
    public Builder optSeed(long v) { seed = v; return this; }
    public Builder optResume(boolean v) { resume = v; return this; }
    public Builder optCheckpointEvery(int v) { checkpointEvery = v; return this; }
    public Builder optTextModel(String v) { textModel = v; return this; }

    public Builder optPeople(Map<String, String> v) { people = new LinkedHashMap<>(v); return this; }

    private static Map<String, String> defaultPeople() {
      Map<String, String> m = new LinkedHashMap<>();
      for (Key k : org.mflag.model.People.KEYS) m.put(k.name(), k.defaultValue());
      return m;
    }
    public Builder optInitWeights(Path v) { initWeights = v; return this; }
    public Builder optDevice(String v) { device = v; return this; }
    /** Pre-training across processes: the {@code cluster}, {@code rank}, {@code cluster_port} and {@code cluster_timeout} values. */
    public Builder optCluster(String addresses, String task, int port, int timeoutSeconds) {
      cluster = addresses;
      rank = task;
      clusterPort = port;
      clusterTimeout = timeoutSeconds;
      return this;
    }
    public Builder optPrecision(Precision v) { precision = v; return this; }
    public Builder optWorkers(int v) { workers = v; return this; }
    public Builder optOnBadInput(BadInputPolicy v) { onBadInput = v; return this; }
    public Builder optCacheDir(Path v) { cacheDir = v; return this; }
    public Builder optLogEvery(int v) { logEvery = v; return this; }
    public Builder optMaxSteps(long v) { maxSteps = v; return this; }

    /** Checks every value with its key's declaration (the same messages as the launcher's), then the keys together. */
    public PretrainConfig build() {
      if (manifest == null) throw new IllegalArgumentException("manifest is required");
      if (output == null) throw new IllegalArgumentException("output is required");
      IMAGE_SIZE.checkValue(imageSize);
      BATCH_SIZE.checkValue(batchSize);
      TrainingKeys.EPOCHS.checkValue(epochs);
      TrainingKeys.LR.checkValue(lr);
      TrainingKeys.WEIGHT_DECAY.checkValue(weightDecay);
      MIN_LR.checkValue(minLr);
      LAMBDA_ORTH.checkValue(lambdaOrth);
      LAMBDA_CONTRASTIVE.checkValue(lambdaContrastive);
      CONTRASTIVE_TEMPERATURE.checkValue(contrastiveTemperature);
      CHECKPOINT_EVERY.checkValue(checkpointEvery);
      DataKeys.WORKERS.checkValue(workers);
      TrainingKeys.LOG_EVERY.checkValue(logEvery);
      TrainingKeys.MAX_STEPS.checkValue(maxSteps);
      if (warmupSteps >= 0) WARMUP_STEPS.checkValue(warmupSteps);
      if (restartPeriod >= 0) RESTART_PERIOD.checkValue(restartPeriod);
      DataKeys.IMAGE_COLUMN.checkValue(imageColumn);
      DataKeys.TEXT_COLUMN.checkValue(textColumn);
      DataKeys.ID_COLUMN.checkValue(idColumn);
      Cluster.RANK.checkValue(rank);
      Cluster.PORT.checkValue(clusterPort);
      Cluster.TIMEOUT.checkValue(clusterTimeout);
      // the devices must share each batch evenly: known from the value and the cluster, checked before TensorFlow loads
      parsedDevice = DeviceRequest.parse(device);
      Cluster c = Cluster.resolve(cluster, rank, clusterPort, System.getenv());
      parsedDevice.requireDivides(batchSize, c == null ? 1 : c.size());
      if (minLr > lr) throw new IllegalArgumentException("min_lr=" + minLr + ": must not exceed lr=" + lr);
      return new PretrainConfig(this);
    }
  }
}
