package org.mflag.infer;

import java.util.ArrayList;
import java.util.List;
import org.mflag.config.Task;
import org.mflag.data.Box;
import org.mflag.data.GrayImage;
import org.mflag.data.Preprocessing;
import org.mflag.model.ModelPackage;
import org.mflag.model.ModelPackageException;
import org.mflag.model.SavedModelPredictor;
import org.mflag.model.TaskGraph;
import org.mflag.runtime.Devices;

/**
 * A fine-tuned model package ready to run on images of any size, through DJL: each image is
 * preprocessed as in training (whole image stretched to 0..255, resized to the input size,
 * normalised) and the outputs are mapped back to the image's own pixels. A segmenter can instead run
 * at a chosen scale in overlapping tiles ({@link #probability(GrayImage, double, int)}), for models
 * fine-tuned on patches at a fixed pixel size and for images whose detail the whole-image resize
 * would lose.
 *
 * <p>Thread-safe for sequential calls; one instance per thread for parallel use.</p>
 */
public final class TaskModel implements AutoCloseable {

  private final ModelPackage pkg;
  private final Task task;
  private final SavedModelPredictor predictor;
  private final int size;
  /** Tiles per network call when tiling: enough to fill a CPU's cores, small enough for any GPU. */
  private static final int TILE_BATCH = 4;

  /** The package's recommended threshold, confidence and NMS IoU, checked against the launcher keys' ranges. */
  private final double threshold;
  private final double confidence;
  private final double nmsIou;

  private TaskModel(ModelPackage pkg, Task task, SavedModelPredictor predictor) throws ModelPackageException {
    this.pkg = pkg;
    this.task = task;
    this.size = pkg.imageSize();
    this.threshold = pkg.number(InferenceKeys.THRESHOLD);
    this.confidence = pkg.number(InferenceKeys.CONFIDENCE);
    this.nmsIou = pkg.number(InferenceKeys.NMS_IOU);
    this.predictor = predictor;
  }

  /** Opens a package and checks that it was fine-tuned for {@code expected} (null: any task). */
  public static TaskModel open(java.nio.file.Path dir, Task expected) throws ModelPackageException {
    return open(dir, expected, null);
  }

  /** As {@link #open(java.nio.file.Path, Task)}, computing on {@code devices} (DJL's default device when null). */
  public static TaskModel open(java.nio.file.Path dir, Task expected, Devices.Plan devices) throws ModelPackageException {
    ModelPackage p = ModelPackage.open(dir);
    Task task;
    try {
      task = Task.fromKey(p.task());
    } catch (IllegalArgumentException e) {
      String finetune = "finetune-" + (expected == null ? "..." : expected.modelName());
      throw new ModelPackageException(dir + ": a pre-trained encoder package (from pretrain) has no " + (expected == null ? "task"
          : expected.key()) + " head; give a package written by " + finetune + ", or fine-tune one on this encoder first: "
          + finetune + " encoder_model=" + dir);
    }
    if (expected != null && task != expected) {
      throw new ModelPackageException(dir + ": a " + task.key() + " model, not a " + expected.key() + " model (written by finetune-"
          + task.modelName() + "): apply it with " + task.command() + " (" + task.menuEntry() + "), or give a model written by finetune-"
          + expected.modelName());
    }
    SavedModelPredictor predictor = p.savedModelPredictor(devices);
    try {
      return new TaskModel(p, task, predictor);
    } catch (ModelPackageException e) {
      predictor.close();
      throw e;
    }
  }

  public ModelPackage modelPackage() {
    return pkg;
  }

  public Task task() {
    return task;
  }

  public List<String> classes() {
    return pkg.classes();
  }

  /** One network call on several images, each resized whole to the input: the outputs of all, concatenated. */
  private float[] run(List<GrayImage> images) {
    return predictor.predict(Preprocessing.wholeBatch(images, size), images.size(), TaskGraph.outputName(task));
  }

  /** Foreground probability of every pixel of {@code image} (width * height, row-major). */
  public float[] probability(GrayImage image) {
    return probabilities(List.of(image)).get(0);
  }

  /** {@link #probability(GrayImage)} of several images in one network call. */
  public List<float[]> probabilities(List<GrayImage> images) {
    float[] p = run(images);
    int px = size * size;
    List<float[]> out = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      GrayImage im = images.get(i);
      out.add(Preprocessing.resizeBilinear(java.util.Arrays.copyOfRange(p, i * px, (i + 1) * px), size, size, im.width(), im.height()));
    }
    return out;
  }

  /**
   * Foreground probability at {@code scale} network pixels per image pixel, in tiles of the network's
   * input size that overlap by at least {@code overlap} pixels (negative: an eighth of the input; see
   * {@link Tiling}); {@code scale <= 0}
   * means the whole image resized to one input, as {@link #probability(GrayImage)}. Intensities are
   * stretched over the whole image before tiling, so every tile sees the same scale.
   */
  public float[] probability(GrayImage image, double scale, int overlap) {
    if (scale <= 0) return probability(image);
    requireSegmenter();
    int w = Math.max(1, (int) Math.round(image.width() * scale)), h = Math.max(1, (int) Math.round(image.height() * scale));
    float[] scaled = Preprocessing.normalise(Preprocessing.whole(image, w, h));
    String output = TaskGraph.outputName(task);
    float[] p = tiling(overlap).apply(scaled, w, h, (tiles, n) -> predictor.predict(tiles, n, output));
    return Preprocessing.resizeBilinear(p, w, h, image.width(), image.height());
  }

  /** How many tiles {@link #probability(GrayImage, double, int)} runs for an image. */
  public int tiles(GrayImage image, double scale, int overlap) {
    if (scale <= 0) return 1;
    return tiling(overlap).count(Math.max(1, (int) Math.round(image.width() * scale)),
        Math.max(1, (int) Math.round(image.height() * scale)));
  }

  /** The tiling {@link #probability(GrayImage, double, int)} uses for {@code overlap} (negative: an eighth of the input). */
  public Tiling tiling(int overlap) {
    return new Tiling(size, overlap < 0 ? size / 8 : overlap, TILE_BATCH);
  }

  private void requireSegmenter() {
    if (task != Task.SEGMENTATION) throw new IllegalStateException("tiling needs a segmenter; this is a " + task.key() + " model");
  }

  /** The package's threshold for {@link #probability}. */
  public double threshold() {
    return threshold;
  }

  /** Class probabilities, in the order of {@link #classes()}. */
  public float[] classProbabilities(GrayImage image) {
    return classProbabilities(List.of(image)).get(0);
  }

  /** {@link #classProbabilities(GrayImage)} of several images in one network call. */
  public List<float[]> classProbabilities(List<GrayImage> images) {
    float[] p = run(images);
    int c = p.length / images.size();
    List<float[]> out = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) out.add(java.util.Arrays.copyOfRange(p, i * c, (i + 1) * c));
    return out;
  }

  /** Detections in the image's pixels, after confidence and NMS (the package's, unless given). */
  public List<Box> boxes(GrayImage image, double confidence, double nmsIou) {
    return boxes(List.of(image), confidence, nmsIou).get(0);
  }

  /** {@link #boxes(GrayImage, double, double)} of several images in one network call. */
  public List<List<Box>> boxes(List<GrayImage> images, double confidence, double nmsIou) {
    List<List<Box>> decoded = Detections.decode(run(images), images.size(), classes().size(), size, confidence, nmsIou);
    List<List<Box>> out = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      double sx = (double) images.get(i).width() / size, sy = (double) images.get(i).height() / size;
      List<Box> scaled = new ArrayList<>();
      for (Box b : decoded.get(i)) scaled.add(new Box(b.x0 * sx, b.y0 * sy, b.x1 * sx, b.y1 * sy, b.category, b.score));
      out.add(scaled);
    }
    return out;
  }

  public double confidence() {
    return confidence;
  }

  public double nmsIou() {
    return nmsIou;
  }

  @Override
  public void close() {
    predictor.close();
  }
}
