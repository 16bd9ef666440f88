package org.mflag.infer;

import java.util.ArrayList;
import java.util.List;
import org.mflag.config.Task;
import org.mflag.data.Box;
import org.mflag.data.Preprocessing;
import org.mflag.data.TaskData;
import org.mflag.data.TaskDataset.Sample;
import org.mflag.eval.MetricsReport;

/**
 * Runs a model over labelled samples in batches and scores its predictions with the task's metrics:
 * one path for validation during fine-tuning (the TensorFlow Java graph) and for {@code evaluate} (the
 * exported package through DJL).
 */
public final class Scorer {

  /** n normalised images [n, size, size, 1] in, the model's output for them out (flattened). */
  @FunctionalInterface
  public interface Model {
    float[] predict(float[] images, int n);
  }

  /** How outputs become decisions: the segmentation threshold, the detection confidence and NMS IoU. */
  public static final class Decision {
    public final double threshold;
    public final double confidence;
    public final double nmsIou;

    public Decision(double threshold, double confidence, double nmsIou) {
      this.threshold = threshold;
      this.confidence = confidence;
      this.nmsIou = nmsIou;
    }

    /** The declared defaults of {@link InferenceKeys#THRESHOLD}, {@link InferenceKeys#CONFIDENCE}, {@link InferenceKeys#NMS_IOU}. */
    public static Decision defaults() {
      return new Decision(InferenceKeys.THRESHOLD.defaultNumber(), InferenceKeys.CONFIDENCE.defaultNumber(),
          InferenceKeys.NMS_IOU.defaultNumber());
    }
  }

  private final Task task;
  private final TaskData data;
  private final int size;
  private final int batch;

  /** Scores {@code task}'s model on images of {@code size} with the classes of {@code data}, {@code batch} images per call. */
  public Scorer(Task task, TaskData data, int size, int batch) {
    this.task = task;
    this.data = data;
    this.size = size;
    this.batch = batch;
  }

  public MetricsReport score(List<Sample> samples, Model model, Decision decision) {
    return score(samples, predictAll(samples, model), decision);
  }

  /** Scores predictions made elsewhere: {@code all} holds the model's outputs for {@code samples}, in order, concatenated. */
  public MetricsReport score(List<Sample> samples, float[] all, Decision decision) {
    List<String> ids = new ArrayList<>();
    for (Sample s : samples) ids.add(s.id);
    switch (task) {
      case SEGMENTATION: {
        List<byte[]> truths = new ArrayList<>();
        for (Sample s : samples) truths.add(s.mask);
        return MetricsReport.segmentation(ids, truths, all, decision.threshold);
      }
      case CLASSIFICATION: {
        List<float[]> truths = new ArrayList<>();
        for (Sample s : samples) truths.add(s.label);
        return MetricsReport.classification(ids, truths, all, data.classes, data.multiLabel);
      }
      default: {
        List<List<Box>> truths = new ArrayList<>();
        for (Sample s : samples) truths.add(s.boxes);
        List<List<Box>> predictions = Detections.decode(all, samples.size(), data.classes.size(), size, decision.confidence,
            decision.nmsIou);
        return MetricsReport.detection(ids, truths, predictions, data.classes);
      }
    }
  }

  /** The model's outputs for every sample, in order, concatenated. */
  private float[] predictAll(List<Sample> samples, Model model) {
    int px = size * size;
    List<float[]> outputs = new ArrayList<>();
    int perImage = 0;
    for (int from = 0; from < samples.size(); from += batch) {
      int n = Math.min(batch, samples.size() - from);
      float[] images = new float[n * px];
      for (int i = 0; i < n; i++) {
        System.arraycopy(Preprocessing.normalise(samples.get(from + i).image), 0, images, i * px, px);
      }
      float[] out = model.predict(images, n);
      perImage = out.length / n;
      outputs.add(out);
    }
    float[] all = new float[perImage * samples.size()];
    int o = 0;
    for (float[] out : outputs) {
      System.arraycopy(out, 0, all, o, out.length);
      o += out.length;
    }
    return all;
  }
}
