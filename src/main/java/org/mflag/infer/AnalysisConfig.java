package org.mflag.infer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.data.DataConfig;
import org.mflag.data.DataKeys;
import org.mflag.runtime.DeviceRequest;
import org.mflag.runtime.Devices;

/**
 * An analysis of a manifest's images with one package ({@code ./mflag segment|classify|detect|embed|zero-shot} and the
 * {@code spark-} jobs), immutable: the job, the package, the manifest and its columns, the output, the inference options
 * and the device, read once from the keys by {@link #of}, before anything is loaded. The Spark keys (master, format,
 * chunks, partitions) are declared here so that every table lists them, and read by the Spark job itself.
 */
public final class AnalysisConfig {

  public static final Key OUTPUT = Key.path("output", null, "folder for the results (and masks/); a re-run into it "
      + "analyses only the images without a row").directory();
  public static final Key BATCH_SIZE = Key.integer("batch_size", "8", "images per network call").atLeast(1);
  public static final Key MASKS = Key.bool("masks", "true", "segment: write each mask as masks/<id>.png (8-bit 0/255)");

  /** The keys the Spark jobs ({@code org.mflag.spark.SparkAnalysis}) add; declared here so that every table lists them. */
  public static final Key MASTER = Key.text("master", "local[*]", "Spark master; local[*]: every core of this machine, "
      + "no cluster; under spark-submit its --master is used instead");
  public static final Key FORMAT = Key.choice("format", "parquet", "results as Parquet (results.parquet/) or CSV "
      + "(results-csv/: part files with a header, arrays as a;b;c)", "parquet", "csv");
  public static final Key CHUNK_SIZE = Key.integer("chunk_size", "10000", "images per Spark job; each job's rows are "
      + "committed together, so a stopped run loses at most one chunk").atLeast(1);
  public static final Key PARTITIONS = Key.integer("partitions", "auto", "partitions per chunk; auto = Spark's default "
      + "parallelism (the cores)").atLeast(1).orAuto();

  /** The keys of {@code spark-<job>}: those of {@code <job>} and the Spark ones. */
  public static List<Key> sparkKeys(Job job) {
    List<Key> k = new ArrayList<>(keys(job));
    k.addAll(Arrays.asList(MASTER, FORMAT, CHUNK_SIZE, PARTITIONS));
    return Collections.unmodifiableList(k);
  }

  /** The keys of a job: the model, the manifest and its columns, the output, the job's own decision keys, the device. */
  public static List<Key> keys(Job job) {
    List<Key> k = new ArrayList<>(Arrays.asList(InferenceKeys.MODEL.describedAs(job.needsEncoder()
        ? "encoder package folder or .zip (from pretrain)" : "model package folder (from finetune-"
        + job.task.modelName() + ")"), DataKeys.MANIFEST.describedAs("CSV file with one row per image, paths relative to its folder or absolute (spark-*: or a .parquet file)"),
        OUTPUT, DataKeys.IMAGE_COLUMN, DataKeys.ID_COLUMN.describedAs("manifest column with a unique id per image; "
        + "without it the image path is the id")));
    switch (job) {
      case SEGMENT:
        k.addAll(Arrays.asList(InferenceKeys.modelsValue(InferenceKeys.THRESHOLD), InferenceKeys.SCALE, InferenceKeys.OVERLAP, MASKS));
        break;
      case DETECT:
        k.addAll(Arrays.asList(InferenceKeys.modelsValue(InferenceKeys.CONFIDENCE), InferenceKeys.modelsValue(InferenceKeys.NMS_IOU)));
        break;
      case ZERO_SHOT:
        k.addAll(ZeroShotConfig.KEYS);
        break;
      default:
        break;
    }
    k.addAll(Arrays.asList(BATCH_SIZE, Devices.DEVICE, Engine.ENGINE));
    return Collections.unmodifiableList(k);
  }

  private final Job job;
  private final Path model;
  private final DataConfig data;
  private final Path output;
  private final boolean masks;
  private final InferenceOptions inference;
  private final DeviceRequest device;
  private final ZeroShotConfig zeroShot;

  private AnalysisConfig(Job job, KeyValues kv) throws IOException {
    this.job = job;
    model = kv.path(InferenceKeys.MODEL);
    data = DataConfig.of(kv);
    output = kv.path(OUTPUT);
    masks = job == Job.SEGMENT && kv.bool(MASKS);
    inference = InferenceOptions.of(job, kv);
    device = DeviceRequest.parse(kv.string(Devices.DEVICE));
    zeroShot = job == Job.ZERO_SHOT ? ZeroShotConfig.of(kv) : null;
  }

  /** Reads parsed arguments, which must have been parsed with {@link #keys(Job)} or {@link #sparkKeys(Job)}. */
  public static AnalysisConfig of(Job job, KeyValues kv) throws IOException {
    return new AnalysisConfig(job, kv);
  }

  public Job job() {
    return job;
  }

  /** The package folder or .zip. */
  public Path model() {
    return model;
  }

  /** The manifest and its columns. */
  public DataConfig data() {
    return data;
  }

  /** The results folder. */
  public Path output() {
    return output;
  }

  /** Segmentation: whether each mask is written under {@code output/masks/}. */
  public boolean masks() {
    return masks;
  }

  /** Thresholds, scale, overlap and batch (mask files and zero-shot prompts are added by {@link ManifestAnalysis#options}). */
  public InferenceOptions inference() {
    return inference;
  }

  public DeviceRequest device() {
    return device;
  }

  /** Zero-shot's prompts and scoring, or null for the other jobs. */
  public ZeroShotConfig zeroShot() {
    return zeroShot;
  }
}
