package org.mflag.infer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mflag.config.Task;
import org.mflag.data.Box;
import org.mflag.data.DatasetException;
import org.mflag.io.CsvCells;
import org.mflag.data.Manifest;
import org.mflag.data.GrayImage;
import org.mflag.data.ImageDecoder;
import org.mflag.imageio.MaskFiles;
import org.mflag.io.Hashing;
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

  public static final String MASKS = "masks";
  public static final String OK = "ok";
  public static final String ERROR = "error";

  private final Job job;
  private final InferenceOptions options;
  private final Inference inference;
  private final List<Column> columns;

  /** The engine running the network ({@link Inference#engine}). */
  public String engine() {
    return inference.engine();
  }

  private BatchAnalysis(Inference inference) {
    this.job = inference.job();
    this.options = inference.options();
    this.inference = inference;
    this.columns = columns(job, inference.modelPackage(), options);
  }

  /** Opens the model package for {@code job} ({@link Inference#open}), computing on {@code devices} (the default when null). */
  public static BatchAnalysis open(Job job, Path model, InferenceOptions options, Devices.Plan devices) throws ModelPackageException {
    return new BatchAnalysis(Inference.open(model, job, options, devices));
  }

  /** The result columns of {@code job} with the package in {@code model} (reads its metadata only). */
  public static List<Column> columns(Job job, Path model, InferenceOptions options) throws ModelPackageException {
    return columns(job, ModelPackage.open(model), options);
  }

  private static List<Column> columns(Job job, ModelPackage pkg, InferenceOptions options) {
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
        for (String k : options.zeroShot().classes()) c.add(new Column("p_" + columnName(k), Type.DOUBLE));
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
      if (images.size() == options.batch()) flush(pending, images);
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
      case SEGMENT: {
        List<Segmentation> seg = inference.segment(images);
        for (int i = 0; i < rows.size(); i++) segmented(rows.get(i), seg.get(i));
        break;
      }
      case CLASSIFY:
      case ZERO_SHOT: {
        List<Classification> c = inference.classify(images);
        for (int i = 0; i < rows.size(); i++) classified(rows.get(i), c.get(i));
        break;
      }
      case DETECT: {
        List<Detection> d = inference.detect(images);
        for (int i = 0; i < rows.size(); i++) detected(rows.get(i), d.get(i));
        break;
      }
      case EMBED: {
        List<Embedding> e = inference.embed(images);
        for (int i = 0; i < rows.size(); i++) {
          rows.get(i).put("embedding", e.get(i).embedding());
          rows.get(i).put("projection", e.get(i).projection());
        }
        break;
      }
      default:
        throw new IllegalStateException(job.toString());
    }
  }

  private void segmented(Map<String, Object> row, Segmentation s) throws IOException {
    row.put("foreground_fraction", s.foregroundFraction());
    row.put("regions", (long) s.regions().count);
    row.put("region_areas", s.regions().area.clone());
    if (options.masks() != null) row.put("mask", writeMask(Path.of(options.masks()), (String) row.get("id"), s.mask(), s.width(), s.height()));
  }

  private static void classified(Map<String, Object> row, Classification c) {
    for (int k = 0; k < c.classes().size(); k++) row.put("p_" + columnName(c.classes().get(k)), (double) c.probabilities()[k]);
    row.put("predicted", c.predicted());
  }

  private static void detected(Map<String, Object> row, Detection d) {
    int n = d.boxes().size();
    double[] x0 = new double[n], y0 = new double[n], x1 = new double[n], y1 = new double[n], score = new double[n];
    String[] cls = new String[n];
    for (int i = 0; i < n; i++) {
      Box b = d.boxes().get(i);
      x0[i] = b.x0;
      y0[i] = b.y0;
      x1[i] = b.x1;
      y1[i] = b.y1;
      score[i] = b.score;
      cls[i] = d.className(b);
    }
    row.put("boxes", (long) n);
    row.put("box_x0", x0);
    row.put("box_y0", y0);
    row.put("box_x1", x1);
    row.put("box_y1", y1);
    row.put("box_class", cls);
    row.put("box_score", score);
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
    inference.close();
  }
}
