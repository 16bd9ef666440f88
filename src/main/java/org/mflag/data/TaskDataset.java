package org.mflag.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.scijava.log.Logger;

/**
 * The labelled images of a downstream task: each usable manifest row becomes a {@link Sample} with
 * its image and its target (mask, class vector or boxes) at the network's input size, and its split.
 *
 * <p>Downstream images are not cropped to their non-zero bounding box: the whole image is rescaled
 * to 0..255 and resized (bilinear, antialiased) to {@code size x size}, so that masks (resized with
 * nearest neighbour) and boxes (scaled) keep their geometry and predictions map straight back to the
 * image; MGCA's downstream datasets resize the same way. Masks: a pixel &gt; 0 is foreground, except
 * the {@code ignore_value}, which becomes {@link #IGNORE} and is left out of loss and metrics.</p>
 *
 * <p>A row is left out when it has no target for the task (empty mask or label cell, no entry in the
 * COCO file): counted in one log line. A row whose files are bad is skipped with a warning naming
 * it (or stops the run with {@link BadInputPolicy#FAIL}), as in pre-training.</p>
 */
public final class TaskDataset {

  /** Mask value of pixels that neither loss nor metric count. */
  public static final byte IGNORE = -1;

  /** One labelled image at input size. */
  public static final class Sample {
    public final String id;
    /** 0-based manifest row. */
    public final int row;
    public final Split split;
    /** size*size grey values 0..255. */
    public final byte[] image;
    /** size*size: 1 foreground, 0 background, {@link #IGNORE}; null unless masks were asked for. */
    public final byte[] mask;
    /** One-hot or multi-hot classes; null unless labels were asked for. */
    public final float[] label;
    /** Boxes in input pixels; null unless boxes were asked for. */
    public final List<Box> boxes;

    Sample(String id, int row, Split split, byte[] image, byte[] mask, float[] label, List<Box> boxes) {
      this.id = id;
      this.row = row;
      this.split = split;
      this.image = image;
      this.mask = mask;
      this.label = label;
      this.boxes = boxes;
    }
  }

  /** What to read; exactly one of mask column, labels or boxes is set. */
  public static final class Options {
    final int size;
    String imageColumn = "image";
    String maskColumn;
    Integer ignoreValue;
    Labels labels;
    CocoBoxes boxes;
    int workers = 2;
    BadInputPolicy onBadInput = BadInputPolicy.SKIP;

    private Options(int size) {
      this.size = size;
    }

    public static Options size(int size) {
      return new Options(size);
    }

    public Options optImageColumn(String column) {
      this.imageColumn = column;
      return this;
    }

    /** Segmentation masks from {@code column}; {@code ignoreValue} (or null) marks pixels to leave out. */
    public Options optMasks(String column, Integer ignoreValue) {
      this.maskColumn = column;
      this.ignoreValue = ignoreValue;
      return this;
    }

    public Options optLabels(Labels labels) {
      this.labels = labels;
      return this;
    }

    public Options optBoxes(CocoBoxes boxes) {
      this.boxes = boxes;
      return this;
    }

    public Options optWorkers(int workers) {
      this.workers = Math.max(1, workers);
      return this;
    }

    public Options optOnBadInput(BadInputPolicy policy) {
      this.onBadInput = policy;
      return this;
    }
  }

  private final Manifest manifest;
  private final List<Sample> samples;
  private final List<SkippedPair> skipped;
  private final int size;

  private TaskDataset(Manifest manifest, List<Sample> samples, List<SkippedPair> skipped, int size) {
    this.manifest = manifest;
    this.samples = samples;
    this.skipped = skipped;
    this.size = size;
  }

  /** Reads every row whose split ({@code splitOf}, by row id) is in {@code wanted} (every split when null). */
  public static TaskDataset open(Manifest m, Map<String, Split> splitOf, List<Split> wanted, Options o, ImageDecoder decoder,
      Logger log) throws DatasetException {
    m.requireColumns("image_column", o.imageColumn);
    if (o.maskColumn != null) m.requireColumns("mask_column", o.maskColumn);
    List<Manifest.Row> rows = new ArrayList<>();
    List<SkippedPair> skipped = new ArrayList<>();
    int noTarget = 0;
    String firstNoTarget = null;
    for (Manifest.Row r : m.rows()) {
      Split s = splitOf.get(r.id());
      if (s == null || (wanted != null && !wanted.contains(s))) continue;
      String why = missingTarget(m, r, o);
      if (why != null) {
        noTarget++;
        if (firstNoTarget == null) firstNoTarget = "row " + (r.index() + 1) + " (id " + r.id() + "): " + why;
        continue;
      }
      rows.add(r);
    }
    if (noTarget > 0) log.info(noTarget + " rows of " + m.file() + " have no target for this task and are left out (first: " + firstNoTarget + ")");
    ExecutorService pool = Executors.newFixedThreadPool(o.workers, PairDataset.daemon("mflag-task-data"));
    List<Sample> samples = new ArrayList<>();
    try {
      List<Future<Sample>> futures = new ArrayList<>();
      for (Manifest.Row r : rows) futures.add(pool.submit(() -> read(m, r, splitOf.get(r.id()), o, decoder)));
      for (int i = 0; i < rows.size(); i++) {
        Manifest.Row r = rows.get(i);
        try {
          samples.add(futures.get(i).get());
        } catch (java.util.concurrent.ExecutionException e) {
          Throwable c = e.getCause();
          SkippedPair sp = new SkippedPair(r.index() + 1, r.id(), r.get(o.imageColumn), c instanceof DatasetException ? c.getMessage() : String.valueOf(c));
          String msg = "manifest " + m.file() + ", " + sp.describe();
          if (o.onBadInput == BadInputPolicy.FAIL) throw new DatasetException(msg + " (on_bad_input=fail)", c);
          log.warn("skipping " + msg);
          skipped.add(sp);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DatasetException("interrupted while reading images", e);
    } finally {
      pool.shutdownNow();
    }
    return new TaskDataset(m, Collections.unmodifiableList(samples), Collections.unmodifiableList(skipped), o.size);
  }

  private static String missingTarget(Manifest m, Manifest.Row r, Options o) {
    if (o.maskColumn != null && r.get(o.maskColumn).isEmpty()) return "empty mask_column '" + o.maskColumn + "'";
    if (o.labels != null) {
      String[] why = new String[1];
      if (o.labels.encode(r, why) == null) return why[0];
    }
    if (o.boxes != null) {
      String rel = r.get(o.imageColumn);
      if (rel.isEmpty()) return "image not listed in " + o.boxes.file();
      try {
        if (o.boxes.find(m.locate(rel)) == null) return "image not listed in " + o.boxes.file();
      } catch (DatasetException e) {
        return e.getMessage();
      }
    }
    return null;
  }

  private static Sample read(Manifest m, Manifest.Row r, Split split, Options o, ImageDecoder decoder) throws DatasetException {
    Path file = file(m, r, o.imageColumn, "image_column");
    GrayImage im = decoder.read(file, o.size).requireSignal(file);
    byte[] image = Preprocessing.whole(im, o.size);
    byte[] mask = null;
    float[] label = null;
    List<Box> boxes = null;
    if (o.maskColumn != null) mask = mask(decoder.read(file(m, r, o.maskColumn, "mask_column")), o.size, o.ignoreValue);
    if (o.labels != null) label = o.labels.encode(r, new String[1]);
    if (o.boxes != null) {
      CocoBoxes.Image a = o.boxes.find(file);
      double sx = (double) o.size / a.width, sy = (double) o.size / a.height;
      boxes = new ArrayList<>();
      for (Box b : a.boxes) boxes.add(new Box(b.x0 * sx, b.y0 * sy, b.x1 * sx, b.y1 * sy, b.category, 1.0));
      boxes = Collections.unmodifiableList(boxes);
    }
    return new Sample(r.id(), r.index(), split, image, mask, label, boxes);
  }

  private static Path file(Manifest m, Manifest.Row r, String column, String key) throws DatasetException {
    String rel = r.get(column);
    if (rel.isEmpty()) throw new DatasetException("no path in " + key + " '" + column + "'");
    Path f = m.locate(rel);
    if (!Files.isRegularFile(f)) throw new DatasetException("file not found (" + f + ")");
    return f;
  }

  /** Nearest-neighbour resize of a mask to size x size: 1 where > 0, {@link #IGNORE} where it equals {@code ignore}. */
  static byte[] mask(GrayImage mask, int size, Integer ignore) {
    byte[] out = new byte[size * size];
    int w = mask.width(), h = mask.height();
    float[] p = mask.pixels();
    for (int y = 0; y < size; y++) {
      int sy = Math.min(h - 1, (int) ((y + 0.5) * h / size));
      for (int x = 0; x < size; x++) {
        int sx = Math.min(w - 1, (int) ((x + 0.5) * w / size));
        float v = p[sy * w + sx];
        out[y * size + x] = ignore != null && v == ignore ? IGNORE : v > 0 ? (byte) 1 : 0;
      }
    }
    return out;
  }

  public Manifest manifest() {
    return manifest;
  }

  public List<Sample> samples() {
    return samples;
  }

  public List<Sample> of(Split split) {
    List<Sample> out = new ArrayList<>();
    for (Sample s : samples) if (s.split == split) out.add(s);
    return out;
  }

  public List<SkippedPair> skipped() {
    return skipped;
  }

  public int size() {
    return size;
  }
}
