package org.mflag.infer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.mflag.config.Task;
import org.mflag.data.Box;
import org.mflag.data.GrayImage;
import org.mflag.data.Preprocessing;
import org.mflag.model.EncoderGraph;
import org.mflag.model.ModelPackage;
import org.mflag.model.ModelPackageException;
import org.mflag.model.TaskGraph;
import org.mflag.runtime.Devices;

/**
 * The one way to apply a model package: open it for a {@link Job} (the package is checked and must be of the job's
 * kind), then give it grey images of any size, one or a batch per call, and get typed results in the images' own
 * pixels: {@link Segmentation} (probability, mask, regions), {@link Classification}, {@link Detection},
 * {@link Embedding}. The Fiji commands, the launcher's batch jobs ({@link BatchAnalysis}) and the Spark executors all
 * call it, so they give the same results. Each image is preprocessed as in training (whole image stretched to 0..255,
 * resized to the input size, normalised); a segmenter can instead run at a chosen scale in overlapping tiles
 * ({@link InferenceOptions#scale()}). The network itself runs on an {@link Engine}.
 *
 * <p>Sequential calls only; one instance per thread for parallel use ({@link BatchAnalysis} serialises its calls).</p>
 */
public final class Inference implements AutoCloseable {

  /** Tiles per network call when tiling: enough to fill a CPU's cores, small enough for any GPU. */
  private static final int TILE_BATCH = 4;

  private final ModelPackage pkg;
  private final Job job;
  private final InferenceOptions options;
  private final Network network;
  private final int size;
  private final List<String> classes;
  /** The thresholds in effect: the options', else the package's (checked against the keys' ranges). */
  private final double threshold;
  private final double confidence;
  private final double nmsIou;

  private Inference(ModelPackage pkg, Job job, InferenceOptions options, Network network) throws ModelPackageException {
    this.pkg = pkg;
    this.job = job;
    this.options = options;
    this.network = network;
    this.size = pkg.imageSize();
    this.classes = job == Job.ZERO_SHOT ? options.zeroShot().classes() : pkg.classes();
    this.threshold = job.task == null ? Double.NaN : orPackage(options.threshold(), InferenceKeys.THRESHOLD);
    this.confidence = job.task == null ? Double.NaN : orPackage(options.confidence(), InferenceKeys.CONFIDENCE);
    this.nmsIou = job.task == null ? Double.NaN : orPackage(options.nmsIou(), InferenceKeys.NMS_IOU);
  }

  private double orPackage(double given, org.mflag.config.Key key) throws ModelPackageException {
    return Double.isNaN(given) ? pkg.number(key) : given;
  }

  /** {@link #open(Path, Job, InferenceOptions, Devices.Plan, Engine)} with the package's defaults, on the default device and engine. */
  public static Inference open(Path model, Job job) throws ModelPackageException {
    return open(model, job, InferenceOptions.DEFAULTS, null);
  }

  /** {@link #open(Path, Job, InferenceOptions, Devices.Plan, Engine)} on the options' engine ({@link InferenceOptions#engine}). */
  public static Inference open(Path model, Job job, InferenceOptions options, Devices.Plan devices) throws ModelPackageException {
    return open(model, job, options, devices, options.engine());
  }

  /**
   * Opens the package in {@code model} (folder or .zip) for {@code job}, computing on {@code devices} (the engine's
   * default when null). A package of the wrong kind is refused with what to give instead.
   */
  public static Inference open(Path model, Job job, InferenceOptions options, Devices.Plan devices, Engine engine)
      throws ModelPackageException {
    return open(ModelPackage.open(model), job, options, devices, engine);
  }

  /** As {@link #open(Path, Job, InferenceOptions, Devices.Plan, Engine)}, with a package already opened (and so checked). */
  public static Inference open(ModelPackage p, Job job, InferenceOptions options, Devices.Plan devices, Engine engine)
      throws ModelPackageException {
    requireKind(p, job);
    if (job == Job.ZERO_SHOT && options.zeroShot() == null) throw new IllegalArgumentException("zero-shot: no prompts given (InferenceOptions.withZeroShot)");
    Network network = engine.open(p, devices);
    try {
      return new Inference(p, job, options, network);
    } catch (ModelPackageException | RuntimeException e) {
      network.close();
      throw e;
    }
  }

  /** Refuses a package that {@code job} cannot apply, naming the command or package that fits. */
  static void requireKind(ModelPackage p, Job job) throws ModelPackageException {
    Path dir = p.source();
    boolean encoder = ModelPackage.PRETRAIN.equals(p.task());
    if (job.needsEncoder()) {
      if (!encoder) throw new ModelPackageException(dir + ": a " + p.task() + " model; " + job.key() + " needs an encoder package written by pretrain");
      return;
    }
    if (encoder) {
      String finetune = "finetune-" + job.task.modelName();
      throw new ModelPackageException(dir + ": a pre-trained encoder package (from pretrain) has no " + job.task.key() + " head; give a "
          + "package written by " + finetune + ", or fine-tune one on this encoder first: " + finetune + " encoder_model=" + dir);
    }
    Task task = Task.fromKey(p.task());
    if (task != job.task) {
      throw new ModelPackageException(dir + ": a " + task.key() + " model, not a " + job.task.key() + " model (written by finetune-"
          + task.modelName() + "): apply it with " + task.command() + " (" + task.menuEntry() + "), or give a model written by finetune-"
          + job.task.modelName());
    }
  }

  public ModelPackage modelPackage() {
    return pkg;
  }

  /** The engine that runs the network ({@code tensorflow} or {@code onnxruntime}: what {@code auto} chose). */
  public String engine() {
    return network.engine();
  }

  public Job job() {
    return job;
  }

  public InferenceOptions options() {
    return options;
  }

  /** The classes of the results: the package's, or the zero-shot prompts'. */
  public List<String> classes() {
    return classes;
  }

  /** Segmentation: the threshold in effect (the options', else the package's). */
  public double threshold() {
    return threshold;
  }

  /** Detection: the confidence in effect. */
  public double confidence() {
    return confidence;
  }

  /** Detection: the NMS IoU in effect. */
  public double nmsIou() {
    return nmsIou;
  }

  /**
   * The task output of the network on images already preprocessed as the package declares ({@code [n, size, size, 1]},
   * normalised): what evaluation scores against labels.
   */
  public float[] networkOutput(float[] preprocessed, int n) {
    require(job.task != null, "a fine-tuned package");
    return network.run(preprocessed, n, TaskGraph.outputName(job.task));
  }

  private float[] taskOutput(List<GrayImage> images) {
    return networkOutput(Preprocessing.wholeBatch(images, size), images.size());
  }

  public Segmentation segment(GrayImage image) {
    return segment(List.of(image)).get(0);
  }

  /** Each image's segmentation at the options' scale and overlap. */
  public List<Segmentation> segment(List<GrayImage> images) {
    return segment(images, options.scale(), options.overlap());
  }

  /**
   * Each image's segmentation: whole images in one network call ({@code scale <= 0}), or tiled image by image at
   * {@code scale} network pixels per image pixel with tiles overlapping by at least {@code overlap} (negative: auto).
   */
  public List<Segmentation> segment(List<GrayImage> images, double scale, int overlap) {
    require(job == Job.SEGMENT, "a segmenter");
    List<float[]> p = new ArrayList<>();
    if (scale > 0) {
      for (GrayImage im : images) p.add(tiled(im, scale, overlap));
    } else {
      float[] out = taskOutput(images);
      int px = size * size;
      for (int i = 0; i < images.size(); i++) {
        GrayImage im = images.get(i);
        p.add(Preprocessing.resizeBilinear(Arrays.copyOfRange(out, i * px, (i + 1) * px), size, size, im.width(), im.height()));
      }
    }
    List<Segmentation> out = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) out.add(Segmentation.of(p.get(i), images.get(i).width(), images.get(i).height(), threshold));
    return out;
  }

  /**
   * Foreground probability at {@code scale} network pixels per image pixel, in tiles of the network's input size that
   * overlap by at least {@code overlap} pixels (negative: an eighth of the input; see {@link Tiling}). Intensities are
   * stretched over the whole image before tiling, so every tile sees the same scale.
   */
  private float[] tiled(GrayImage image, double scale, int overlap) {
    int w = Math.max(1, (int) Math.round(image.width() * scale)), h = Math.max(1, (int) Math.round(image.height() * scale));
    float[] scaled = Preprocessing.normalise(Preprocessing.whole(image, w, h));
    String output = TaskGraph.outputName(job.task);
    float[] p = tiling(overlap).apply(scaled, w, h, (tiles, n) -> network.run(tiles, n, output));
    return Preprocessing.resizeBilinear(p, w, h, image.width(), image.height());
  }

  /** How many tiles segmenting {@code image} at {@code scale} runs (1 for whole images). */
  public int tiles(GrayImage image, double scale, int overlap) {
    if (scale <= 0) return 1;
    return tiling(overlap).count(Math.max(1, (int) Math.round(image.width() * scale)), Math.max(1, (int) Math.round(image.height() * scale)));
  }

  /** The tiling used for {@code overlap} (negative: an eighth of the input). */
  public Tiling tiling(int overlap) {
    return new Tiling(size, overlap < 0 ? size / 8 : overlap, TILE_BATCH);
  }

  public Classification classify(GrayImage image) {
    return classify(List.of(image)).get(0);
  }

  /** Class probabilities of each image: a classifier's, or for zero-shot the prompts' (one network call). */
  public List<Classification> classify(List<GrayImage> images) {
    require(job == Job.CLASSIFY || job == Job.ZERO_SHOT, "a classifier or zero-shot prompts with an encoder");
    float[] p;
    boolean multi;
    if (job == Job.ZERO_SHOT) {
      float[] projections = encode(images)[1];
      p = options.zeroShot().probabilities(projections, images.size());
      multi = options.zeroShot().multiLabel();
    } else {
      p = taskOutput(images);
      multi = pkg.multiLabel();
    }
    int c = p.length / images.size();
    List<Classification> out = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) out.add(new Classification(classes, Arrays.copyOfRange(p, i * c, (i + 1) * c), multi));
    return out;
  }

  public Detection detect(GrayImage image) {
    return detect(List.of(image)).get(0);
  }

  /** Each image's boxes in its own pixels, after the confidence and NMS in effect (one network call). */
  public List<Detection> detect(List<GrayImage> images) {
    require(job == Job.DETECT, "a detector");
    List<List<Box>> decoded = Detections.decode(taskOutput(images), images.size(), classes.size(), size, confidence, nmsIou);
    List<Detection> out = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      double sx = (double) images.get(i).width() / size, sy = (double) images.get(i).height() / size;
      List<Box> scaled = new ArrayList<>();
      for (Box b : decoded.get(i)) scaled.add(new Box(b.x0 * sx, b.y0 * sy, b.x1 * sx, b.y1 * sy, b.category, b.score));
      out.add(new Detection(scaled, classes, confidence, nmsIou));
    }
    return out;
  }

  public Embedding embed(GrayImage image) {
    return embed(List.of(image)).get(0);
  }

  /** Each image's pooled features and projection (an encoder package; one network call). */
  public List<Embedding> embed(List<GrayImage> images) {
    float[][] out = encode(images);
    int d = out[0].length / images.size(), q = out[1].length / images.size();
    List<Embedding> e = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      e.add(new Embedding(Arrays.copyOfRange(out[0], i * d, (i + 1) * d), Arrays.copyOfRange(out[1], i * q, (i + 1) * q)));
    }
    return e;
  }

  /** {embedding [n, D], projection [n, P]} of an encoder package. */
  private float[][] encode(List<GrayImage> images) {
    require(job.needsEncoder(), "an encoder package");
    float[] x = Preprocessing.wholeBatch(images, size);
    java.util.Map<String, float[]> all = network.run(x, images.size());
    return new float[][] {Network.output(all, EncoderGraph.OUTPUT_EMBEDDING), Network.output(all, EncoderGraph.OUTPUT_PROJECTION)};
  }

  private void require(boolean ok, String what) {
    if (!ok) throw new IllegalStateException(job.key() + " opened " + pkg.source() + "; this call needs " + what);
  }

  @Override
  public void close() {
    network.close();
  }
}
