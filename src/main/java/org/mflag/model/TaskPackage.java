package org.mflag.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mflag.config.Task;
import org.mflag.data.Box;
import org.mflag.report.CoverImage;
import org.mflag.io.Archives;
import org.mflag.io.NdArray;
import org.mflag.nn.Architecture;
import org.mflag.nn.YoloLayout;

/**
 * Writes a fine-tuned model as a package (the layout of {@link ModelPackage}): the inference graph of
 * {@link TaskGraph} as a SavedModel, the task's output with its bioimage.io axes, a test input and output,
 * {@code config.mflag} with everything the run decided (task, classes, thresholds, encoder, label fraction,
 * data hash, best epoch, every key, the validation metrics), and {@code validation_metrics.txt}.
 */
public final class TaskPackage {

  /** What a fine-tuning run knows about the model it exports. {@code set...} required, {@code opt...} optional. */
  public static final class Facts {
    private Task task;
    private Architecture architecture;
    private int imageSize;
    private List<String> classes = List.of();
    private boolean multiLabel;
    private double threshold = 0.5;
    private double confidence = 0.5;
    private double nmsIou = 0.5;
    private final Map<String, Object> config = new LinkedHashMap<>();
    private String validationText = "";
    private Map<String, String> people = Map.of();

    public static Facts of(Task task, Architecture architecture, int imageSize) {
      Facts f = new Facts();
      f.task = task;
      f.architecture = architecture;
      f.imageSize = imageSize;
      return f;
    }

    public Facts setClasses(List<String> classes, boolean multiLabel) {
      this.classes = classes;
      this.multiLabel = multiLabel;
      return this;
    }

    /** The segmentation threshold and the detection confidence and NMS IoU the package records. */
    public Facts setDecision(double threshold, double confidence, double nmsIou) {
      this.threshold = threshold;
      this.confidence = confidence;
      this.nmsIou = nmsIou;
      return this;
    }

    /** A {@code config.mflag} entry about the run (encoder source, fraction, keys, data, metrics, versions...). */
    public Facts opt(String key, Object value) {
      config.put(key, value);
      return this;
    }

    /** Who the package names (the {@link People} keys' values). */
    public Facts setPeople(Map<String, String> values) {
      people = values;
      return this;
    }

    /** The validation metrics in words, written as {@code validation_metrics.txt}. */
    public Facts optValidationText(String text) {
      validationText = text;
      return this;
    }
  }

  private TaskPackage() {}

  /**
   * Exports {@code graph} (holding the weights to export) into {@code dir}; {@code testImage} is one input image with
   * grey values 0..255 (the raw test input: the test output is the graph's answer after the declared preprocessing).
   */
  public static void export(Path dir, Facts f, TaskGraph graph, float[] testImage, String tfVersion) throws IOException {
    ModelPackage.Description d = describe(f);
    int s = f.imageSize;
    ModelPackage.TensorSpec input = ModelPackage.imageInput(s, new NdArray(testImage, 1, s, s, 1),
        "grey chest X-ray, whole image stretched to 0..255 and resized to " + s + "x" + s);
    float[] testOut = graph.predict(input.networkInput(), 1);
    d.cover = cover(f, testImage, testOut);
    d.validation = "Metrics on the validation split when the package was written:\n\n```\n" + f.validationText.strip() + "\n```";
    ModelPackage.export(dir, d, graph.session(), graph.signatures(), input, List.of(output(f, testOut)), tfVersion);
    Archives.writeAtomically(dir.resolve("validation_metrics.txt"), f.validationText.getBytes(StandardCharsets.UTF_8));
  }

  private static ModelPackage.Description describe(Facts f) {
    ModelPackage.Description d = new ModelPackage.Description();
    String what = f.task == Task.SEGMENTATION ? "lung segmentation (U-Net)" : f.task == Task.CLASSIFICATION
        ? (f.multiLabel ? "multi-label" : "single-label") + " classifier" : "YOLOv3-style detector";
    Object frozen = f.config.get("freeze_encoder");
    d.name = "M-FLAG " + f.architecture.key() + " " + what;
    d.description = "Chest X-ray " + what + " on a " + (Boolean.TRUE.equals(frozen) ? "frozen " : "") + f.architecture.key()
        + " encoder (" + f.config.get("encoder_model") + "), fine-tuned on " + f.config.get("training_images") + " images (fraction "
        + f.config.get("fraction") + ").";
    d.task = f.task.key();
    d.authors = People.authors(f.people);
    d.maintainers = People.maintainers(f.people);
    Object data = f.config.get("data");
    d.trainingData = ModelPackage.trainingData(d.name, f.config.get("training_images") + " labelled chest X-rays"
        + (data instanceof Map ? " from manifest " + ((Map<?, ?>) data).get("manifest") + " (sha256 " + ((Map<?, ?>) data).get("manifest_sha256")
            + ")" : ""));
    d.architecture = f.architecture;
    d.imageSize = f.imageSize;
    d.tags = new ArrayList<>(List.of("x-ray", "chest-x-ray", "2d", "lungs", "tensorflow", "fiji", "deepimagej", "resnet", "m-flag",
        f.task.key()));
    if (f.task == Task.SEGMENTATION) d.tags.addAll(List.of("unet", "semantic-segmentation"));
    if (f.task == Task.CLASSIFICATION) d.tags.add("image-classification");
    if (f.task == Task.DETECTION) d.tags.add("object-detection");
    Map<String, Object> c = d.config;
    c.put("classes", f.classes);
    c.put("multi_label", f.multiLabel);
    if (f.task == Task.SEGMENTATION) c.put("threshold", f.threshold);
    if (f.task == Task.DETECTION) {
      c.put("confidence", f.confidence);
      c.put("nms_iou", f.nmsIou);
      c.put("layout", "YOLOv3 anchors x " + f.imageSize + "/416 at strides 8/16/32, 3 per scale");
    }
    c.put("preprocessing", "whole image, intensities stretched to 0..255, bilinear resize to " + f.imageSize + ", v / 127.5 - 1");
    c.putAll(f.config);
    d.usage = usage(f.task);
    return d;
  }

  private static String usage(Task task) {
    switch (task) {
      case SEGMENTATION:
        return "Output `probability`: per-pixel foreground probability; `config.mflag.threshold` binarises it.\n";
      case CLASSIFICATION:
        return "Output `class_probability`: one probability per class, in the order of `config.mflag.classes`.\n";
      default:
        return "Output `detections`: [N, 5 + C] rows (centre x, centre y, width, height in input pixels, objectness, class "
            + "probabilities); keep rows whose objectness x class probability exceeds `config.mflag.confidence`, then apply "
            + "per-class NMS at `config.mflag.nms_iou`.\n";
    }
  }

  /** The cover: the test input beside the mask, the class probabilities or the best boxes. */
  private static byte[] cover(Facts f, float[] input, float[] out) {
    int s = f.imageSize;
    switch (f.task) {
      case SEGMENTATION:
        return CoverImage.segmentation(input, s, out, f.threshold);
      case CLASSIFICATION:
        return CoverImage.classification(input, s, f.classes, out);
      default:
        List<double[]> boxes = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        int fields = 5 + f.classes.size(), n = out.length / fields;
        List<Box> candidates = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          int o = i * fields, best = 0;
          for (int c = 1; c < f.classes.size(); c++) if (out[o + 5 + c] > out[o + 5 + best]) best = c;
          double score = out[o + 4] * out[o + 5 + best], cx = out[o], cy = out[o + 1], w = out[o + 2], h = out[o + 3];
          if (!(w > 0 && h > 0)) continue;
          candidates.add(new Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, best, score));
        }
        candidates.sort((a, b) -> Double.compare(b.score, a.score));
        for (Box b : candidates) {
          if (boxes.size() == 4 || (!boxes.isEmpty() && b.score < f.confidence)) break;
          if (boxes.stream().anyMatch(k -> Box.iou(new Box(k[0], k[1], k[2], k[3], 0, 1), b) > f.nmsIou)) continue;
          boxes.add(new double[] {b.x0, b.y0, b.x1, b.y1});
          labels.add(f.classes.get(b.category) + String.format(" %.2f", b.score));
        }
        return CoverImage.detection(input, s, boxes, labels);
    }
  }

  /** The task's output tensor: axes, test output and description. */
  private static ModelPackage.TensorSpec output(Facts f, float[] testOut) {
    int s = f.imageSize;
    String id = TaskGraph.outputName(f.task);
    switch (f.task) {
      case SEGMENTATION:
        return new ModelPackage.TensorSpec(id, "foreground probability per pixel (sigmoid); threshold " + f.threshold + " gives the mask",
            List.of(ModelPackage.map("type", "batch"), ModelPackage.map("type", "space", "id", "y", "size", s),
                ModelPackage.map("type", "space", "id", "x", "size", s),
                ModelPackage.map("type", "channel", "channel_names", List.of("foreground"))),
            new NdArray(testOut, 1, s, s, 1), List.of(), List.of(0.0, 1.0));
      case CLASSIFICATION:
        return new ModelPackage.TensorSpec(id, (f.multiLabel ? "sigmoid" : "softmax") + " probability of each class",
            List.of(ModelPackage.map("type", "batch"), ModelPackage.map("type", "channel", "channel_names", channelNames(f.classes, ""))),
            new NdArray(testOut, 1, f.classes.size()), List.of(), List.of(0.0, 1.0));
      default:
        int n = new YoloLayout(s).count;
        List<String> names = new ArrayList<>(List.of("centre_x", "centre_y", "width", "height", "objectness"));
        names.addAll(channelNames(f.classes, "p_"));
        return new ModelPackage.TensorSpec(id, "one row per anchor: box centre and size in input pixels, objectness, class probabilities;"
            + " score = objectness x class probability",
            List.of(ModelPackage.map("type", "batch"), ModelPackage.map("type", "index", "id", ModelPackage.INDEX_AXIS, "size", n),
                ModelPackage.map("type", "channel", "channel_names", names)),
            new NdArray(testOut, 1, n, 5 + f.classes.size()), List.of());
    }
  }

  /**
   * Class names as bioimage.io channel names, which must be Python identifiers: other characters become
   * {@code _}, a leading digit or a keyword gets a prefix, repeats a suffix. {@code config.mflag.classes}
   * keeps the names as given.
   */
  static List<String> channelNames(List<String> classes, String prefix) {
    List<String> out = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (String c : classes) {
      String n = prefix + c.replaceAll("[^A-Za-z0-9_]", "_");
      if (n.isEmpty() || Character.isDigit(n.charAt(0)) || KEYWORDS.contains(n)) n = "c_" + n;
      String unique = n;
      for (int k = 2; !seen.add(unique); k++) unique = n + "_" + k;
      out.add(unique);
    }
    return out;
  }

  private static final java.util.Set<String> KEYWORDS = java.util.Set.of("False", "None", "True", "and", "as", "assert", "async", "await",
      "break", "class", "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
      "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield");
}
