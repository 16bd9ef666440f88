package org.mflag.infer;

import java.util.ArrayList;
import java.util.List;
import org.mflag.data.Augmentation;
import org.mflag.data.Box;
import org.mflag.data.TaskDataset.Sample;
import org.mflag.eval.TaskEvaluation;
import org.mflag.config.Task;

/**
 * Runs a model over labelled samples in batches and scores the predictions with the task's metrics:
 * the same path for validation during fine-tuning (TensorFlow Java graph) and for {@code evaluate}
 * (the exported package through DJL).
 */
public final class Evaluation {

  /** n normalised images [n, size, size, 1] in, the model's output for them out (flattened). */
  @FunctionalInterface
  public interface Model {
    float[] predict(float[] images, int n);
  }

  private Evaluation() {}

  public static TaskEvaluation of(Task task, List<Sample> samples, Model model, List<String> classes, boolean multiLabel, int size,
      int batch, double threshold, double confidence, double nmsIou) {
    int px = size * size;
    List<String> ids = new ArrayList<>();
    List<float[]> outputs = new ArrayList<>();
    int perImage = 0;
    for (int from = 0; from < samples.size(); from += batch) {
      int n = Math.min(batch, samples.size() - from);
      float[] images = new float[n * px];
      for (int i = 0; i < n; i++) {
        System.arraycopy(Augmentation.whole(samples.get(from + i).image), 0, images, i * px, px);
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
    for (Sample s : samples) ids.add(s.id);
    switch (task) {
      case SEGMENTATION: {
        List<byte[]> truths = new ArrayList<>();
        for (Sample s : samples) truths.add(s.mask);
        return TaskEvaluation.segmentation(ids, truths, all, threshold);
      }
      case CLASSIFICATION: {
        List<float[]> truths = new ArrayList<>();
        for (Sample s : samples) truths.add(s.label);
        return TaskEvaluation.classification(ids, truths, all, classes, multiLabel);
      }
      default: {
        List<List<Box>> truths = new ArrayList<>();
        for (Sample s : samples) truths.add(s.boxes);
        List<List<Box>> predictions = Detections.decode(all, samples.size(), classes.size(), size, confidence, nmsIou);
        return TaskEvaluation.detection(ids, truths, predictions, classes);
      }
    }
  }
}
