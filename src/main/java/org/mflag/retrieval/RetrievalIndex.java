package org.mflag.retrieval;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import org.mflag.io.Archives;
import org.mflag.io.CsvCells;
import org.mflag.io.Hashing;
import org.mflag.io.NdArray;
import org.mflag.io.Npz;

/**
 * What retrieval searches: for each entry of a manifest its id, label (may be empty), report text, and two unit
 * vectors in a package's shared latent space, the image's projection and the report's (its language-model
 * embedding through the text projector; zero when the entry has no report). One {@code .npz} file: the two
 * matrices, {@code entries.csv} and {@code about.properties} (the package it was made with, the size, and the
 * SHA-256 of the matrices, checked on loading). A search is an exact scan, by dot products over the rows on every
 * core, keeping the best k in a heap per block of rows.
 */
public final class RetrievalIndex {

  /** Where a hit comes from. */
  public enum Side { IMAGES, REPORTS }

  /** One hit: the entry's position, id, label, report and its cosine similarity with the query. */
  public static final class Hit {
    public final int index;
    public final String id;
    public final String label;
    public final String report;
    public final double similarity;

    Hit(int index, String id, String label, String report, double similarity) {
      this.index = index;
      this.id = id;
      this.label = label;
      this.report = report;
      this.similarity = similarity;
    }
  }

  static final String ENTRIES = "entries.csv";
  static final String ABOUT = "about.properties";

  private final List<String> ids;
  private final List<String> labels;
  private final List<String> reports;
  private final float[] images;
  private final float[] reportVectors;
  private final int dim;
  private final String model;
  /** Whether entry i has a report (a non-zero report vector): entries without one are never report hits. */
  private final boolean[] hasReport;
  /** The same number for entries whose report texts are identical (-1: no report). */
  private final int[] textGroup;

  /** From rows of unit (or zero) vectors {@code images} and {@code reportVectors} [n, dim]; {@code model} names the package. */
  public RetrievalIndex(List<String> ids, List<String> labels, List<String> reports, float[] images, float[] reportVectors, int dim,
      String model) {
    int n = ids.size();
    if (labels.size() != n || reports.size() != n || images.length != (long) n * dim || reportVectors.length != (long) n * dim) {
      throw new IllegalArgumentException("index of " + n + " entries: " + labels.size() + " labels, " + reports.size() + " reports, "
          + images.length + " and " + reportVectors.length + " vector values for dimension " + dim);
    }
    this.ids = Collections.unmodifiableList(new ArrayList<>(ids));
    this.labels = Collections.unmodifiableList(new ArrayList<>(labels));
    this.reports = Collections.unmodifiableList(new ArrayList<>(reports));
    this.images = images;
    this.reportVectors = reportVectors;
    this.dim = dim;
    this.model = model;
    this.hasReport = new boolean[n];
    for (int i = 0; i < n; i++) for (int j = 0; j < dim && !hasReport[i]; j++) hasReport[i] = reportVectors[i * dim + j] != 0;
    this.textGroup = new int[n];
    Map<String, Integer> groups = new java.util.HashMap<>();
    for (int i = 0; i < n; i++) textGroup[i] = hasReport[i] ? groups.computeIfAbsent(reports.get(i), t -> groups.size()) : -1;
  }

  /** Whether entry {@code i} has a report. */
  public boolean hasReport(int i) {
    return hasReport[i];
  }

  public int size() {
    return ids.size();
  }

  public int dimension() {
    return dim;
  }

  /** The package the vectors came from (its folder and weights' SHA-256), as recorded when the index was built. */
  public String model() {
    return model;
  }

  public List<String> ids() {
    return ids;
  }

  public List<String> labels() {
    return labels;
  }

  /** The unit vector of entry {@code i} on one side. */
  public float[] vector(Side side, int i) {
    float[] m = side == Side.IMAGES ? images : reportVectors;
    return java.util.Arrays.copyOfRange(m, i * dim, (i + 1) * dim);
  }

  /**
   * The {@code k} entries most similar to {@code query} (any length; normalised here) on one side, best first; on the
   * report side only entries that have a report.
   */
  public List<Hit> search(float[] query, Side side, int k) {
    if (query.length != dim) throw new IllegalArgumentException("query of " + query.length + " values for an index of dimension " + dim);
    float[] q = unit(query);
    float[] m = side == Side.IMAGES ? images : reportVectors;
    int keep = Math.min(k, size());
    if (keep <= 0) return new ArrayList<>();
    // an exact scan in blocks of rows, one per core (the scan reads the whole matrix: memory-bound), each keeping its
    // best k; the blocks' best are merged
    int blocks = blocks();
    List<PriorityQueue<double[]>> partial = java.util.stream.IntStream.range(0, blocks).parallel().mapToObj(b -> {
      int from = blockStart(b, blocks), to = blockStart(b + 1, blocks);
      PriorityQueue<double[]> best = new PriorityQueue<>(keep + 1, (x, y) -> Double.compare(x[0], y[0]));
      for (int i = from; i < to; i++) {
        if (side == Side.REPORTS && !hasReport[i]) continue;
        double s = dot(q, m, i * dim);
        if (best.size() < keep) best.add(new double[] {s, i});
        else if (s > best.peek()[0]) {
          best.poll();
          best.add(new double[] {s, i});
        }
      }
      return best;
    }).collect(java.util.stream.Collectors.toList());
    PriorityQueue<double[]> best = new PriorityQueue<>(keep + 1, (x, y) -> Double.compare(x[0], y[0]));
    for (PriorityQueue<double[]> part : partial) {
      for (double[] h : part) {
        if (best.size() < keep) best.add(h);
        else if (h[0] > best.peek()[0]) {
          best.poll();
          best.add(h);
        }
      }
    }
    List<Hit> out = new ArrayList<>();
    while (!best.isEmpty()) {
      double[] h = best.poll();
      int i = (int) h[1];
      out.add(new Hit(i, ids.get(i), labels.get(i), reports.get(i), h[0]));
    }
    Collections.reverse(out);
    return out;
  }

  /**
   * Where entry {@code own}'s report ranks among the reports for {@code query}: {@code {above, tied, others}}, the number
   * of reports scoring higher, the number scoring exactly the same, and the number of reports it competes with. Reports
   * with the same text as {@code own}'s count as {@code own} (a user reading the hit sees the same words; a patient's identical follow-up notes would otherwise
   * tie at random). One scan over the reports, no sort, so it costs what a search costs.
   */
  public int[] pairedRank(float[] query, int own) {
    if (!hasReport[own]) throw new IllegalArgumentException("entry " + ids.get(own) + " has no report");
    float[] q = unit(query);
    double mine = dot(q, reportVectors, own * dim);
    int blocks = blocks();
    return java.util.stream.IntStream.range(0, blocks).parallel().mapToObj(b -> {
      int from = blockStart(b, blocks), to = blockStart(b + 1, blocks);
      int[] c = new int[3];
      for (int i = from; i < to; i++) {
        if (!hasReport[i] || textGroup[i] == textGroup[own]) continue;
        c[2]++;
        double s = dot(q, reportVectors, i * dim);
        if (s > mine) c[0]++;
        else if (s == mine) c[1]++;
      }
      return c;
    }).reduce(new int[3], (x, y) -> new int[] {x[0] + y[0], x[1] + y[1], x[2] + y[2]});
  }

  /** How many blocks of rows a scan splits into: four per core, none under 4096 rows. */
  private int blocks() {
    return Math.max(1, Math.min(Runtime.getRuntime().availableProcessors() * 4, size() / 4096));
  }

  /** The first row of block {@code b} of {@code blocks} (b = blocks: the end). */
  private int blockStart(int b, int blocks) {
    return (int) ((long) size() * b / blocks);
  }

  /** {@code q . m[o .. o + dim)}, with four float accumulators (independent chains the CPU overlaps). */
  private double dot(float[] q, float[] m, int o) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int j = 0;
    for (; j + 3 < dim; j += 4) {
      s0 += q[j] * m[o + j];
      s1 += q[j + 1] * m[o + j + 1];
      s2 += q[j + 2] * m[o + j + 2];
      s3 += q[j + 3] * m[o + j + 3];
    }
    for (; j < dim; j++) s0 += q[j] * m[o + j];
    return (double) s0 + s1 + s2 + s3;
  }

  /** Unit vector of {@code v} (zero stays zero). */
  public static float[] unit(float[] v) {
    double s = 0;
    for (float x : v) s += (double) x * x;
    float[] out = new float[v.length];
    if (s == 0) return out;
    double inv = 1 / Math.sqrt(s);
    for (int i = 0; i < v.length; i++) out[i] = (float) (v[i] * inv);
    return out;
  }

  /** Writes the index as one {@code .npz} file (atomically). */
  public void save(Path file) throws IOException {
    Map<String, NdArray> arrays = new LinkedHashMap<>();
    arrays.put("images", new NdArray(images, size(), dim));
    arrays.put("reports", new NdArray(reportVectors, size(), dim));
    StringWriter csv = new StringWriter();
    try (CSVPrinter p = new CSVPrinter(csv, CSVFormat.DEFAULT.builder().setRecordSeparator('\n').setHeader("id", "label", "report").get())) {
      for (int i = 0; i < size(); i++) p.printRecord(CsvCells.safe(ids.get(i)), CsvCells.safe(labels.get(i)), CsvCells.safe(reports.get(i)));
    }
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    Npz.write(arrays, sha -> {
      Map<String, String> t = new LinkedHashMap<>();
      t.put(ENTRIES, csv.toString());
      t.put(ABOUT, "format=mflag-retrieval-index 1\nmodel=" + model.replace("\\", "\\\\").replace("\n", " ") + "\nentries=" + size()
          + "\ndimension=" + dim + "\narrays_sha256=" + sha + "\n");
      return t;
    }, bytes);
    Archives.writeAtomically(file, bytes.toByteArray());
  }

  /** Reads an index written by {@link #save}, checking its format, sizes and the matrices' SHA-256. */
  public static RetrievalIndex load(Path file) throws IOException {
    String about = Npz.readText(file, ABOUT);
    if (about == null) throw new IOException(file + ": not a retrieval index (no " + ABOUT + ")");
    java.util.Properties p = new java.util.Properties();
    p.load(new StringReader(about));
    if (!"mflag-retrieval-index 1".equals(p.getProperty("format"))) {
      throw new IOException(file + ": " + ABOUT + " gives format '" + p.getProperty("format") + "', expected 'mflag-retrieval-index 1'");
    }
    MessageDigest sha = Hashing.newSha256();
    Map<String, NdArray> arrays = Npz.read(file, sha);
    if (!Hashing.hex(sha.digest()).equals(p.getProperty("arrays_sha256"))) {
      throw new IOException(file + ": the vectors do not match the SHA-256 in " + ABOUT + " (damaged or changed file)");
    }
    NdArray im = arrays.get("images"), rep = arrays.get("reports");
    if (im == null || rep == null || im.shape().length != 2 || !java.util.Arrays.equals(im.shape(), rep.shape())) {
      throw new IOException(file + ": needs 2-d arrays images and reports of the same shape");
    }
    int n = (int) im.shape()[0], d = (int) im.shape()[1];
    List<String> ids = new ArrayList<>(), labels = new ArrayList<>(), reports = new ArrayList<>();
    try (CSVParser c = CSVParser.parse(Npz.readText(file, ENTRIES), CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get())) {
      for (CSVRecord r : c) {
        ids.add(CsvCells.original(r.get("id")));
        labels.add(CsvCells.original(r.get("label")));
        reports.add(CsvCells.original(r.get("report")));
      }
    } catch (RuntimeException e) {
      throw new IOException(file + ": " + ENTRIES + " is not the index's table (" + e.getMessage() + ")", e);
    }
    if (ids.size() != n) throw new IOException(file + ": " + ENTRIES + " lists " + ids.size() + " entries for " + n + " vectors");
    return new RetrievalIndex(ids, labels, reports, im.data(), rep.data(), d, p.getProperty("model", ""));
  }
}
