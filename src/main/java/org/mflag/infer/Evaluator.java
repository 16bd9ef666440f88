package org.mflag.infer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mflag.config.CommonKeys;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.config.Task;
import org.mflag.data.BadInputPolicy;
import org.mflag.data.DatasetException;
import org.mflag.data.ImageDecoder;
import org.mflag.data.Manifest;
import org.mflag.data.Split;
import org.mflag.data.Splits;
import org.mflag.data.TaskData;
import org.mflag.data.TaskDataset;
import org.mflag.eval.TaskEvaluation;
import org.mflag.model.ModelPackage;
import org.mflag.model.ModelPackageException;
import org.mflag.model.SavedModelPredictor;
import org.mflag.model.TaskGraph;
import org.scijava.log.Logger;

/**
 * {@code evaluate}: scores a fine-tuned model package on one split of a manifest, through the
 * exported SavedModel (DJL), with the task's metrics ({@link TaskEvaluation}). The rows of the split
 * come from the manifest's {@code split_column} when it has one, else from the {@code split.csv} the
 * fine-tuning run saved next to the model. Thresholds default to the package's.
 */
public final class Evaluator {

  public static final List<Key> KEYS = Collections.unmodifiableList(Arrays.asList(
      Key.of("model", null, "fine-tuned model package folder (from finetune-segmenter, -classifier or -detector)"),
      Key.of("manifest", null, "CSV file with one row per image (paths relative to its folder)"),
      Key.choice("split", "test", "rows to score: train, val, test or all", "train", "val", "test", "all"),
      Key.of("output", "", "folder for metrics.json and metrics.csv; empty = <model>/evaluation-<split>"),
      CommonKeys.IMAGE_COLUMN, CommonKeys.ID_COLUMN,
      Key.of("split_column", "split", "manifest column with train/val/test; without it the model's split.csv is used"),
      Key.of("mask_column", "mask", "segmentation: manifest column with the mask path"),
      Key.of("ignore_value", "", "segmentation: mask value left out of the metrics"),
      Key.of("label_column", "label", "classification: manifest column with the class name(s)"),
      Key.of("label_columns", "", "classification: comma-separated 0/1 columns, one per class"),
      Key.of("boxes", "", "detection: COCO JSON file with the true boxes"),
      Key.of("threshold", "auto", "segmentation threshold; auto = the package's"),
      Key.of("confidence", "auto", "detection confidence; auto = the package's"),
      Key.of("nms_iou", "auto", "detection NMS IoU; auto = the package's"),
      Key.of("batch_size", "16", "images per inference call"),
      CommonKeys.WORKERS, CommonKeys.ON_BAD_INPUT));

  private Evaluator() {}

  /** Evaluates and writes {@code metrics.json} and {@code metrics.csv}; returns the metrics. */
  public static TaskEvaluation run(KeyValues kv, ImageDecoder decoder, Logger log)
      throws ModelPackageException, DatasetException, IOException {
    ModelPackage p = ModelPackage.open(kv.path("model"));
    Task task;
    try {
      task = Task.fromKey(p.task());
    } catch (IllegalArgumentException e) {
      throw new ModelPackageException(p.dir() + ": task '" + p.task() + "' is not a fine-tuned task (segmentation, classification, detection)");
    }
    if (task == Task.DETECTION && kv.string("boxes").isEmpty()) throw new IllegalArgumentException("boxes: required to evaluate a detector");
    Manifest m = Manifest.read(kv.path("manifest"), kv.string("id_column"), kv.string("image_column"));
    String splitColumn = kv.string("split_column");
    Map<String, Split> splits;
    if (!splitColumn.isEmpty() && m.columns().contains(splitColumn)) {
      splits = Splits.assign(m, splitColumn, "", 0, 0, 0);
    } else if (Splits.exists(p.dir())) {
      splits = Splits.read(p.dir().resolve(Splits.FILE));
      log.info("rows per split from " + p.dir().resolve(Splits.FILE));
    } else {
      throw new DatasetException("manifest " + m.file() + " has no split_column '" + splitColumn + "' and " + p.dir()
          + " has no " + Splits.FILE + ": say which rows to score");
    }
    String which = kv.string("split");
    List<Split> wanted = which.equals("all") ? null : List.of(Split.parse(which));
    int size = p.imageSize();
    TaskData td = TaskData.of(task, kv, m, size, p.classes());
    TaskDataset data = TaskDataset.open(m, splits, wanted, td.options.optWorkers(kv.integer("workers", 1))
        .optOnBadInput(BadInputPolicy.fromKey(kv.string("on_bad_input"))), decoder, log);
    if (data.samples().isEmpty()) throw new DatasetException("manifest " + m.file() + ": no usable rows in split '" + which + "'");
    double threshold = auto(kv, "threshold", p.number("threshold", 0.5));
    double confidence = auto(kv, "confidence", p.number("confidence", 0.5));
    double nmsIou = auto(kv, "nms_iou", p.number("nms_iou", 0.5));
    TaskEvaluation e;
    try (SavedModelPredictor predictor = p.savedModelPredictor()) {
      String out = TaskGraph.outputName(task);
      e = Evaluation.of(task, data.samples(), (images, n) -> predictor.predict(images, n, out), td.classes, td.multiLabel, size,
          kv.integer("batch_size", 1), threshold, confidence, nmsIou);
    }
    Path dir = kv.path("output") != null ? kv.path("output") : p.dir().resolve("evaluation-" + which);
    Map<String, String> about = new LinkedHashMap<>();
    about.put("model", p.dir().toString());
    about.put("task", task.key());
    about.put("manifest", m.file().toString());
    about.put("manifest_sha256", m.sha256());
    about.put("split", which);
    e.write(dir, about);
    log.info("metrics written to " + dir.resolve("metrics.json") + " and " + dir.resolve("metrics.csv"));
    return e;
  }

  private static double auto(KeyValues kv, String key, double fallback) {
    return InferenceKeys.autoOr(kv.string(key), fallback, key);
  }
}
