package org.mflag.infer;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.data.DataConfig;
import org.mflag.data.DataKeys;
import org.mflag.runtime.DeviceRequest;
import org.mflag.runtime.Devices;

/**
 * An {@code evaluate} run, immutable: the package, the manifest's split to score, the thresholds ({@code auto}: the
 * package's) and where the metrics go. Its keys are declared here and read once, by {@link #of}, before anything is
 * loaded.
 */
public final class EvaluateConfig {

  public static final Key MODEL = InferenceKeys.MODEL.describedAs(
      "fine-tuned model package folder (from finetune-segmenter, -classifier or -detector)");
  public static final Key SPLIT = Key.choice("split", "test", "rows to score: train, val, test or all", "train", "val", "test", "all");
  public static final Key OUTPUT = Key.path("output", "", "folder for metrics.json and metrics.csv; empty = <model>/evaluation-<split> (beside a .zip model)")
      .directory();
  public static final Key BATCH_SIZE = Key.integer("batch_size", "16", "images per inference call").atLeast(1);

  /** The keys of {@code evaluate}, in the order {@code help} lists them. */
  public static final List<Key> KEYS = Collections.unmodifiableList(Arrays.asList(MODEL, DataKeys.MANIFEST, SPLIT, OUTPUT,
      DataKeys.IMAGE_COLUMN, DataKeys.ID_COLUMN,
      DataKeys.SPLIT_COLUMN.describedAs("manifest column with train/val/test; without it the model's split.csv is used"),
      DataKeys.MASK_COLUMN, DataKeys.IGNORE_VALUE, DataKeys.LABEL_COLUMN, DataKeys.LABEL_COLUMNS,
      DataKeys.BOXES.withDefault("").describedAs("detection: COCO JSON file with the true boxes (required to evaluate a detector)"),
      InferenceKeys.modelsValue(InferenceKeys.THRESHOLD), InferenceKeys.modelsValue(InferenceKeys.CONFIDENCE),
      InferenceKeys.modelsValue(InferenceKeys.NMS_IOU), BATCH_SIZE, Devices.DEVICE, DataKeys.WORKERS, DataKeys.ON_BAD_INPUT));

  private final Path model;
  private final DataConfig data;
  private final String split;
  private final Path output;
  private final double threshold;
  private final double confidence;
  private final double nmsIou;
  private final int batchSize;
  private final DeviceRequest device;

  private EvaluateConfig(KeyValues kv) {
    model = kv.path(MODEL);
    data = DataConfig.of(kv);
    split = kv.string(SPLIT);
    output = kv.path(OUTPUT);
    threshold = kv.number(InferenceKeys.THRESHOLD, Double.NaN);
    confidence = kv.number(InferenceKeys.CONFIDENCE, Double.NaN);
    nmsIou = kv.number(InferenceKeys.NMS_IOU, Double.NaN);
    batchSize = kv.integer(BATCH_SIZE);
    device = DeviceRequest.parse(kv.string(Devices.DEVICE));
  }

  /** Reads parsed arguments, which must have been parsed with {@link #KEYS}. */
  public static EvaluateConfig of(KeyValues kv) {
    return new EvaluateConfig(kv);
  }

  /** For scripts: the same keys as the launcher, as a map. */
  public static EvaluateConfig of(Map<String, String> values) {
    return new EvaluateConfig(KeyValues.of("evaluate", KEYS, values));
  }

  public Path model() {
    return model;
  }

  public DataConfig data() {
    return data;
  }

  /** train, val, test or all. */
  public String split() {
    return split;
  }

  /** The metrics folder, or null for the default beside the model. */
  public Path output() {
    return output;
  }

  /** The threshold, confidence and NMS IoU given, NaN where the package's apply. */
  public double threshold() {
    return threshold;
  }

  public double confidence() {
    return confidence;
  }

  public double nmsIou() {
    return nmsIou;
  }

  public int batchSize() {
    return batchSize;
  }

  public DeviceRequest device() {
    return device;
  }
}
