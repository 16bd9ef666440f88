package org.mflag.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.data.DataConfig;
import org.mflag.data.DataKeys;
import org.mflag.data.DatasetException;
import org.mflag.infer.AnalysisConfig;
import org.mflag.infer.BatchAnalysis;
import org.mflag.infer.InferenceOptions;
import org.mflag.infer.Job;
import org.mflag.infer.ZeroShotAnalysis;
import org.mflag.infer.InferenceKeys;
import org.mflag.infer.ManifestAnalysis;
import org.mflag.io.Archives;
import org.mflag.io.CsvCells;
import org.mflag.io.OutputLock;
import org.mflag.runtime.Devices;
import org.scijava.log.LogLevel;
import org.scijava.log.Logger;
import org.scijava.log.StderrLogService;

/**
 * {@code spark-segment|classify|detect|embed}: the {@link ManifestAnalysis} of a manifest on Apache Spark, with the
 * same keys and the same rows, plus where Spark runs ({@code master}), the results' format and the chunk size.
 * {@code local[*]} (the default) uses every core of this machine with no cluster; under {@code spark-submit} the
 * master given there is used.
 *
 * <p>The driver reads the manifest (CSV through {@link ManifestAnalysis#items}, so ids and paths are exactly the
 * single-JVM run's; Parquet through Spark), drops the ids the output already has, and runs the rest in chunks: one
 * Spark job per chunk, appended to {@code results.parquet} (or {@code results-csv/}) when the job commits, so a run that
 * is stopped loses at most its current chunk and a re-run continues. Each executor JVM opens the model once
 * ({@link ExecutorModels}) and analyses its partitions' images in batches; masks are written by the tasks themselves
 * under names made from the image id, atomically, so retried and speculative tasks leave neither duplicates nor
 * half-written files. The output folder must be one that every executor can write (a shared file system).</p>
 *
 * <p>{@code spark-index} is dispatched from here too ({@link SparkIndex}): the retrieval index of what
 * {@code spark-embed} wrote.</p>
 */
public final class SparkAnalysis {

  public static final String PREFIX = "spark-";
  public static final String PARQUET = ManifestAnalysis.SPARK_PARQUET;
  public static final String CSV = ManifestAnalysis.SPARK_CSV;

  private SparkAnalysis() {}

  /** The keys of {@code spark-<job>}: those of {@code <job>} and the Spark ones. */
  public static List<Key> keys(Job job) {
    return AnalysisConfig.sparkKeys(job);
  }

  /** {@code spark-segment key=value ...} (the launcher and spark-submit); exits with 0, 1 (failed) or 2 (bad usage). */
  public static void main(String[] argv) {
    int code = run(argv);
    // Spark can leave non-daemon threads behind (3.5.8's barrier stage): end the JVM explicitly.
    System.exit(code);
  }

  static int run(String[] argv) {
    String usage = "usage: " + PREFIX + "segment|classify|detect|embed|zero-shot|index key=value ... (" + PREFIX + "segment help lists the keys)";
    if (argv.length == 0 || !argv[0].startsWith(PREFIX)) {
      System.err.println(usage);
      return 2;
    }
    List<String> rest = Arrays.asList(argv).subList(1, argv.length);
    if (argv[0].equals(SparkIndex.COMMAND)) {
      return run(argv[0], SparkIndex.KEYS, rest, (kv, log) -> SparkIndex.run(kv, log).size() + " entries indexed");
    }
    Job job;
    try {
      job = Job.fromKey(argv[0].substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      System.err.println("mflag: unknown command '" + argv[0] + "'; " + usage);
      return 2;
    }
    return run(argv[0], keys(job), rest, (kv, log) -> run(job, kv, log).toString());
  }

  /** What a command does with its keys; returns a summary for the log. */
  private interface Action {
    String run(KeyValues kv, Logger log) throws Exception;
  }

  /** {@code command key=value ...}, or {@code command help}; exits with 0, 1 (failed) or 2 (bad usage). */
  private static int run(String command, List<Key> keys, List<String> rest, Action action) {
    if (rest.size() == 1 && rest.get(0).equals("help")) {
      for (Key k : keys) System.out.printf("  %-18s %s (%s; %s)%n", k.name(), k.description(), k.required() ? "required" : k.defaultValue(), k.allowed());
      return 0;
    }
    StderrLogService log = new StderrLogService();
    log.setPrintStreams(level -> level <= LogLevel.WARN ? System.err : System.out);
    try {
      String summary = action.run(KeyValues.parse(command, keys, rest), log);
      log.info(command + ": " + summary);
      return 0;
    } catch (IllegalArgumentException e) {
      System.err.println("mflag " + command + ": " + e.getMessage());
      return 2;
    } catch (Exception e) {
      log.error("mflag " + command + " failed: " + e.getMessage(), e);
      return 1;
    }
  }

  /** Runs the job on Spark; returns what it did. */
  public static ManifestAnalysis.Summary run(Job job, KeyValues kv, Logger log) throws Exception {
    AnalysisConfig cfg = AnalysisConfig.of(job, kv);
    Path out = cfg.output().toAbsolutePath();
    Files.createDirectories(out);
    Path model = cfg.model().toAbsolutePath();
    InferenceOptions options = ManifestAnalysis.options(cfg, log);
    List<BatchAnalysis.Column> columns = BatchAnalysis.columns(job, model, options);
    boolean csv = kv.string(AnalysisConfig.FORMAT).equals("csv");
    Path results = out.resolve(csv ? CSV : PARQUET);
    SparkConf conf = new SparkConf().setAppName("mflag " + PREFIX + job.key());
    if (!conf.contains("spark.master")) conf.setMaster(kv.string(AnalysisConfig.MASTER));
    // one driver per output: a second one would delete this one's uncommitted rows (below) and mix chunks
    try (OutputLock lock = OutputLock.acquire(out, PREFIX + job.key())) {
      SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
      spark.sparkContext().setLogLevel("WARN");
      try {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<BatchAnalysis.Item> all = items(spark, cfg.data());
        // A run killed before its job committed leaves its tasks' files in _temporary; the next job's commit would move
        // them into the results beside the rows this run computes again: drop them first (the lock keeps other drivers out).
        Path uncommitted = results.resolve("_temporary");
        if (Files.exists(uncommitted)) {
          log.info("removing the uncommitted rows of a stopped run: " + uncommitted);
          Archives.deleteTree(uncommitted);
        }
        Set<String> done = doneIds(spark, results, csv);
        List<BatchAnalysis.Item> todo = new ArrayList<>();
        for (BatchAnalysis.Item it : all) if (!done.contains(it.id)) todo.add(it);
        log.info(String.format("%s%s on %s: %d images, %d already in %s, %d to analyse", PREFIX, job.key(), jsc.master(), all.size(),
            all.size() - todo.size(), results, todo.size()));
        if (job == Job.ZERO_SHOT) ZeroShotAnalysis.recordPrompts(out, options.zeroShot(), !done.isEmpty());
        ExecutorModels.Spec spec = new ExecutorModels.Spec(job, model.toString(), options, cfg.device());
        StructType schema = schema(columns);
        int partitions = kv.auto(AnalysisConfig.PARTITIONS) ? jsc.defaultParallelism() : kv.integer(AnalysisConfig.PARTITIONS);
        int chunk = kv.integer(AnalysisConfig.CHUNK_SIZE);
        int analysed = 0;
        int errors = 0;
        long start = System.nanoTime();
        for (int from = 0; from < todo.size(); from += chunk) {
          List<BatchAnalysis.Item> part = todo.subList(from, Math.min(todo.size(), from + chunk));
          LongAccumulator chunkErrors = jsc.sc().longAccumulator();
          JavaRDD<Row> rows = jsc.parallelize(new ArrayList<>(part), Math.max(1, Math.min(partitions, part.size())))
              .mapPartitions(new AnalysePartition(spec, chunkErrors));
          write(spark.createDataFrame(rows, schema), results, csv, columns);
          errors += (int) chunkErrors.value().longValue();
          analysed += part.size();
          log.info(ManifestAnalysis.progress(PREFIX + job.key(), analysed, todo.size(), start, errors));
        }
        return new ManifestAnalysis.Summary(results, analysed, errors, all.size() - todo.size(), false);
      } finally {
        spark.stop();
      }
    }
  }

  /** The manifest's images: a CSV manifest through the single-JVM reader (same ids and paths); Parquet through Spark. */
  static List<BatchAnalysis.Item> items(SparkSession spark, DataConfig data) throws DatasetException {
    Path manifest = data.manifest().toAbsolutePath();
    if (!manifest.getFileName().toString().endsWith(".parquet")) return ManifestAnalysis.items(data);
    List<BatchAnalysis.Item> items = new ArrayList<>();
    for (String[] r : parquetRows(spark, manifest, data.idColumn(), data.imageColumn())) {
      items.add(BatchAnalysis.Item.of(manifest.getParent(), r[0], r[1]));
    }
    return items;
  }

  /**
   * The rows of a Parquet manifest as {@code {id, image path, more...}}, with ids as {@link org.mflag.data.Manifest#read}
   * gives them for a CSV manifest: {@code idColumn} when the file has it (then unique), else the image path, and
   * {@code row<n>} where that is empty. {@code more} are {@code {key, column}} pairs whose columns must exist like the
   * image column; an empty column name reads as "".
   */
  static List<String[]> parquetRows(SparkSession spark, Path manifest, String idColumn, String imageColumn, String[]... more)
      throws DatasetException {
    Dataset<Row> m = spark.read().parquet(manifest.toString());
    List<String> names = Arrays.asList(m.columns());
    List<String[]> required = new ArrayList<>();
    required.add(new String[] {"image_column", imageColumn});
    required.addAll(Arrays.asList(more));
    for (String[] c : required) {
      if (!c[1].isEmpty() && !names.contains(c[1])) {
        throw new DatasetException("manifest " + manifest + ": no column '" + c[1] + "' (" + c[0] + "); columns are " + names);
      }
    }
    boolean hasId = names.contains(idColumn);
    List<org.apache.spark.sql.Column> cols = new ArrayList<>(List.of(functions.col(hasId ? idColumn : imageColumn), functions.col(imageColumn)));
    for (String[] c : more) cols.add(c[1].isEmpty() ? functions.lit("") : functions.col(c[1]));
    List<String[]> rows = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Row r : m.select(cols.toArray(new org.apache.spark.sql.Column[0])).collectAsList()) {
      String[] values = new String[cols.size()];
      for (int i = 0; i < values.length; i++) values[i] = r.isNullAt(i) ? "" : r.get(i).toString();
      if (values[0].isEmpty()) values[0] = "row" + rows.size();
      if (!seen.add(values[0]) && hasId) {
        throw new DatasetException("manifest " + manifest + ": id '" + values[0] + "' is used twice (column '" + idColumn + "')");
      }
      rows.add(values);
    }
    return rows;
  }


  /** The ids the results already hold. */
  private static Set<String> doneIds(SparkSession spark, Path results, boolean csv) {
    Set<String> ids = new HashSet<>();
    if (!Files.isDirectory(results)) return ids;
    DataFrameReader r = spark.read();
    Dataset<Row> df;
    try {
      df = csv ? r.option("header", "true").csv(results.toString()) : r.parquet(results.toString());
    } catch (RuntimeException e) {
      // a folder with no committed part file yet (the first chunk was stopped): nothing is done
      return ids;
    }
    for (Row row : df.select("id").collectAsList()) ids.add(csv ? CsvCells.original(row.getString(0)) : row.getString(0));
    return ids;
  }

  private static void write(Dataset<Row> df, Path results, boolean csv, List<BatchAnalysis.Column> columns) {
    if (!csv) {
      df.write().mode(SaveMode.Append).parquet(results.toString());
      return;
    }
    List<org.apache.spark.sql.Column> cells = new ArrayList<>();
    for (BatchAnalysis.Column c : columns) {
      org.apache.spark.sql.Column col = functions.col(c.name);
      boolean array = c.type.name().endsWith("_ARRAY");
      if (array) col = functions.concat_ws(";", col.cast("array<string>"));
      boolean text = array || c.type == BatchAnalysis.Type.STRING;
      cells.add(text ? safe(col).alias(c.name) : col);
    }
    df.select(cells.toArray(new org.apache.spark.sql.Column[0])).write().mode(SaveMode.Append).option("header", "true").csv(results.toString());
  }

  /** {@link CsvCells#safe} as a Spark expression, so that the cluster's CSV equals the one-JVM run's. */
  private static org.apache.spark.sql.Column safe(org.apache.spark.sql.Column text) {
    return functions.when(text.rlike(CsvCells.STARTS_LIKE_FORMULA).and(functions.not(text.rlike(CsvCells.NUMBER))),
        functions.concat(functions.lit("'"), text)).otherwise(text);
  }

  /** The Spark schema of the result columns. */
  static StructType schema(List<BatchAnalysis.Column> columns) {
    List<StructField> fields = new ArrayList<>();
    for (BatchAnalysis.Column c : columns) fields.add(DataTypes.createStructField(c.name, type(c.type), true));
    return DataTypes.createStructType(fields);
  }

  private static DataType type(BatchAnalysis.Type t) {
    switch (t) {
      case STRING: return DataTypes.StringType;
      case LONG: return DataTypes.LongType;
      case DOUBLE: return DataTypes.DoubleType;
      case FLOAT_ARRAY: return DataTypes.createArrayType(DataTypes.FloatType, false);
      case DOUBLE_ARRAY: return DataTypes.createArrayType(DataTypes.DoubleType, false);
      case LONG_ARRAY: return DataTypes.createArrayType(DataTypes.LongType, false);
      case STRING_ARRAY: return DataTypes.createArrayType(DataTypes.StringType, false);
      default: throw new IllegalArgumentException(t.toString());
    }
  }

  /** One row's values in column order, as Spark takes them. */
  static Row row(Map<String, Object> values) {
    return org.apache.spark.sql.RowFactory.create(values.values().toArray());
  }
}
