package org.mflag.retrieval;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.mflag.config.Key;
import org.mflag.data.DataKeys;
import org.mflag.data.DatasetException;
import org.mflag.data.GrayImage;
import org.mflag.data.ImageDecoder;
import org.mflag.data.Manifest;
import org.mflag.infer.AnalysisConfig;
import org.mflag.infer.BatchAnalysis;
import org.mflag.infer.Embedding;
import org.mflag.infer.Engine;
import org.mflag.infer.Inference;
import org.mflag.infer.InferenceOptions;
import org.mflag.infer.Job;
import org.mflag.infer.EmbeddingResults;
import org.mflag.infer.InferenceKeys;
import org.mflag.io.Archives;
import org.mflag.io.CsvCells;
import org.mflag.model.ModelPackage;
import org.mflag.model.ModelPackageException;
import org.mflag.model.TextProjector;
import org.mflag.text.Report;
import org.mflag.text.ReportEmbedder;
import org.mflag.text.TextModels;
import org.scijava.log.Logger;

/**
 * Image-report retrieval with a pre-trained package: {@code index} projects a manifest's images and reports into
 * the package's shared latent space ({@link RetrievalIndex}); {@code retrieve} finds, for each query image, the
 * most similar reports and images, and scores the search where it can: Recall@1/5/10 of the query's own report
 * (when the query's id is in the index; reports with its words count as it, exact ties count in expectation, see
 * {@link RetrievalMetrics#recallAt}) and Precision@K by label. At archive scale the image side comes from an
 * {@code embed}/{@code spark-embed} run ({@link #EMBEDDINGS}).
 */
public final class Retrieval {

  public static final Key MODEL = InferenceKeys.MODEL.describedAs("encoder package folder or .zip (from pretrain)");
  public static final Key INDEX_OUTPUT = Key.path("output", null, "the index file to write (.npz)");
  public static final Key LABEL_COLUMN = DataKeys.LABEL_COLUMN.withDefault("").describedAs("manifest column with a label per"
      + " image (for Precision@K by label); empty = none");
  public static final Key BATCH_SIZE = Key.integer("batch_size", "8", "images per network call").atLeast(1);

  public static final Key EMBEDDINGS = Key.path("embeddings", "", "the output folder of an embed run of the same model (results.csv,"
      + " or results-csv/ of spark-embed format=csv): its image projections are indexed instead of running the encoder; empty = run it");

  /** The keys of {@code index}. */
  public static final List<Key> INDEX_KEYS = Collections.unmodifiableList(Arrays.asList(MODEL, DataKeys.MANIFEST, INDEX_OUTPUT,
      DataKeys.IMAGE_COLUMN, DataKeys.ID_COLUMN, DataKeys.TEXT_COLUMN, LABEL_COLUMN, TextModels.TEXT_MODEL, DataKeys.CACHE_DIR,
      EMBEDDINGS, BATCH_SIZE, Engine.ENGINE));

  /** The keys of {@code spark-index}: those of {@code index} with {@code embeddings} required, and where Spark runs. */
  public static final List<Key> SPARK_INDEX_KEYS;

  static {
    List<Key> k = new ArrayList<>();
    for (Key key : INDEX_KEYS) {
      if (key == EMBEDDINGS) {
        key = key.withDefault(null).describedAs("the output folder of spark-embed (results.parquet/ or results-csv/) or of embed, same model: "
            + "its image projections are indexed");
      } else if (key == DataKeys.MANIFEST) {
        key = key.describedAs("CSV or .parquet file with one row per image (paths relative to its folder, or absolute)");
      }
      k.add(key);
    }
    k.add(org.mflag.infer.AnalysisConfig.MASTER);
    SPARK_INDEX_KEYS = Collections.unmodifiableList(k);
  }

  public static final Key INDEX = Key.path("index", null, "retrieval index file (.npz, from index)");
  public static final Key K = Key.integer("k", "10", "hits per query and side (reports, images)").atLeast(1);
  public static final Key OUTPUT = Key.path("output", null, "folder for results.csv (the hits) and metrics.json/.csv").directory();

  /** The keys of {@code retrieve}. */
  public static final List<Key> RETRIEVE_KEYS = Collections.unmodifiableList(Arrays.asList(MODEL, INDEX, DataKeys.MANIFEST.describedAs(
      "CSV of query images, paths relative to its folder or absolute"), OUTPUT, DataKeys.IMAGE_COLUMN, DataKeys.ID_COLUMN, LABEL_COLUMN, K, BATCH_SIZE, Engine.ENGINE));

  /** The keys of the Fiji commands that search an index for the open image. */
  public static final List<Key> SIMILAR_KEYS = Collections.unmodifiableList(Arrays.asList(MODEL, INDEX, K, Engine.ENGINE));

  private Retrieval() {}

  /**
   * The {@code k} entries of {@code index} most similar to one image on one side (its reports or its images); the
   * index must come from the same package (same projection size).
   */
  public static List<RetrievalIndex.Hit> similar(ModelPackage pkg, RetrievalIndex index, GrayImage image, RetrievalIndex.Side side, int k,
      Engine engine) throws ModelPackageException, IOException {
    if (!ModelPackage.PRETRAIN.equals(pkg.task())) {
      throw new ModelPackageException(pkg.dir() + ": a " + pkg.task() + " model; retrieval needs an encoder package written by pretrain");
    }
    try (Inference encoder = Inference.open(pkg, Job.EMBED, InferenceOptions.DEFAULTS, null, engine)) {
      float[] p = encoder.embed(image).projection();
      if (p.length != index.dimension()) {
        throw new IOException("the index has " + index.dimension() + "-d vectors, but " + pkg.dir() + " projects to " + p.length
            + " dimensions (an index of another model)");
      }
      return index.search(p, side, k);
    }
  }

  /** One manifest row to index: its image (as the analyses locate it), label (may be empty) and report (may be empty). */
  public static final class Entry {
    final BatchAnalysis.Item image;
    final String label;
    final String text;

    public Entry(BatchAnalysis.Item image, String label, String text) {
      this.image = image;
      this.label = label;
      this.text = text;
    }
  }

  /** Builds the index of {@code cfg}'s manifest and writes it to its output. */
  public static RetrievalIndex index(IndexConfig cfg, ImageDecoder decoder, Logger log, BooleanSupplier canceled)
      throws IOException, DatasetException, ModelPackageException {
    Path embeddings = cfg.embeddings();
    return index(cfg, entries(cfg), embeddings == null ? null : EmbeddingResults.projections(embeddings), decoder, log, canceled);
  }

  /** The rows of {@code cfg}'s (CSV) manifest with its image, label and text columns. */
  public static List<Entry> entries(IndexConfig cfg) throws DatasetException {
    Manifest m = cfg.data().readManifest();
    String imageColumn = cfg.data().imageColumn(), textColumn = cfg.data().textColumn(), labelColumn = cfg.labelColumn();
    m.requireColumns("image_column", imageColumn, "text_column", textColumn);
    if (!labelColumn.isEmpty()) m.requireColumns("label_column", labelColumn);
    return entries(m, imageColumn, labelColumn, textColumn);
  }

  /** The rows of {@code m} as entries ({@code labelColumn}, {@code textColumn}: empty or null = none). */
  private static List<Entry> entries(Manifest m, String imageColumn, String labelColumn, String textColumn) {
    List<Entry> entries = new ArrayList<>();
    for (Manifest.Row r : m.rows()) {
      entries.add(new Entry(BatchAnalysis.Item.of(m.folder(), r.id(), r.get(imageColumn)),
          labelColumn == null || labelColumn.isEmpty() ? "" : r.get(labelColumn).trim(), textColumn == null ? "" : r.get(textColumn).trim()));
    }
    return entries;
  }

  /**
   * Builds the index of {@code entries} with {@code cfg}'s package, language model and output, and writes it. The image
   * side is computed here, or taken from {@code projections} (by id; an {@code embed} run's, see {@link #EMBEDDINGS}),
   * which must come from the same package: the first images are projected again and compared.
   */
  public static RetrievalIndex index(IndexConfig cfg, List<Entry> entries, Map<String, float[]> projections, ImageDecoder decoder, Logger log,
      BooleanSupplier canceled) throws IOException, DatasetException, ModelPackageException {
    ModelPackage pkg = encoderPackage(cfg.model());
    Projected images;
    if (projections == null) {
      images = images(pkg, entries, cfg.batchSize(), cfg.engine(), decoder, log, canceled);
    } else {
      images = given(pkg, entries, projections, cfg.embeddings(), cfg.engine(), decoder, log);
    }
    List<String> ids = new ArrayList<>(), labels = new ArrayList<>(), texts = new ArrayList<>();
    Map<String, Entry> byId = new HashMap<>();
    for (Entry e : entries) byId.put(e.image.id, e);
    for (String id : images.ids) {
      ids.add(id);
      labels.add(byId.get(id).label);
      texts.add(byId.get(id).text);
    }
    int dim = images.dim;
    float[] reportVectors = new float[ids.size() * dim];
    List<Report> withText = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) if (!texts.get(i).isEmpty()) withText.add(new Report(Integer.toString(i), texts.get(i)));
    if (!withText.isEmpty()) {
      try (ReportEmbedder lm = TextModels.open(cfg.textModel(), cfg.cacheDir(), log);
          TextProjector projector = cfg.engine().textProjector(pkg)) {
        if (!pkg.textModelId().isEmpty() && !pkg.textModelId().equals(lm.modelId())) {
          throw new ModelPackageException(pkg.dir() + ": trained with the language model " + pkg.textModelId() + ", not "
              + lm.modelId() + "; give the package's text_model");
        }
        Map<String, float[]> emb = lm.embed(withText);
        int d = lm.dimension();
        float[] all = new float[withText.size() * d];
        for (int i = 0; i < withText.size(); i++) System.arraycopy(emb.get(withText.get(i).id), 0, all, i * d, d);
        float[] proj = projector.project(all, withText.size());
        for (int i = 0; i < withText.size(); i++) {
          float[] u = RetrievalIndex.unit(Arrays.copyOfRange(proj, i * dim, (i + 1) * dim));
          System.arraycopy(u, 0, reportVectors, Integer.parseInt(withText.get(i).id) * dim, dim);
        }
      }
    }
    RetrievalIndex index = new RetrievalIndex(ids, labels, texts, images.unit, reportVectors, dim, pkg.dir().toString());
    index.save(cfg.output());
    log.info(String.format(Locale.ROOT, "index: %d images (%d with a report), %d-d, written to %s", ids.size(), withText.size(), dim,
        cfg.output()));
    return index;
  }

  /** Searches the index for every image of {@code cfg}'s manifest; writes the hits and the metrics; returns the metrics. */
  public static Map<String, Double> retrieve(RetrieveConfig cfg, ImageDecoder decoder, Logger log, BooleanSupplier canceled)
      throws IOException, DatasetException, ModelPackageException {
    ModelPackage pkg = encoderPackage(cfg.model());
    RetrievalIndex index = RetrievalIndex.load(cfg.index());
    Manifest m = cfg.data().readManifest();
    m.requireColumns("image_column", cfg.data().imageColumn());
    String labelColumn = cfg.labelColumn();
    if (!labelColumn.isEmpty()) m.requireColumns("label_column", labelColumn);
    List<Entry> queries = entries(m, cfg.data().imageColumn(), labelColumn, null);
    Projected q = images(pkg, queries, cfg.batchSize(), cfg.engine(), decoder, log, canceled);
    if (q.dim != index.dimension()) {
      throw new IOException(cfg.index() + ": " + index.dimension() + "-d vectors, but " + pkg.dir() + " projects to " + q.dim
          + " dimensions (an index of another model)");
    }
    Map<String, Integer> position = new HashMap<>();
    for (int i = 0; i < index.size(); i++) position.put(index.ids().get(i), i);
    Map<String, String> labelOf = new HashMap<>();
    for (Entry e : queries) labelOf.put(e.image.id, e.label);
    int k = cfg.k();
    List<int[]> ranks = new ArrayList<>();
    List<String> queryLabels = new ArrayList<>();
    List<List<String>> reportHitLabels = new ArrayList<>(), imageHitLabels = new ArrayList<>();
    Path out = cfg.output();
    Files.createDirectories(out);
    StringWriter csv = new StringWriter();
    try (CSVPrinter p = new CSVPrinter(csv, CSVFormat.DEFAULT.builder().setRecordSeparator('\n')
        .setHeader("query", "side", "rank", "id", "similarity", "label", "report").get())) {
      for (int i = 0; i < q.ids.size(); i++) {
        String id = q.ids.get(i);
        float[] v = Arrays.copyOfRange(q.unit, i * q.dim, (i + 1) * q.dim);
        List<RetrievalIndex.Hit> reports = index.search(v, RetrievalIndex.Side.REPORTS, k);
        Integer own = position.get(id);
        if (own != null && index.hasReport(own)) ranks.add(index.pairedRank(v, own));
        List<RetrievalIndex.Hit> images = new ArrayList<>();
        for (RetrievalIndex.Hit h : index.search(v, RetrievalIndex.Side.IMAGES, k + 1)) if (!h.id.equals(id) && images.size() < k) images.add(h);
        String label = labelOf.get(id);
        queryLabels.add(label);
        List<String> rl = new ArrayList<>(), il = new ArrayList<>();
        for (int r = 0; r < Math.min(k, reports.size()); r++) {
          RetrievalIndex.Hit h = reports.get(r);
          rl.add(h.label);
          p.printRecord(CsvCells.safe(id), "report", r + 1, CsvCells.safe(h.id), String.format(Locale.ROOT, "%.6f", h.similarity),
              CsvCells.safe(h.label), CsvCells.safe(h.report));
        }
        for (int r = 0; r < images.size(); r++) {
          RetrievalIndex.Hit h = images.get(r);
          il.add(h.label);
          p.printRecord(CsvCells.safe(id), "image", r + 1, CsvCells.safe(h.id), String.format(Locale.ROOT, "%.6f", h.similarity),
              CsvCells.safe(h.label), "");
        }
        reportHitLabels.add(rl);
        imageHitLabels.add(il);
      }
    }
    Archives.writeAtomically(out.resolve("results.csv"), csv.toString().getBytes(StandardCharsets.UTF_8));
    int[] above = ranks.stream().mapToInt(r -> r[0]).toArray(), tied = ranks.stream().mapToInt(r -> r[1]).toArray();
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("queries", (double) q.ids.size());
    metrics.put("paired_queries", (double) above.length);
    List<String> reportLabels = new ArrayList<>();
    for (int i = 0; i < index.size(); i++) if (index.hasReport(i)) reportLabels.add(index.labels().get(i));
    int[] others = ranks.stream().mapToInt(r -> r[2]).toArray();
    for (int at : new int[] {1, 5, 10}) {
      metrics.put("report_recall_at_" + at, RetrievalMetrics.recallAt(above, tied, at));
      metrics.put("report_recall_at_" + at + "_chance", RetrievalMetrics.chanceRecallAt(others, at));
    }
    if (!labelColumn.isEmpty()) {
      metrics.put("report_precision_at_" + k, RetrievalMetrics.precisionAt(queryLabels, reportHitLabels, k));
      metrics.put("report_precision_at_" + k + "_chance", RetrievalMetrics.chancePrecision(queryLabels, reportLabels));
      metrics.put("report_precision_at_" + k + "_constant", RetrievalMetrics.constantRankingPrecision(queryLabels, reportLabels, k));
      metrics.put("image_precision_at_" + k, RetrievalMetrics.precisionAt(queryLabels, imageHitLabels, k));
      metrics.put("image_precision_at_" + k + "_chance", RetrievalMetrics.chancePrecision(queryLabels, index.labels()));
      metrics.put("image_precision_at_" + k + "_constant", RetrievalMetrics.constantRankingPrecision(queryLabels, index.labels(), k));
    }
    StringBuilder json = new StringBuilder("{\n");
    StringBuilder mcsv = new StringBuilder("metric,value\n");
    int i = 0;
    for (Map.Entry<String, Double> e : metrics.entrySet()) {
      String v = Double.isFinite(e.getValue()) ? String.format(Locale.ROOT, "%.6f", e.getValue()) : "null";
      json.append("  \"").append(e.getKey()).append("\": ").append(v).append(++i < metrics.size() ? ",\n" : "\n");
      mcsv.append(e.getKey()).append(',').append(v.equals("null") ? "" : v).append('\n');
    }
    Archives.writeAtomically(out.resolve("metrics.json"), json.append("}\n").toString().getBytes(StandardCharsets.UTF_8));
    Archives.writeAtomically(out.resolve("metrics.csv"), mcsv.toString().getBytes(StandardCharsets.UTF_8));
    log.info("retrieve: " + q.ids.size() + " queries against " + index.size() + " entries of " + cfg.index() + "; " + metrics);
    return metrics;
  }

  private static ModelPackage encoderPackage(Path model) throws ModelPackageException {
    ModelPackage pkg = ModelPackage.open(model);
    if (!ModelPackage.PRETRAIN.equals(pkg.task())) {
      throw new ModelPackageException(model + ": a " + pkg.task() + " model; retrieval needs an encoder package written by pretrain");
    }
    return pkg;
  }

  /** The unit image projections of a manifest's images (rows whose image cannot be read are skipped, with a warning). */
  private static final class Projected {
    final List<String> ids = new ArrayList<>();
    float[] unit;
    int dim;
  }

  private static Projected images(ModelPackage pkg, List<Entry> entries, int batch, Engine engine, ImageDecoder decoder, Logger log,
      BooleanSupplier canceled) throws IOException, ModelPackageException {
    Projected out = new Projected();
    List<float[]> vectors = new ArrayList<>();
    try (Inference encoder = Inference.open(pkg, Job.EMBED, InferenceOptions.DEFAULTS, null, engine)) {
      List<GrayImage> images = new ArrayList<>();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i <= entries.size(); i++) {
        if (i < entries.size()) {
          if (canceled.getAsBoolean()) throw new IOException("cancelled after " + out.ids.size() + " images");
          BatchAnalysis.Item it = entries.get(i).image;
          try {
            images.add(read(it, decoder));
            ids.add(it.id);
          } catch (DatasetException | RuntimeException e) {
            log.warn("skipping id " + it.id + ": " + e.getMessage());
          }
        }
        if (!images.isEmpty() && (images.size() == batch || i == entries.size())) {
          for (Embedding e : encoder.embed(images)) {
            out.dim = e.projection().length;
            vectors.add(RetrievalIndex.unit(e.projection()));
          }
          out.ids.addAll(ids);
          images.clear();
          ids.clear();
        }
      }
    }
    out.unit = new float[vectors.size() * out.dim];
    for (int i = 0; i < vectors.size(); i++) System.arraycopy(vectors.get(i), 0, out.unit, i * out.dim, out.dim);
    return out;
  }

  private static GrayImage read(BatchAnalysis.Item it, ImageDecoder decoder) throws DatasetException {
    if (it.problem != null) throw new DatasetException(it.problem);
    Path f = Path.of(it.file);
    return decoder.read(f).requireSignal(f);
  }

  /** How many of the given projections are computed again to check they come from the package. */
  static final int CHECKED_PROJECTIONS = 2;

  /**
   * The image side from an embed run's projections: the entries that have one (the others are named in a warning), after
   * projecting the first {@link #CHECKED_PROJECTIONS} readable images again with {@code pkg}: projections of another
   * package (or damaged ones) are refused, with the file and the id.
   */
  private static Projected given(ModelPackage pkg, List<Entry> entries, Map<String, float[]> projections, Path source, Engine engine,
      ImageDecoder decoder, Logger log) throws IOException, ModelPackageException, DatasetException {
    Projected out = new Projected();
    List<String> missing = new ArrayList<>();
    for (Entry e : entries) {
      float[] v = projections.get(e.image.id);
      if (v == null) {
        missing.add(e.image.id);
        continue;
      }
      if (out.ids.isEmpty()) out.dim = v.length;
      out.ids.add(e.image.id);
    }
    if (out.ids.isEmpty()) throw new DatasetException(source + ": no projection for any of the manifest's " + entries.size() + " ids");
    if (!missing.isEmpty()) {
      log.warn(missing.size() + " of " + entries.size() + " manifest rows have no projection in " + source + " (not embedded, or an error"
          + " row) and are left out; first: id " + missing.get(0));
    }
    int checked = 0;
    try (Inference encoder = Inference.open(pkg, Job.EMBED, InferenceOptions.DEFAULTS, null, engine)) {
      for (Entry e : entries) {
        if (checked == CHECKED_PROJECTIONS) break;
        if (!projections.containsKey(e.image.id)) continue;
        GrayImage image;
        try {
          image = read(e.image, decoder);
        } catch (DatasetException | RuntimeException unreadable) {
          continue; // an image that cannot be read now proves nothing either way: check the next one
        }
        checked++;
        float[] p = RetrievalIndex.unit(encoder.embed(image).projection());
        float[] v = RetrievalIndex.unit(projections.get(e.image.id));
        double cos = 0;
        for (int j = 0; j < Math.min(p.length, v.length); j++) cos += (double) p[j] * v[j];
        if (p.length != v.length || cos < 0.999) {
          throw new DatasetException(source + ": the projection of id " + e.image.id + " is not what " + pkg.dir() + " computes ("
              + (p.length != v.length ? v.length + " values, the package gives " + p.length : String.format(Locale.ROOT, "cosine %.4f", cos))
              + "): embeddings of another model, or changed");
        }
      }
    }
    out.unit = new float[out.ids.size() * out.dim];
    for (int i = 0; i < out.ids.size(); i++) {
      float[] v = projections.get(out.ids.get(i));
      if (v.length != out.dim) throw new DatasetException(source + ": id " + out.ids.get(i) + " has " + v.length + " values, others " + out.dim);
      System.arraycopy(RetrievalIndex.unit(v), 0, out.unit, i * out.dim, out.dim);
    }
    if (checked == 0) throw new DatasetException(source + ": none of the images with a projection could be read to check it against " + pkg.dir());
    log.info(String.format(Locale.ROOT, "index: %d image projections from %s (%d checked against the package)", out.ids.size(), source,
        checked));
    return out;
  }
}
