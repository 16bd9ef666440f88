package org.mflag.infer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mflag.config.Choices;
import org.mflag.config.Task;
import org.mflag.data.Box;
import org.mflag.data.DatasetException;
import org.mflag.io.CsvCells;
import org.mflag.data.Manifest;
import org.mflag.data.GrayImage;
import org.mflag.data.ImageDecoder;
import org.mflag.data.Preprocessing;
import org.mflag.imageio.MaskFiles;
import org.mflag.io.Hashing;
import org.mflag.model.EncoderPredictor;
import org.mflag.model.ModelPackage;
import org.mflag.model.ModelPackageException;
import org.mflag.runtime.Devices;

/**
 * Analysis of many images with one model, one result row per image: what {@code ./mflag segment|classify|detect|embed}
 * runs in one JVM and what the Spark jobs run inside each partition, so both give the same rows. Images are decoded
 * one by one (a bad image becomes a row with status {@code error} and the reason, never an exception) and the good
 * ones go through the network in batches. Segmentation writes each mask as an 8-bit PNG (0/255) under
 * {@code masks/}, named from the image id alone and replaced atomically: a retried or repeated task writes the same
 * file again and leaves no half-written one.
 *
 * <p>Thread-safe: images are decoded in the calling thread, and the network runs one batch at a time (a Spark
 * executor shares one instance among its task threads).</p>
 */
public final class BatchAnalysis implements AutoCloseable {

  /** What is computed per image. */
  public enum Job {
    SEGMENT(Task.SEGMENTATION), CLASSIFY(Task.CLASSIFICATION), DETECT(Task.DETECTION), EMBED(null),
    /** Zero-shot classification with an encoder package and prompts ({@link org.mflag.zeroshot.ZeroShot}). */
    ZERO_SHOT(null);

    /** The fine-tuned task whose package the job needs; null: an encoder package (any). */
    public final Task task;

    Job(Task task) {
      this.task = task;
    }

    /** segment, classify, detect, embed, zero-shot: the command's name. */
    public String key() {
      return Choices.key(this).replace('_', '-');
    }

    public static Job fromKey(String key) {
      for (Job j : values()) if (j.key().equals(key.trim().toLowerCase(java.util.Locale.ROOT))) return j;
      List<String> keys = new ArrayList<>();
      for (Job j : values()) keys.add(j.key());
      throw new IllegalArgumentException("job=" + key + ": allowed values are " + keys);
    }

    /** Whether the job runs a pre-trained encoder package (rather than a fine-tuned task package). */
    public boolean needsEncoder() {
      return task == null;
    }
  }

  /** The type of a result column (Parquet and Spark types follow from it; CSV writes arrays as {@code a;b;c}). */
  public enum Type { STRING, LONG, DOUBLE, FLOAT_ARRAY, DOUBLE_ARRAY, LONG_ARRAY, STRING_ARRAY }

  /** A result column: name and type. */
  public static final class Column {
    public final String name;
    public final Type type;

    Column(String name, Type type) {
      this.name = name;
      this.type = type;
    }

    @Override
    public String toString() {
      return name + ":" + type;
    }
  }

  /**
   * One image to analyse: its id, the path as the manifest gives it, and the file it resolves to, or why
   * the path is refused (an error row).
   */
  public static final class Item implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    public final String id;
    public final String path;
    public final String file;
    public final String problem;

    public Item(String id, String path, Path file) {
      this(id, path, file.toString(), null);
    }

    private Item(String id, String path, String file, String problem) {
      this.id = id;
      this.path = path;
      this.file = file;
      this.problem = problem;
    }

    /** The item of a manifest row whose {@code path} is relative to {@code folder} (see {@link Manifest#locate}). */
    public static Item of(Path folder, String id, String path) {
      try {
        return new Item(id, path, Manifest.locate(folder, path));
      } catch (DatasetException e) {
        return new Item(id, path, null, e.getMessage());
      }
    }
  }

  /** What the job does beyond the package's defaults. */
  public static final class Options implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    /** Segmentation threshold, detection confidence and NMS IoU; NaN: the package's value. */
    double threshold = Double.NaN;
    double confidence = Double.NaN;
    double nmsIou = Double.NaN;
    /** Segmentation scale (network pixels per image pixel; <= 0: the whole image resized) and tile overlap (< 0: auto). */
    double scale;
    int overlap = -1;
    /** Images per network call. */
    int batch = 8;
    /** Folder the masks go under ({@code masks/}); null: no masks written. */
    String output;
    /** The classes and prompt projections of {@link Job#ZERO_SHOT}. */
    org.mflag.zeroshot.ZeroShot zeroShot;

    public Options optThreshold(double v) {
      threshold = v;
      return this;
    }

    public Options optConfidence(double v) {
      confidence = v;
      return this;
    }

    public Options optNmsIou(double v) {
      nmsIou = v;
      return this;
    }

    public Options optScale(double v) {
      scale = v;
      return this;
    }

    public Options optOverlap(int v) {
      overlap = v;
      return this;
    }

    public Options optBatch(int v) {
      if (v < 1) throw new IllegalArgumentException("batch " + v + ": must be at least 1");
      batch = v;
      return this;
    }

    /** Writes masks under {@code folder/masks}. */
    public Options optMasksUnder(Path folder) {
      output = folder.toString();
      return this;
    }

    public int batch() {
      return batch;
    }

    /** The zero-shot classifier, or null. */
    public org.mflag.zeroshot.ZeroShot zeroShot() {
      return zeroShot;
    }

    /** Zero-shot classification with these classes and prompt projections. */
    public Options optZeroShot(org.mflag.zeroshot.ZeroShot z) {
      zeroShot = z;
      return this;
    }

    /** Every option, so that equal options give equal strings (a cache key). */
    @Override
    public String toString() {
      return "threshold=" + threshold + " confidence=" + confidence + " nms_iou=" + nmsIou + " scale=" + scale + " overlap=" + overlap
          + " batch=" + batch + " masks=" + output + " zero_shot=" + (zeroShot == null ? "" : zeroShot.fingerprint());
    }
  }

  public static final String MASKS = "masks";
  public static final String OK = "ok";
  public static final String ERROR = "error";

  private final Job job;
  private final Options options;
  private final TaskModel task;
  private final EncoderPredictor encoder;
  private final int size;
  private final List<String> classes;
  private final List<Column> columns;

  private BatchAnalysis(Job job, Options options, TaskModel task, EncoderPredictor encoder, ModelPackage pkg) {
    this.job = job;
    this.options = options;
    this.task = task;
    this.encoder = encoder;
    this.size = pkg.imageSize();
    this.classes = job == Job.ZERO_SHOT ? options.zeroShot.classes() : pkg.classes();
    this.columns = columns(job, pkg, options);
  }

  /** Opens the model package for {@code job}, computing on {@code devices} (DJL's default when null). */
  public static BatchAnalysis open(Job job, Path model, Options options, Devices.Plan devices) throws ModelPackageException {
    if (job.needsEncoder()) {
      ModelPackage pkg = ModelPackage.open(model);
      if (!pkg.task().equals(ModelPackage.PRETRAIN)) {
        throw new ModelPackageException(model + ": a " + pkg.task() + " model; " + job.key() + " needs an encoder package written by pretrain");
      }
      if (job == Job.ZERO_SHOT && options.zeroShot == null) throw new IllegalArgumentException("zero-shot: no prompts given (Options.optZeroShot)");
      return new BatchAnalysis(job, options, null, pkg.predictor(), pkg);
    }
    TaskModel m = TaskModel.open(model, job.task, devices);
    return new BatchAnalysis(job, options, m, null, m.modelPackage());
  }

  /** The result columns of {@code job} with the package in {@code model} (reads its metadata only). */
  public static List<Column> columns(Job job, Path model, Options options) throws ModelPackageException {
    return columns(job, ModelPackage.open(model), options);
  }

  private static List<Column> columns(Job job, ModelPackage pkg, Options options) {
    List<Column> c = new ArrayList<>(Arrays.asList(new Column("id", Type.STRING), new Column("path", Type.STRING),
        new Column("status", Type.STRING), new Column("error", Type.STRING), new Column("width", Type.LONG), new Column("height", Type.LONG)));
    switch (job) {
      case SEGMENT:
        c.addAll(Arrays.asList(new Column("foreground_fraction", Type.DOUBLE), new Column("regions", Type.LONG),
            new Column("region_areas", Type.LONG_ARRAY), new Column("mask", Type.STRING)));
        break;
      case CLASSIFY:
        c.add(new Column("predicted", Type.STRING));
        for (String k : pkg.classes()) c.add(new Column("p_" + columnName(k), Type.DOUBLE));
        break;
      case DETECT:
        c.addAll(Arrays.asList(new Column("boxes", Type.LONG), new Column("box_x0", Type.DOUBLE_ARRAY), new Column("box_y0", Type.DOUBLE_ARRAY),
            new Column("box_x1", Type.DOUBLE_ARRAY), new Column("box_y1", Type.DOUBLE_ARRAY), new Column("box_class", Type.STRING_ARRAY),
            new Column("box_score", Type.DOUBLE_ARRAY)));
        break;
      case EMBED:
        c.addAll(Arrays.asList(new Column("embedding", Type.FLOAT_ARRAY), new Column("projection", Type.FLOAT_ARRAY)));
        break;
      case ZERO_SHOT:
        c.add(new Column("predicted", Type.STRING));
        for (String k : options.zeroShot.classes()) c.add(new Column("p_" + columnName(k), Type.DOUBLE));
        break;
      default:
        throw new IllegalArgumentException(job.toString());
    }
    return Collections.unmodifiableList(c);
  }

  /** A class name as a column name: letters, digits and underscores. */
  public static String columnName(String s) {
    String n = s.trim().replaceAll("[^A-Za-z0-9_]+", "_");
    return n.isEmpty() ? "class" : n;
  }

  public List<Column> columns() {
    return columns;
  }

  /**
   * Analyses {@code items} in order and returns one row per item (values by column name, in {@link #columns()} order;
   * null where a column does not apply, as after an error).
   */
  public List<Map<String, Object>> analyse(List<Item> items, ImageDecoder decoder) throws IOException {
    List<Map<String, Object>> rows = new ArrayList<>();
    List<Map<String, Object>> pending = new ArrayList<>();
    List<GrayImage> images = new ArrayList<>();
    for (Item item : items) {
      Map<String, Object> row = row(item);
      rows.add(row);
      GrayImage image;
      try {
        if (item.problem != null) throw new DatasetException(item.problem);
        image = decoder.read(Path.of(item.file)).requireSignal(Path.of(item.file));
      } catch (DatasetException | RuntimeException e) {
        row.put("status", ERROR);
        row.put("error", e.getMessage() == null ? e.toString() : e.getMessage());
        continue;
      }
      row.put("width", (long) image.width());
      row.put("height", (long) image.height());
      pending.add(row);
      images.add(image);
      if (images.size() == options.batch) flush(pending, images);
    }
    flush(pending, images);
    return rows;
  }

  private Map<String, Object> row(Item item) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (Column c : columns) row.put(c.name, null);
    row.put("id", item.id);
    row.put("path", item.path);
    row.put("status", OK);
    row.put("error", "");
    return row;
  }

  private void flush(List<Map<String, Object>> rows, List<GrayImage> images) throws IOException {
    if (images.isEmpty()) return;
    synchronized (this) {
      compute(rows, images);
    }
    rows.clear();
    images.clear();
  }

  private void compute(List<Map<String, Object>> rows, List<GrayImage> images) throws IOException {
    switch (job) {
      case SEGMENT:
        segment(rows, images);
        break;
      case CLASSIFY:
        List<float[]> p = task.classProbabilities(images);
        for (int i = 0; i < rows.size(); i++) classified(rows.get(i), p.get(i));
        break;
      case DETECT:
        double conf = Double.isNaN(options.confidence) ? task.confidence() : options.confidence;
        double nms = Double.isNaN(options.nmsIou) ? task.nmsIou() : options.nmsIou;
        List<List<Box>> boxes = task.boxes(images, conf, nms);
        for (int i = 0; i < rows.size(); i++) detected(rows.get(i), boxes.get(i));
        break;
      case EMBED:
        embed(rows, images);
        break;
      case ZERO_SHOT: {
        float[] projections = encoder.predict(Preprocessing.wholeBatch(images, size), images.size())[1];
        float[] zp = options.zeroShot.probabilities(projections, images.size());
        int c = classes.size();
        for (int i = 0; i < rows.size(); i++) {
          float[] pi = Arrays.copyOfRange(zp, i * c, (i + 1) * c);
          if (options.zeroShot.multiLabel()) {
            List<String> present = new ArrayList<>();
            for (int k = 0; k < c; k++) {
              rows.get(i).put("p_" + columnName(classes.get(k)), (double) pi[k]);
              if (pi[k] > 0.5f) present.add(classes.get(k));
            }
            rows.get(i).put("predicted", String.join("|", present));
          } else {
            classified(rows.get(i), pi);
          }
        }
        break;
      }
      default:
        throw new IllegalStateException(job.toString());
    }
  }

  private void segment(List<Map<String, Object>> rows, List<GrayImage> images) throws IOException {
    double threshold = Double.isNaN(options.threshold) ? task.threshold() : options.threshold;
    List<float[]> p;
    if (options.scale > 0) {
      p = new ArrayList<>();
      for (GrayImage im : images) p.add(task.probability(im, options.scale, options.overlap));
    } else {
      p = task.probabilities(images);
    }
    for (int i = 0; i < rows.size(); i++) {
      GrayImage im = images.get(i);
      boolean[] mask = new boolean[p.get(i).length];
      long fg = 0;
      for (int k = 0; k < mask.length; k++) {
        mask[k] = p.get(i)[k] > threshold;
        if (mask[k]) fg++;
      }
      Regions r = Regions.of(mask, im.width(), im.height());
      Map<String, Object> row = rows.get(i);
      row.put("foreground_fraction", (double) fg / mask.length);
      row.put("regions", (long) r.count);
      row.put("region_areas", r.area.clone());
      if (options.output != null) row.put("mask", writeMask(Path.of(options.output), (String) row.get("id"), mask, im.width(), im.height()));
    }
  }

  private void classified(Map<String, Object> row, float[] p) {
    int best = 0;
    for (int k = 0; k < p.length; k++) {
      row.put("p_" + columnName(classes.get(k)), (double) p[k]);
      if (p[k] > p[best]) best = k;
    }
    row.put("predicted", classes.get(best));
  }

  private void detected(Map<String, Object> row, List<Box> boxes) {
    int n = boxes.size();
    double[] x0 = new double[n], y0 = new double[n], x1 = new double[n], y1 = new double[n], score = new double[n];
    String[] cls = new String[n];
    for (int i = 0; i < n; i++) {
      Box b = boxes.get(i);
      x0[i] = b.x0;
      y0[i] = b.y0;
      x1[i] = b.x1;
      y1[i] = b.y1;
      score[i] = b.score;
      cls[i] = classes.get(b.category);
    }
    row.put("boxes", (long) n);
    row.put("box_x0", x0);
    row.put("box_y0", y0);
    row.put("box_x1", x1);
    row.put("box_y1", y1);
    row.put("box_class", cls);
    row.put("box_score", score);
  }

  private void embed(List<Map<String, Object>> rows, List<GrayImage> images) {
    float[][] out = encoder.predict(Preprocessing.wholeBatch(images, size), images.size());
    int d = out[0].length / images.size(), q = out[1].length / images.size();
    for (int i = 0; i < rows.size(); i++) {
      rows.get(i).put("embedding", Arrays.copyOfRange(out[0], i * d, (i + 1) * d));
      rows.get(i).put("projection", Arrays.copyOfRange(out[1], i * q, (i + 1) * q));
    }
  }

  /**
   * The mask file of an image id, relative to the output folder: {@code masks/<id>.png} with every character but
   * letters, digits, '.', '_' and '-' replaced, plus a hash of the id when anything was replaced, so that two ids never
   * share a file and no id leaves the folder.
   */
  public static String maskName(String id) {
    String safe = id.replaceAll("[^A-Za-z0-9._-]", "_");
    if (!safe.equals(id) || safe.isEmpty() || safe.startsWith(".")) {
      safe = safe + "-" + Hashing.sha256(id).substring(0, 12);
    }
    return MASKS + "/" + safe + ".png";
  }

  private static String writeMask(Path output, String id, boolean[] mask, int w, int h) throws IOException {
    String name = maskName(id);
    MaskFiles.writePng(output.resolve(name), mask, w, h);
    return name;
  }

  /**
   * A value as a CSV cell: arrays as {@code a;b;c}, null as empty; text and arrays {@link CsvCells#safe made safe} for
   * spreadsheets, as Spark's CSV writer does ({@code -0.5;0.25} becomes {@code '-0.5;0.25}).
   */
  public static String csvCell(Object v) {
    if (v == null) return "";
    if (v instanceof float[]) return CsvCells.safe(join(v, ((float[]) v).length));
    if (v instanceof double[]) return CsvCells.safe(join(v, ((double[]) v).length));
    if (v instanceof long[]) return CsvCells.safe(join(v, ((long[]) v).length));
    if (v instanceof String[]) return CsvCells.safe(String.join(";", (String[]) v));
    if (v instanceof String) return CsvCells.safe((String) v);
    return v.toString();
  }

  private static String join(Object array, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      if (i > 0) sb.append(';');
      sb.append(java.lang.reflect.Array.get(array, i));
    }
    return sb.toString();
  }

  @Override
  public void close() {
    if (task != null) task.close();
    if (encoder != null) encoder.close();
  }
}
