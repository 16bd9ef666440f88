package org.mflag.infer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mflag.config.Task;
import org.mflag.data.DataConfig;
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
import org.mflag.runtime.Devices;
import org.scijava.log.Logger;

/**
 * {@code evaluate}: scores a fine-tuned model package on one split of a manifest, through the
 * exported SavedModel (DJL), with the task's metrics ({@link MetricsReport}). The rows of the split
 * come from the manifest's {@code split_column} when it has one, else from the {@code split.csv} the
 * fine-tuning run saved next to the model. Thresholds default to the package's.
 */
public final class Evaluate {

  private Evaluate() {}

  /** Evaluates and writes {@code metrics.json} and {@code metrics.csv}; returns the metrics. */
  public static MetricsReport run(EvaluateConfig cfg, ImageDecoder decoder, Logger log)
      throws ModelPackageException, DatasetException, IOException {
    Devices.Plan devices = Devices.resolve(cfg.device());
    log.info("device: " + devices.describe());
    ModelPackage p = ModelPackage.open(cfg.model());
    DataConfig data = cfg.data();
    Task task;
    try {
      task = Task.fromKey(p.task());
    } catch (IllegalArgumentException e) {
      throw new ModelPackageException(p.source() + ": task '" + p.task() + "' is not a fine-tuned task (segmentation, classification, detection)");
    }
    if (task == Task.DETECTION && data.boxes() == null) {
      throw new IllegalArgumentException("boxes: required to evaluate a detector");
    }
    Manifest m = data.readManifest();
    String splitColumn = data.splitColumn();
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
    String which = cfg.split();
    List<Split> wanted = which.equals("all") ? null : List.of(Split.parse(which));
    int size = p.imageSize();
    TaskData td = TaskData.of(task, data, m, size, p.classes());
    TaskDataset dataset = TaskDataset.open(m, splits, wanted, td.options.optWorkers(data.workers()).optOnBadInput(data.onBadInput()),
        decoder, log);
    if (dataset.samples().isEmpty()) throw new DatasetException("manifest " + m.file() + ": no usable rows in split '" + which + "'");
    MetricsReport e;
    // the given thresholds, or for auto those the package records (the declared defaults if it records none)
    InferenceOptions given = InferenceOptions.DEFAULTS.withThreshold(cfg.threshold()).withConfidence(cfg.confidence()).withNmsIou(cfg.nmsIou());
    try (Inference inference = Inference.open(p, Job.of(task), given, devices, Engine.TENSORFLOW)) {
      Scorer.Decision decision = new Scorer.Decision(inference.threshold(), inference.confidence(), inference.nmsIou());
      e = new Scorer(task, td, size, cfg.batchSize()).score(dataset.samples(), inference::networkOutput, decision);
    }
    Path dir = cfg.output() != null ? cfg.output() : java.nio.file.Files.isDirectory(p.source())
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
}
