package org.mflag.train;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mflag.config.CommonKeys;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.data.BadInputPolicy;
import org.mflag.loss.MFlagLoss;
import org.mflag.nn.Architecture;
import org.mflag.text.TextModels;

/**
 * Everything a pre-training run needs, immutable. Built from {@code key=value} arguments
 * ({@link #fromKeyValues}), from a Fiji command, or with the {@link Builder} from Java.
 * Defaults are the paper's (MFLAG.md) except the batch size and the image size, which are
 * chosen for a workstation.
 */
public final class PretrainConfig {

  /** The parameters of {@code pretrain}, in the order {@code help} lists them. */
  public static final List<Key> KEYS = Collections.unmodifiableList(Arrays.asList(
      Key.of("manifest", null, "CSV file with one row per image-report pair (paths relative to its folder)"),
      CommonKeys.IMAGE_COLUMN,
      CommonKeys.TEXT_COLUMN,
      CommonKeys.ID_COLUMN,
      Key.of("output", null, "folder for the model package and checkpoints"),
      Key.choice("encoder", "resnet50", "image encoder", Architecture.keys()),
      Key.of("image_size", "224", "network input size in pixels (images are stored at image_size*256/224 and cropped)"),
      Key.of("batch_size", "16", "pairs per training step (paper: 512 per GPU)"),
      Key.of("epochs", "50", "passes over the data"),
      Key.of("lr", "2e-5", "peak learning rate of AdamW"),
      Key.of("weight_decay", "0.05", "AdamW's decoupled weight decay"),
      Key.of("warmup_steps", "auto", "linear warm-up steps; auto = 5% of the run"),
      Key.choice("schedule", "cosine", "cosine (warm-up then cosine decay) or restarts (cosine with warm restarts)", "cosine", "restarts"),
      Key.of("restart_period", "auto", "steps per cosine cycle for schedule=restarts; auto = 40% of an epoch, as the official code"),
      Key.of("min_lr", "1e-8", "learning rate at the end of each cosine cycle"),
      Key.of("lambda_orth", "1", "weight of the orthogonality loss"),
      Key.choice("orth_variant", "official", "official (raw pooled features) or normalized (batch-standardised columns)", "official", "normalized"),
      Key.of("seed", "42", "seed of initialisation, data order and augmentation"),
      Key.of("resume", "false", "continue from the last checkpoint in output/checkpoints"),
      Key.of("checkpoint_every", "100", "steps between checkpoints (one is also written at each epoch end, on cancel and at the end)"),
      Key.of("text_model", TextModels.DEFAULT, "frozen language model: " + TextModels.DEFAULT + ", a SavedModel folder, or a .csv of precomputed embeddings keyed by row id"),
      Key.of("init_weights", "", "start the encoder from these weights (.npz with torchvision names); empty = random"),
      CommonKeys.WORKERS,
      Key.choice("on_bad_input", "skip", "skip (warn, list in output/skipped.csv, go on) or fail (stop at the first bad pair)", "skip", "fail"),
      CommonKeys.CACHE_DIR,
      Key.of("log_every", "10", "steps between log lines"),
      Key.of("max_steps", "0", "stop (with a checkpoint) after this global step; 0 = run all epochs")));

  /** Keys that do not change the result of a run: they may differ between a run and its resume. */
  static final List<String> NOT_FINGERPRINTED = Arrays.asList("output", "resume", "checkpoint_every", "workers", "on_bad_input",
      "cache_dir", "log_every", "max_steps");

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
  private final long seed;
  private final boolean resume;
  private final int checkpointEvery;
  private final String textModel;
  private final Path initWeights;
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
    seed = b.seed;
    resume = b.resume;
    checkpointEvery = b.checkpointEvery;
    textModel = b.textModel;
    initWeights = b.initWeights;
    workers = b.workers;
    onBadInput = b.onBadInput;
    cacheDir = b.cacheDir;
    logEvery = b.logEvery;
    maxSteps = b.maxSteps;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Reads the {@link #KEYS} of a parsed command line. */
  public static PretrainConfig fromKeyValues(KeyValues kv) {
    Builder b = builder()
        .setManifest(kv.path("manifest"))
        .setOutput(kv.path("output"))
        .optImageColumn(kv.string("image_column"))
        .optTextColumn(kv.string("text_column"))
        .optIdColumn(kv.string("id_column"))
        .optEncoder(Architecture.fromKey(kv.string("encoder")))
        .optImageSize(kv.integer("image_size", 32))
        .optBatchSize(kv.integer("batch_size", 2))
        .optEpochs(kv.integer("epochs", 1))
        .optLr(kv.number("lr", 0))
        .optWeightDecay(kv.number("weight_decay", 0))
        .optSchedule(LearningRateSchedule.Kind.fromKey(kv.string("schedule")))
        .optMinLr(kv.number("min_lr", 0))
        .optLambdaOrth((float) kv.number("lambda_orth", 0))
        .optOrthVariant(MFlagLoss.OrthVariant.fromKey(kv.string("orth_variant")))
        .optSeed(kv.longValue("seed"))
        .optResume(kv.bool("resume"))
        .optCheckpointEvery(kv.integer("checkpoint_every", 1))
        .optTextModel(kv.string("text_model"))
        .optInitWeights(kv.path("init_weights"))
        .optWorkers(kv.integer("workers", 1))
        .optOnBadInput(BadInputPolicy.fromKey(kv.string("on_bad_input")))
        .optCacheDir(kv.path("cache_dir"))
        .optLogEvery(kv.integer("log_every", 1))
        .optMaxSteps(kv.integer("max_steps", 0));
    if (!"auto".equals(kv.string("warmup_steps"))) b.optWarmupSteps(kv.integer("warmup_steps", 0));
    if (!"auto".equals(kv.string("restart_period"))) b.optRestartPeriod(kv.integer("restart_period", 1));
    return b.build();
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
    m.put("seed", Long.toString(seed));
    m.put("resume", Boolean.toString(resume));
    m.put("checkpoint_every", Integer.toString(checkpointEvery));
    m.put("text_model", textModel);
    m.put("init_weights", initWeights == null ? "" : initWeights.toString());
    m.put("workers", Integer.toString(workers));
    m.put("on_bad_input", onBadInput.key());
    m.put("cache_dir", cacheDir.toString());
    m.put("log_every", Integer.toString(logEvery));
    m.put("max_steps", Long.toString(maxSteps));
    return m;
  }

  /** The keys that determine the run's result; a resume must match them. */
  public Map<String, String> fingerprint() {
    Map<String, String> m = toKeyValues();
    m.keySet().removeAll(NOT_FINGERPRINTED);
    m.remove("manifest"); // the manifest is compared by content hash instead
    return m;
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
  public long seed() { return seed; }
  public boolean resume() { return resume; }
  public int checkpointEvery() { return checkpointEvery; }
  public String textModel() { return textModel; }
  public Path initWeights() { return initWeights; }
  public int workers() { return workers; }
  public BadInputPolicy onBadInput() { return onBadInput; }
  public Path cacheDir() { return cacheDir; }
  public int logEvery() { return logEvery; }
  public long maxSteps() { return maxSteps; }

  /** {@code set...} for required values, {@code opt...} for the rest; {@link #build()} validates. */
  public static final class Builder {
    private Path manifest;
    private String imageColumn = "image";
    private String textColumn = "report";
    private String idColumn = "id";
    private Path output;
    private Architecture encoder = Architecture.RESNET50;
    private int imageSize = 224;
    private int batchSize = 16;
    private int epochs = 50;
    private double lr = 2e-5;
    private double weightDecay = 0.05;
    private int warmupSteps = -1;
    private LearningRateSchedule.Kind schedule = LearningRateSchedule.Kind.COSINE;
    private int restartPeriod = -1;
    private double minLr = 1e-8;
    private float lambdaOrth = 1f;
    private MFlagLoss.OrthVariant orthVariant = MFlagLoss.OrthVariant.OFFICIAL;
    private long seed = 42;
    private boolean resume;
    private int checkpointEvery = 100;
    private String textModel = TextModels.DEFAULT;
    private Path initWeights;
    private int workers = 2;
    private BadInputPolicy onBadInput = BadInputPolicy.SKIP;
    private Path cacheDir = Path.of(System.getProperty("user.home"), ".cache", "mflag");
    private int logEvery = 10;
    private long maxSteps;

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
    public Builder optSeed(long v) { seed = v; return this; }
    public Builder optResume(boolean v) { resume = v; return this; }
    public Builder optCheckpointEvery(int v) { checkpointEvery = v; return this; }
    public Builder optTextModel(String v) { textModel = v; return this; }
    public Builder optInitWeights(Path v) { initWeights = v; return this; }
    public Builder optWorkers(int v) { workers = v; return this; }
    public Builder optOnBadInput(BadInputPolicy v) { onBadInput = v; return this; }
    public Builder optCacheDir(Path v) { cacheDir = v; return this; }
    public Builder optLogEvery(int v) { logEvery = v; return this; }
    public Builder optMaxSteps(long v) { maxSteps = v; return this; }

    public PretrainConfig build() {
      if (manifest == null) throw new IllegalArgumentException("manifest is required");
      if (output == null) throw new IllegalArgumentException("output is required");
      if (imageSize < 32) throw new IllegalArgumentException("image_size=" + imageSize + ": must be >= 32");
      if (batchSize < 2) throw new IllegalArgumentException("batch_size=" + batchSize + ": must be >= 2 (batch norm needs two samples)");
      if (epochs < 1) throw new IllegalArgumentException("epochs=" + epochs + ": must be >= 1");
      if (!(lr > 0)) throw new IllegalArgumentException("lr=" + lr + ": must be > 0");
      if (minLr > lr) throw new IllegalArgumentException("min_lr=" + minLr + ": must not exceed lr=" + lr);
      if (checkpointEvery < 1) throw new IllegalArgumentException("checkpoint_every=" + checkpointEvery + ": must be >= 1");
      if (workers < 1) throw new IllegalArgumentException("workers=" + workers + ": must be >= 1");
      if (logEvery < 1) throw new IllegalArgumentException("log_every=" + logEvery + ": must be >= 1");
      if (maxSteps < 0) throw new IllegalArgumentException("max_steps=" + maxSteps + ": must be >= 0");
      for (String c : new String[] {imageColumn, textColumn, idColumn}) {
        if (c == null || c.isBlank()) throw new IllegalArgumentException("column names must not be empty");
      }
      return new PretrainConfig(this);
    }
  }
}
