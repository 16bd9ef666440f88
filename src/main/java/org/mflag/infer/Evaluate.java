package org.mflag.infer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.config.Task;
import org.mflag.data.BadInputPolicy;
import org.mflag.data.DataKeys;
import org.mflag.data.DatasetException;
import org.mflag.data.ImageDecoder;
import org.mflag.data.Manifest;
import org.mflag.data.Split;
import org.mflag.data.Splits;
import org.mflag.data.TaskData;
import org.mflag.data.TaskDataset;
import org.mflag.eval.MetricsReport;
import org.mflag.model.ModelPackage;
import org.mflag.model.ModelPackageException;
import org.mflag.model.SavedModelPredictor;
import org.mflag.model.TaskGraph;
import org.mflag.runtime.Devices;
import org.scijava.log.Logger;

/**
 * {@code evaluate}: scores a fine-tuned model package on one split of a manifest, through the
 * exported SavedModel (DJL), with the task's metrics ({@link MetricsReport}). The rows of the split
 * come from the manifest's {@code split_column} when it has one, else from the {@code split.csv} the
 * fine-tuning run saved next to the model. Thresholds default to the package's.
 */
public final class Evaluate {

  public static final Key MODEL = InferenceKeys.MODEL.describedAs(
      "fine-tuned model package folder (from finetune-segmenter, -classifier or -detector)");
  public static final Key SPLIT = Key.choice("split", "test", "rows to score: train, val, test or all", "train", "val", "test", "all");
  public static final Key OUTPUT = Key.path("output", "", "folder for metrics.json and metrics.csv; empty = <model>/evaluation-<split> (beside a .zip model)")
      .directory();
  public static final Key BATCH_SIZE = Key.integer("batch_size", "16", "images per inference call").atLeast(1);

  public static final List<Key> KEYS = Collections.unmodifiableList(Arrays.asList(MODEL, DataKeys.MANIFEST, SPLIT, OUTPUT,
      DataKeys.IMAGE_COLUMN, DataKeys.ID_COLUMN,
      DataKeys.SPLIT_COLUMN.describedAs("manifest column with train/val/test; without it the model's split.csv is used"),
      DataKeys.MASK_COLUMN, DataKeys.IGNORE_VALUE, DataKeys.LABEL_COLUMN, DataKeys.LABEL_COLUMNS,
      DataKeys.BOXES.withDefault("").describedAs("detection: COCO JSON file with the true boxes (required to evaluate a detector)"),
      InferenceKeys.modelsValue(InferenceKeys.THRESHOLD), InferenceKeys.modelsValue(InferenceKeys.CONFIDENCE),
      InferenceKeys.modelsValue(InferenceKeys.NMS_IOU), BATCH_SIZE, Devices.DEVICE, DataKeys.WORKERS, DataKeys.ON_BAD_INPUT));

  private Evaluate() {}

  /** Evaluates and writes {@code metrics.json} and {@code metrics.csv}; returns the metrics. */
  public static MetricsReport run(KeyValues kv, ImageDecoder decoder, Logger log)
      throws ModelPackageException, DatasetException, IOException {
    Devices.Plan devices = Devices.resolve(kv.string(Devices.DEVICE));
    log.info("device: " + devices.describe());
    ModelPackage p = ModelPackage.open(kv.path(MODEL));
    Task task;
    try {
      task = Task.fromKey(p.task());
    } catch (IllegalArgumentException e) {
      throw new ModelPackageException(p.source() + ": task '" + p.task() + "' is not a fine-tuned task (segmentation, classification, detection)");
    }
    if (task == Task.DETECTION && kv.path(DataKeys.BOXES) == null) {
      throw new IllegalArgumentException("boxes: required to evaluate a detector");
    }
    Manifest m = Manifest.read(kv.path(DataKeys.MANIFEST), kv.string(DataKeys.ID_COLUMN), kv.string(DataKeys.IMAGE_COLUMN));
    String splitColumn = kv.string(DataKeys.SPLIT_COLUMN);
    Map<String, Split> splits;
    if (!splitColumn.isEmpty() && m.columns().contains(splitColumn)) {
      splits = Splits.assign(m, splitColumn, "", 0, 0, 0);
    } else if (p.splitFile() != null) {
      splits = Splits.read(p.splitFile());
      log.info("rows per split from " + p.splitFile());
    } else {
      throw new DatasetException("manifest " + m.file() + " has no split_column '" + splitColumn + "' and " + p.source()
          + " records no split file with its sha256 (config.mflag.data.split_file; packages before 2026-11-26 do not): say which rows"
          + " to score with split_column");
    }
    String which = kv.string(SPLIT);
    List<Split> wanted = which.equals("all") ? null : List.of(Split.parse(which));
    int size = p.imageSize();
    TaskData td = TaskData.of(task, kv, m, size, p.classes());
    TaskDataset data = TaskDataset.open(m, splits, wanted, td.options.optWorkers(kv.integer(DataKeys.WORKERS))
        .optOnBadInput(BadInputPolicy.fromKey(kv.string(DataKeys.ON_BAD_INPUT))), decoder, log);
    if (data.samples().isEmpty()) throw new DatasetException("manifest " + m.file() + ": no usable rows in split '" + which + "'");
    Scorer.Decision decision = decision(kv, p);
    MetricsReport e;
    try (SavedModelPredictor predictor = p.savedModelPredictor(devices)) {
      String out = TaskGraph.outputName(task);
      e = new Scorer(task, td, size, kv.integer(BATCH_SIZE)).score(data.samples(), (images, n) -> predictor.predict(images, n, out),
          decision);
    }
    Path dir = kv.path(OUTPUT) != null ? kv.path(OUTPUT) : java.nio.file.Files.isDirectory(p.source())
        ? p.source().resolve("evaluation-" + which)
        : p.source().resolveSibling(p.source().getFileName().toString().replaceFirst("(?i)\\.zip$", "") + "-evaluation-" + which);
    Map<String, String> about = new LinkedHashMap<>();
    about.put("model", p.source().toString());
    about.put("task", task.key());
    about.put("manifest", m.file().toString());
    about.put("manifest_sha256", m.sha256());
    about.put("split", which);
    e.write(dir, about);
    log.info("metrics written to " + dir.resolve("metrics.json") + " and " + dir.resolve("metrics.csv"));
    return e;
  }

  /** The given thresholds, or for {@code auto} those the package records (the declared defaults if it records none). */
  private static Scorer.Decision decision(KeyValues kv, ModelPackage p) throws ModelPackageException {
    return new Scorer.Decision(kv.number(InferenceKeys.THRESHOLD, p.number(InferenceKeys.THRESHOLD)),
        kv.number(InferenceKeys.CONFIDENCE, p.number(InferenceKeys.CONFIDENCE)),
        kv.number(InferenceKeys.NMS_IOU, p.number(InferenceKeys.NMS_IOU)));
  }
}
