package org.mflag.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
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
    /** Set by {@link #setDecision} from the run's keys (their declarations hold the defaults); NaN until then. */
    private double threshold = Double.NaN;
    private double confidence = Double.NaN;
    private double nmsIou = Double.NaN;
    /** The {@code config.mflag} entries about the run. */
    private MflagConfig.Builder config;
    private String validationText = "";
    private Map<String, String> people = Map.of();

    public static Facts of(Task task, Architecture architecture, int imageSize) {
      Facts f = new Facts();
      f.task = task;
      f.architecture = architecture;
      f.imageSize = imageSize;
      f.config = MflagConfig.builder(task.key(), architecture, imageSize);
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

    /** The {@code config.mflag} entries about the run (encoder source, fraction, keys, data, metrics, versions...). */
    public Facts optRun(Consumer<MflagConfig.Builder> entries) {
      entries.accept(config);
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
    int s = f.imageSize;
    ModelPackage.TensorSpec input = ModelPackage.imageInput(s, new NdArray(testImage, 1, s, s, 1),
        "grey chest X-ray, whole image stretched to 0..255 and resized to " + s + "x" + s);
    float[] testOut = graph.predict(input.networkInput(), 1);
    ModelPackage.Description d = describe(f).toBuilder().optCover(cover(f, testImage, testOut))
        .optValidation("Metrics on the validation split when the package was written:\n\n```\n" + f.validationText.strip() + "\n```").build();
    ModelPackage.export(dir, d, graph.session(), graph.signatures(), input, List.of(output(f, testOut)), tfVersion);
    Archives.writeAtomically(dir.resolve("validation_metrics.txt"), f.validationText.getBytes(StandardCharsets.UTF_8));
  }

  private static ModelPackage.Description describe(Facts f) {
    if (Double.isNaN(f.threshold) || Double.isNaN(f.confidence) || Double.isNaN(f.nmsIou)) {
      throw new IllegalStateException("TaskPackage.Facts: setDecision is required (the threshold, confidence and NMS IoU to record)");
    }
    MflagConfig run = f.config.build();
    String what = f.task == Task.SEGMENTATION ? "lung segmentation (U-Net)" : f.task == Task.CLASSIFICATION
        ? (f.multiLabel ? "multi-label" : "single-label") + " classifier" : "YOLOv3-style detector";
    String name = "M-FLAG " + f.architecture.key() + " " + what;
    MflagConfig.DataSource data = run.data();
    List<String> tags = new ArrayList<>(List.of("x-ray", "chest-x-ray", "2d", "lungs", "tensorflow", "fiji", "deepimagej", "resnet", "m-flag",
        f.task.key()));
    if (f.task == Task.SEGMENTATION) tags.addAll(List.of("unet", "semantic-segmentation"));
    if (f.task == Task.CLASSIFICATION) tags.add("image-classification");
    if (f.task == Task.DETECTION) tags.add("object-detection");
    MflagConfig.Builder c = run.toBuilder().optClasses(f.classes, f.multiLabel);
    if (f.task == Task.SEGMENTATION) c.optThreshold(f.threshold);
    if (f.task == Task.DETECTION) {
      c.optDetection(f.confidence, f.nmsIou).optLayout("YOLOv3 anchors x " + f.imageSize + "/416 at strides 8/16/32, 3 per scale");
    }
    c.optPreprocessing("whole image, intensities stretched to 0..255, bilinear resize to " + f.imageSize + ", v / 127.5 - 1");
    return ModelPackage.Description.builder().setName(name)
        .setDescription("Chest X-ray " + what + " on a " + (Boolean.TRUE.equals(run.freezeEncoder()) ? "frozen " : "") + f.architecture.key()
            + " encoder (" + run.encoderModel() + "), fine-tuned on " + run.trainingImages() + " images (fraction " + run.fraction() + ").")
        .setConfig(c.build()).optAuthors(People.authors(f.people)).optMaintainers(People.maintainers(f.people))
        .optTrainingData(ModelPackage.trainingData(name, run.trainingImages() + " labelled chest X-rays"
            + (data != null ? " from manifest " + data.manifest() + " (sha256 " + data.manifestSha256() + ")" : "")))
        .optTags(tags).optUsage(usage(f.task)).build();
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
          if (!(w > 0 && h > 0 && Double.isFinite(cx) && Double.isFinite(cy) && Double.isFinite(w) && Double.isFinite(h))) continue; // diverged
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
            List.of(Rdf.Axis.batch(), Rdf.Axis.space("y", s), Rdf.Axis.space("x", s), Rdf.Axis.channel(List.of("foreground"))),
            new NdArray(testOut, 1, s, s, 1), List.of(), List.of(0.0, 1.0));
      case CLASSIFICATION:
        return new ModelPackage.TensorSpec(id, (f.multiLabel ? "sigmoid" : "softmax") + " probability of each class",
            List.of(Rdf.Axis.batch(), Rdf.Axis.channel(channelNames(f.classes, ""))),
            new NdArray(testOut, 1, f.classes.size()), List.of(), List.of(0.0, 1.0));
      default:
        int n = new YoloLayout(s).count;
        List<String> names = new ArrayList<>(List.of("centre_x", "centre_y", "width", "height", "objectness"));
        names.addAll(channelNames(f.classes, "p_"));
        return new ModelPackage.TensorSpec(id, "one row per anchor: box centre and size in input pixels, objectness, class probabilities;"
            + " score = objectness x class probability",
            List.of(Rdf.Axis.batch(), Rdf.Axis.index(ModelPackage.INDEX_AXIS, n), Rdf.Axis.channel(names)),
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
