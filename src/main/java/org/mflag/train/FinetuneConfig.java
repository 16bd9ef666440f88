package org.mflag.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mflag.config.CommonKeys;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.data.BadInputPolicy;
import org.mflag.nn.Architecture;
import org.mflag.config.Task;

/**
 * A fine-tuning run of one downstream task, from {@code key=value} arguments (launcher, macro, Fiji
 * command) or, for scripts, from a map ({@link #of(Task, Map)}). Defaults follow MFLAG.md's downstream
 * protocols: AdamW lr 5e-4 (2e-4 for detection at 1% of the labels), weight decay 0.05 for
 * segmentation and 1e-6 for detection and classification, early stopping with patience 10 over at
 * most 50 epochs, a frozen encoder for segmentation and detection and a linear probe for
 * classification.
 */
public final class FinetuneConfig {

  public static final Key MANIFEST = Key.of("manifest", null, "CSV file with one row per image (paths relative to its folder)");
  public static final Key SPLIT_COLUMN = Key.of("split_column", "split",
      "manifest column with train/val/test per row; when the manifest has no such column a seeded split is drawn and saved as split.csv");
  public static final Key GROUP_COLUMN = Key.of("group_column", "",
      "for a drawn split: rows with the same value here (e.g. a patient id) land in the same part; empty = each row alone");
  public static final Key VAL_FRACTION = Key.of("val_fraction", "0.15", "share of the rows (groups) a drawn split puts in val");
  public static final Key TEST_FRACTION = Key.of("test_fraction", "0.15", "share of the rows (groups) a drawn split puts in test");
  public static final Key MASK_COLUMN = Key.of("mask_column", "mask", "manifest column with the mask image path (pixel > 0 = foreground)");
  public static final Key IGNORE_VALUE = Key.of("ignore_value", "",
      "mask value left out of loss and metrics (the sample masks use 127); empty = none");
  public static final Key LABEL_COLUMN = Key.of("label_column", "label",
      "manifest column with the class name (single-label) or names separated by | (multi-label)");
  public static final Key LABEL_COLUMNS = Key.of("label_columns", "", "multi-label: comma-separated 0/1 columns, one per class; overrides label_column");
  public static final Key CLASSES = Key.of("classes", "", "comma-separated class list (order = output order); empty = the sorted values found");
  public static final Key BOXES = Key.of("boxes", null, "COCO JSON file with the boxes (file_name relative to the JSON's folder)");
  public static final Key THRESHOLD = Key.of("threshold", "0.5", "probability above which a pixel is foreground");
  public static final Key CONFIDENCE = Key.of("confidence", "0.5", "objectness x class probability a detection needs");
  public static final Key NMS_IOU = Key.of("nms_iou", "0.5", "IoU above which non-maximum suppression drops the weaker box");

  /** Keys that name the data; {@code evaluate} takes the same ones. */
  public static List<Key> dataKeys(Task task) {
    List<Key> k = new ArrayList<>(Arrays.asList(MANIFEST, CommonKeys.IMAGE_COLUMN, CommonKeys.ID_COLUMN, SPLIT_COLUMN));
    switch (task) {
      case SEGMENTATION:
        k.addAll(Arrays.asList(MASK_COLUMN, IGNORE_VALUE));
        break;
      case CLASSIFICATION:
        k.addAll(Arrays.asList(LABEL_COLUMN, LABEL_COLUMNS, CLASSES));
        break;
      case DETECTION:
        k.add(BOXES);
        break;
      default:
        throw new IllegalArgumentException(task.toString());
    }
    return k;
  }

  /** The parameters of {@code finetune-<model>}, in the order {@code help} lists them. */
  public static List<Key> keys(Task task) {
    List<Key> k = dataKeys(task);
    k.addAll(Arrays.asList(GROUP_COLUMN, VAL_FRACTION, TEST_FRACTION,
        Key.of("encoder_model", null, "pre-trained model package folder (from pretrain), or random for a randomly initialised encoder"),
        Key.choice("encoder", "resnet50", "encoder architecture when encoder_model=random (otherwise the package's)", Architecture.keys()),
        Key.of("output", null, "folder for the fine-tuned model package, checkpoints, split and history"),
        Key.of("image_size", "224", "network input size in pixels (a multiple of 32); images are resized whole"),
        Key.of("batch_size", "16", "images per step (MFLAG.md: 16 for detection)"),
        Key.of("epochs", "50", "most passes over the training data"),
        Key.of("patience", "10", "stop when the validation metric has not improved for this many epochs"),
        Key.of("lr", "auto", "AdamW learning rate; auto = 5e-4 (2e-4 for detection with fraction <= 0.01)"),
        Key.of("weight_decay", "auto", "AdamW weight decay; auto = 0.05 for segmentation, 1e-6 otherwise"),
        Key.of("fraction", "1.0", "share of the training split used (seeded subset): 0.01, 0.1, 1.0 in the paper")));
    switch (task) {
      case SEGMENTATION:
        k.add(Key.of("freeze_encoder", "true", "keep the pre-trained encoder fixed (MFLAG.md) and train the decoder only"));
        k.add(THRESHOLD);
        break;
      case CLASSIFICATION:
        k.add(Key.choice("mode", "linear", "linear (probe on the frozen encoder) or finetune (train everything)", "linear", "finetune"));
        k.add(Key.choice("class_weights", "none", "none, or balanced (n / (classes x n_class)) for skewed labels", "none", "balanced"));
        break;
      case DETECTION:
        k.add(Key.of("freeze_encoder", "true", "keep the pre-trained encoder fixed (MFLAG.md) and train the head only"));
        k.add(CONFIDENCE);
        k.add(NMS_IOU);
        break;
      default:
        throw new IllegalArgumentException(task.toString());
    }
    k.addAll(Arrays.asList(CommonKeys.SEED,
        Key.of("resume", "false", "continue from the last checkpoint in output/checkpoints"),
        CommonKeys.WORKERS, CommonKeys.ON_BAD_INPUT,
        Key.of("log_every", "10", "steps between log lines"),
        Key.of("max_steps", "0", "stop (with a checkpoint) after this global step; 0 = no limit")));
    return Collections.unmodifiableList(k);
  }

  /** Keys that do not change the result: they may differ between a run and its resume. */
  static final List<String> NOT_FINGERPRINTED = Arrays.asList("output", "resume", "workers", "on_bad_input", "log_every",
      "max_steps", "manifest");

  private final Task task;
  private final KeyValues kv;

  private FinetuneConfig(Task task, KeyValues kv) {
    this.task = task;
    this.kv = kv;
    // validate eagerly so that a bad value fails before any data is read
    imageSize();
    batchSize();
    epochs();
    patience();
    fraction();
    lr();
    weightDecay();
  }

  public static String command(Task task) {
    return "finetune-" + task.modelName();
  }

  public static FinetuneConfig of(Task task, KeyValues kv) {
    return new FinetuneConfig(task, kv);
  }

  /** For scripts: the same keys as the launcher, as a map. */
  public static FinetuneConfig of(Task task, Map<String, String> values) {
    List<String> args = new ArrayList<>();
    for (Map.Entry<String, String> e : values.entrySet()) args.add(e.getKey() + "=" + e.getValue());
    return new FinetuneConfig(task, KeyValues.parse(command(task), keys(task), args));
  }

  public Task task() {
    return task;
  }

  public KeyValues keyValues() {
    return kv;
  }

  public Path manifest() {
    return kv.path("manifest");
  }

  public Path output() {
    return kv.path("output");
  }

  /** Null for a random encoder. */
  public Path encoderModel() {
    String v = kv.string("encoder_model");
    return v.trim().equalsIgnoreCase("random") ? null : kv.path("encoder_model");
  }

  public Architecture encoder() {
    return Architecture.fromKey(kv.string("encoder"));
  }

  public int imageSize() {
    int s = kv.integer("image_size", 32);
    if (s % 32 != 0) throw new IllegalArgumentException("image_size=" + s + ": must be a multiple of 32");
    return s;
  }

  public int batchSize() {
    return kv.integer("batch_size", 2);
  }

  public int epochs() {
    return kv.integer("epochs", 1);
  }

  public int patience() {
    return kv.integer("patience", 1);
  }

  public double fraction() {
    double f = kv.number("fraction", 0);
    if (!(f > 0 && f <= 1)) throw new IllegalArgumentException("fraction=" + f + ": must be in (0, 1]");
    return f;
  }

  public double lr() {
    if (!"auto".equals(kv.string("lr"))) return kv.number("lr", 0);
    return task == Task.DETECTION && fraction() <= 0.01 ? 2e-4 : 5e-4;
  }

  public double weightDecay() {
    if (!"auto".equals(kv.string("weight_decay"))) return kv.number("weight_decay", 0);
    return task == Task.SEGMENTATION ? 0.05 : 1e-6;
  }

  /** Whether the encoder stays fixed: {@code freeze_encoder}, or {@code mode=linear} for classification. */
  public boolean freezeEncoder() {
    return task == Task.CLASSIFICATION ? "linear".equals(kv.string("mode")) : kv.bool("freeze_encoder");
  }

  public long seed() {
    return kv.longValue("seed");
  }

  public boolean resume() {
    return kv.bool("resume");
  }

  public int workers() {
    return kv.integer("workers", 1);
  }

  public BadInputPolicy onBadInput() {
    return BadInputPolicy.fromKey(kv.string("on_bad_input"));
  }

  public int logEvery() {
    return kv.integer("log_every", 1);
  }

  public long maxSteps() {
    return kv.integer("max_steps", 0);
  }

  public String get(String key) {
    return kv.string(key);
  }

  public Map<String, String> toKeyValues() {
    return kv.resolved();
  }

  public Map<String, String> fingerprint() {
    Map<String, String> m = new LinkedHashMap<>(toKeyValues());
    m.keySet().removeAll(NOT_FINGERPRINTED);
    return m;
  }
}
