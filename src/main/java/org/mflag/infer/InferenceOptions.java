package org.mflag.infer;

import java.io.Serializable;
import java.nio.file.Path;
import org.mflag.config.KeyValues;
import org.mflag.zeroshot.ZeroShot;

/**
 * How {@link Inference} applies a package beyond its recorded defaults, immutable: built once from a command's keys
 * ({@link #of}) or with the {@code with...} methods, and shared by the Fiji commands, the launcher's batch jobs and the
 * Spark executors (it is serialisable, and equal options give equal {@link #toString()}s, a Spark executor's cache key).
 *
 * <ul>
 * <li>{@code threshold}: segmentation, a pixel is foreground above it; NaN: the package's</li>
 * <li>{@code confidence}: detection, the score a box needs; NaN: the package's</li>
 * <li>{@code nmsIou}: detection, IoU above which the weaker box is dropped; NaN: the package's</li>
 * <li>{@code scale}: segmentation, network pixels per image pixel, run in overlapping tiles; {@code <= 0}: the whole
 *     image resized to the network input, as fine-tuning trains</li>
 * <li>{@code overlap}: least tile overlap in network pixels; negative: an eighth of the input</li>
 * <li>{@code batch}: images per network call</li>
 * <li>{@code masks}: segmentation in batch jobs, the folder that {@code masks/} goes under; null: no mask files</li>
 * <li>{@code zeroShot}: zero-shot, the classes and prompt projections; null otherwise</li>
 * </ul>
 */
public final class InferenceOptions implements Serializable {

  private static final long serialVersionUID = 1L;

  private final double threshold;
  private final double confidence;
  private final double nmsIou;
  private final double scale;
  private final int overlap;
  private final int batch;
  private final String masks;
  private final ZeroShot zeroShot;
  private final String engine;

  public InferenceOptions(double threshold, double confidence, double nmsIou, double scale, int overlap, int batch, String masks,
      ZeroShot zeroShot) {
    this(threshold, confidence, nmsIou, scale, overlap, batch, masks, zeroShot, Engine.ENGINE.defaultValue());
  }

  private InferenceOptions(double threshold, double confidence, double nmsIou, double scale, int overlap, int batch, String masks,
      ZeroShot zeroShot, String engine) {
    if (batch < 1) throw new IllegalArgumentException("batch " + batch + ": must be at least 1");
    this.threshold = threshold;
    this.confidence = confidence;
    this.nmsIou = nmsIou;
    this.scale = scale;
    this.overlap = overlap;
    this.batch = batch;
    this.masks = masks;
    this.zeroShot = zeroShot;
    this.engine = Engine.of(engine).key();
  }

  public double threshold() {
    return threshold;
  }

  public double confidence() {
    return confidence;
  }

  public double nmsIou() {
    return nmsIou;
  }

  public double scale() {
    return scale;
  }

  public int overlap() {
    return overlap;
  }

  public int batch() {
    return batch;
  }

  public String masks() {
    return masks;
  }

  public ZeroShot zeroShot() {
    return zeroShot;
  }

  /** What runs the network ({@link Engine#ENGINE}). */
  public Engine engine() {
    return Engine.of(engine);
  }

  /** The package's thresholds, whole images, batches of batch_size's default, no mask files. */
  public static final InferenceOptions DEFAULTS = new InferenceOptions(Double.NaN, Double.NaN, Double.NaN, 0, -1,
      AnalysisConfig.BATCH_SIZE.defaultInteger(), null, null);

  /**
   * The options of {@code job} from a command's keys: the inference keys the command declares ({@code threshold},
   * {@code scale}, {@code overlap}, {@code confidence}, {@code nms_iou}, {@code batch_size}), {@code auto} meaning the
   * package's value. Mask files and zero-shot prompts are the batch jobs' ({@link ManifestAnalysis#options}).
   */
  public static InferenceOptions of(Job job, KeyValues kv) {
    InferenceOptions o = DEFAULTS;
    if (kv.has(Engine.ENGINE)) o = o.withEngine(Engine.of(kv.string(Engine.ENGINE)));
    if (kv.has(AnalysisConfig.BATCH_SIZE)) o = o.withBatch(kv.integer(AnalysisConfig.BATCH_SIZE));
    if (job == Job.SEGMENT) {
      o = o.withThreshold(kv.number(InferenceKeys.THRESHOLD, Double.NaN)).withScale(kv.number(InferenceKeys.SCALE, 0))
          .withOverlap(kv.auto(InferenceKeys.OVERLAP) ? -1 : kv.integer(InferenceKeys.OVERLAP));
    }
    if (job == Job.DETECT) {
      o = o.withConfidence(kv.number(InferenceKeys.CONFIDENCE, Double.NaN)).withNmsIou(kv.number(InferenceKeys.NMS_IOU, Double.NaN));
    }
    return o;
  }

  public InferenceOptions withThreshold(double v) {
    return new InferenceOptions(v, confidence, nmsIou, scale, overlap, batch, masks, zeroShot, engine);
  }

  public InferenceOptions withConfidence(double v) {
    return new InferenceOptions(threshold, v, nmsIou, scale, overlap, batch, masks, zeroShot, engine);
  }

  public InferenceOptions withNmsIou(double v) {
    return new InferenceOptions(threshold, confidence, v, scale, overlap, batch, masks, zeroShot, engine);
  }

  public InferenceOptions withScale(double v) {
    return new InferenceOptions(threshold, confidence, nmsIou, v, overlap, batch, masks, zeroShot, engine);
  }

  public InferenceOptions withOverlap(int v) {
    return new InferenceOptions(threshold, confidence, nmsIou, scale, v, batch, masks, zeroShot, engine);
  }

  public InferenceOptions withBatch(int v) {
    return new InferenceOptions(threshold, confidence, nmsIou, scale, overlap, v, masks, zeroShot, engine);
  }

  /** Writes each mask as {@code folder/masks/<id>.png}. */
  public InferenceOptions withMasksUnder(Path folder) {
    return new InferenceOptions(threshold, confidence, nmsIou, scale, overlap, batch, folder.toString(), zeroShot, engine);
  }

  /** Zero-shot classification with these classes and prompt projections. */
  public InferenceOptions withZeroShot(ZeroShot z) {
    return new InferenceOptions(threshold, confidence, nmsIou, scale, overlap, batch, masks, z, engine);
  }

  /** Every option, so that equal options give equal strings (a cache key). */
  public InferenceOptions withEngine(Engine e) {
    return new InferenceOptions(threshold, confidence, nmsIou, scale, overlap, batch, masks, zeroShot, e.key());
  }

  @Override
  public String toString() {
    return "threshold=" + threshold + " confidence=" + confidence + " nms_iou=" + nmsIou + " scale=" + scale + " overlap=" + overlap
        + " batch=" + batch + " masks=" + masks + " engine=" + engine + " zero_shot=" + (zeroShot == null ? "" : zeroShot.fingerprint());
  }
}
