package org.mflag.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.data.DataKeys;
import org.mflag.data.DatasetException;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.infer.AnalysisConfig;
import org.mflag.infer.BatchAnalysis;
import org.mflag.infer.EmbeddingResults;
import org.mflag.infer.ManifestAnalysis;
import org.mflag.retrieval.IndexConfig;
import org.mflag.retrieval.Retrieval;
import org.mflag.retrieval.RetrievalIndex;
import org.scijava.log.Logger;

/**
 * {@code spark-index}: the retrieval index of an archive whose images {@code spark-embed} projected, so that the
 * encoder never runs again: Spark reads the embed run's Parquet (or CSV) results and the manifest (CSV or Parquet), the
 * driver collects the ids and projections and builds the index as {@code index embeddings=...} does
 * ({@link Retrieval#index(KeyValues, List, Map, org.mflag.data.ImageDecoder, Logger, java.util.function.BooleanSupplier)}):
 * reports embedded by the language model and projected by the package, the first images projected again to check that
 * the projections are the package's. The driver holds the index (4 bytes x 2 x dimension per image: 4 GB for a
 * million 512-d images), so give it the memory ({@code MFLAG_JAVA_OPTS=-Xmx...} or spark-submit's
 * {@code --driver-memory}).
 */
public final class SparkIndex {

  public static final String COMMAND = SparkAnalysis.PREFIX + "index";

  /** The keys of {@code index} with {@code embeddings} required, and where Spark runs. */
  public static final List<Key> KEYS = Retrieval.SPARK_INDEX_KEYS;

  private SparkIndex() {}

  /** Builds and writes the index. */
  public static RetrievalIndex run(KeyValues kv, Logger log) throws Exception {
    SparkConf conf = new SparkConf().setAppName("mflag " + COMMAND);
    if (!conf.contains("spark.master")) conf.setMaster(kv.string(AnalysisConfig.MASTER));
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    try {
      IndexConfig cfg = IndexConfig.of(kv);
      List<Retrieval.Entry> entries = entries(spark, cfg);
      Map<String, float[]> projections = projections(spark, cfg.embeddings().toAbsolutePath());
      log.info(COMMAND + ": " + entries.size() + " manifest rows, " + projections.size() + " projections from " + cfg.embeddings());
      return Retrieval.index(cfg, entries, projections, new ImageFileDecoder(), log, () -> false);
    } finally {
      spark.stop();
    }
  }

  /** The manifest's rows: a CSV manifest as {@code index} reads it; Parquet through Spark, paths relative to its folder. */
  private static List<Retrieval.Entry> entries(SparkSession spark, IndexConfig cfg) throws DatasetException {
    Path manifest = cfg.data().manifest().toAbsolutePath();
    if (!manifest.getFileName().toString().endsWith(".parquet")) return Retrieval.entries(cfg);
    List<Retrieval.Entry> entries = new ArrayList<>();
    for (String[] r : SparkAnalysis.parquetRows(spark, manifest, cfg.data().idColumn(), cfg.data().imageColumn(),
        new String[] {"text_column", cfg.data().textColumn()}, new String[] {"label_column", cfg.labelColumn()})) {
      entries.add(new Retrieval.Entry(BatchAnalysis.Item.of(manifest.getParent(), r[0], r[1]), r[3].trim(), r[2].trim()));
    }
    return entries;
  }

  /** The embed run's projections of the images analysed without error: Parquet through Spark, CSV as {@code index} reads it. */
  static Map<String, float[]> projections(SparkSession spark, Path where) throws DatasetException {
    Path parquet = where.getFileName().toString().endsWith(".parquet") ? where : where.resolve(SparkAnalysis.PARQUET);
    if (!Files.isDirectory(parquet)) return EmbeddingResults.projections(where);
    Dataset<Row> df;
    try {
      df = spark.read().parquet(parquet.toString());
    } catch (RuntimeException e) {
      throw new DatasetException(parquet + ": not readable as Parquet results (" + e.getMessage() + ")", e);
    }
    List<String> names = Arrays.asList(df.columns());
    if (!names.containsAll(List.of("id", "status", "projection"))) {
      throw new DatasetException(parquet + ": columns " + names + " lack id, status or projection: not the output of spark-embed");
    }
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Row r : df.filter(functions.col("status").equalTo(BatchAnalysis.OK)).select("id", "projection").collectAsList()) {
      List<Object> values = r.getList(1);
      float[] v = new float[values.size()];
      for (int i = 0; i < v.length; i++) v[i] = ((Number) values.get(i)).floatValue();
      if (out.put(r.getString(0), v) != null) throw new DatasetException(parquet + ": id " + r.getString(0) + " has two rows");
    }
    return out;
  }
}
