package org.mflag.infer;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import org.mflag.data.DataConfig;
import org.mflag.data.DatasetException;
import org.mflag.data.ImageDecoder;
import org.mflag.data.Manifest;
import org.mflag.io.Archives;
import org.mflag.io.OutputLock;
import org.mflag.model.ModelPackageException;
import org.mflag.runtime.Devices;
import org.scijava.log.Logger;

/**
 * {@code ./mflag segment|classify|detect|embed}: a {@link BatchAnalysis} of every image of a manifest in one JVM, into
 * {@code output/results.csv} (one row per image, the columns of {@link BatchAnalysis#columns()}) and, for segmentation,
 * {@code output/masks/}. Rows are appended batch by batch, so a run that is stopped keeps what it finished, and a
 * re-run into the same output analyses only the images that have no row yet. The Spark jobs ({@code spark-segment} and
 * so on) take the same keys and give the same rows.
 */
public final class ManifestAnalysis {

  public static final String RESULTS = "results.csv";
  /** Where the Spark jobs put their rows under {@code output}: Parquet (the default) or CSV part files. */
  public static final String SPARK_PARQUET = "results.parquet";
  public static final String SPARK_CSV = "results-csv";

  private ManifestAnalysis() {}

  /**
   * The inference options of an analysis: its keys' (the masks go under {@code output}) and, for zero-shot, the prompts
   * embedded by the language model and projected by the package ({@link ZeroShotAnalysis#classifier}).
   */
  public static InferenceOptions options(AnalysisConfig cfg, Logger log) throws IOException, ModelPackageException {
    InferenceOptions o = cfg.inference();
    if (cfg.masks()) o = o.withMasksUnder(cfg.output().toAbsolutePath()); // absolute: Spark's executors write there too
    if (cfg.job() == Job.ZERO_SHOT) o = o.withZeroShot(ZeroShotAnalysis.classifier(cfg.zeroShot(), cfg.model(), cfg.inference().engine(), log));
    return o;
  }

  /** The images of a manifest as analysis items (ids from {@code id_column}, else the image path). */
  public static List<BatchAnalysis.Item> items(DataConfig data) throws DatasetException {
    Manifest m = data.readManifest();
    m.requireColumns("image_column", data.imageColumn());
    List<BatchAnalysis.Item> items = new ArrayList<>();
    for (Manifest.Row r : m.rows()) items.add(BatchAnalysis.Item.of(m.folder(), r.id(), r.get(data.imageColumn())));
    return items;
  }

  /** What a run did. */
  public static final class Summary {
    public final Path results;
    public final int analysed;
    public final int errors;
    public final int alreadyDone;
    public final boolean cancelled;

    public Summary(Path results, int analysed, int errors, int alreadyDone, boolean cancelled) {
      this.results = results;
      this.analysed = analysed;
      this.errors = errors;
      this.alreadyDone = alreadyDone;
      this.cancelled = cancelled;
    }

    @Override
    public String toString() {
      return String.format("%d images analysed (%d with errors), %d already in %s%s", analysed, errors, alreadyDone, results,
          cancelled ? "; cancelled: run again with the same output to continue" : "");
    }
  }

  /** Runs the analysis over the manifest's images that {@code output/results.csv} has no row for. */
  public static Summary run(AnalysisConfig cfg, ImageDecoder decoder, Logger log, BooleanSupplier cancelled)
      throws ModelPackageException, DatasetException, IOException {
    Job job = cfg.job();
    Devices.Plan devices = cfg.inference().engine().devices(cfg.device());
    log.info("device: " + devices.describe());
    Path out = cfg.output();
    Files.createDirectories(out);
    Path results = out.resolve(RESULTS);
    List<BatchAnalysis.Item> all = items(cfg.data());
    InferenceOptions options = options(cfg, log);
    try (OutputLock lock = OutputLock.acquire(out, job.key());
        BatchAnalysis analysis = BatchAnalysis.open(job, cfg.model(), options, devices)) {
      log.info("engine: " + analysis.engine() + (options.engine() == Engine.AUTO ? " (engine=auto)" : ""));
      if (job == Job.ZERO_SHOT) ZeroShotAnalysis.recordPrompts(out, options.zeroShot(), Files.exists(results));
      Set<String> done = completeIds(results, analysis.columns());
      List<BatchAnalysis.Item> todo = new ArrayList<>();
      for (BatchAnalysis.Item it : all) if (!done.contains(it.id)) todo.add(it);
      log.info(String.format("%s: %d images in %s, %d already in %s, %d to analyse", job.key(), all.size(), cfg.data().manifest(),
          all.size() - todo.size(), results, todo.size()));
      int batch = options.batch();
      int analysed = 0;
      int errors = 0;
      long start = System.nanoTime();
      long lastLog = start;
      try (CSVPrinter csv = printer(results, analysis.columns())) {
        for (int from = 0; from < todo.size(); from += batch) {
          if (cancelled.getAsBoolean()) return new Summary(results, analysed, errors, all.size() - todo.size(), true);
          List<Map<String, Object>> rows = analysis.analyse(todo.subList(from, Math.min(todo.size(), from + batch)), decoder);
          for (Map<String, Object> row : rows) {
            List<String> cells = new ArrayList<>();
            for (Object v : row.values()) cells.add(BatchAnalysis.csvCell(v));
            csv.printRecord(cells);
            if (BatchAnalysis.ERROR.equals(row.get("status"))) errors++;
          }
          csv.flush();
          analysed += rows.size();
          long now = System.nanoTime();
          if (now - lastLog > 10e9 || analysed == todo.size()) {
            log.info(progress(job.key(), analysed, todo.size(), start, errors));
            lastLog = now;
          }
        }
      }
      if (job == Job.ZERO_SHOT && !cfg.zeroShot().labelColumn().isEmpty()) {
        ZeroShotAnalysis.score(cfg, results, options.zeroShot(), log);
      }
      return new Summary(results, analysed, errors, all.size() - todo.size(), false);
    }
  }

  /** "segment: 120/480 images, 6.6 img/s, ETA 55 s, 2 errors": the progress line of a run started at {@code startNanos}. */
  public static String progress(String what, int done, int total, long startNanos, int errors) {
    double rate = done / ((System.nanoTime() - startNanos) / 1e9);
    return String.format("%s: %d/%d images, %.1f img/s, ETA %.0f s, %d errors", what, done, total, rate, (total - done) / rate, errors);
  }

  private static CSVPrinter printer(Path results, List<BatchAnalysis.Column> columns) throws IOException {
    boolean fresh = !Files.exists(results) || Files.size(results) == 0;
    Writer w = Files.newBufferedWriter(results, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    CSVFormat.Builder f = CSVFormat.DEFAULT.builder().setRecordSeparator('\n');
    if (fresh) f.setHeader(columns.stream().map(c -> c.name).toArray(String[]::new));
    return new CSVPrinter(w, f.get());
  }

  /**
   * The ids that {@code results} already has a row for. A last line without its line break (a run killed while
   * writing) is cut off first; a file with other columns (another job or model) is an error, so that nothing is mixed.
   */
  static Set<String> completeIds(Path results, List<BatchAnalysis.Column> columns) throws IOException, DatasetException {
    Set<String> ids = new HashSet<>();
    if (!Files.exists(results)) return ids;
    byte[] bytes = Files.readAllBytes(results);
    int end = bytes.length;
    while (end > 0 && bytes[end - 1] != '\n') end--;
    if (end < bytes.length) Archives.writeAtomically(results, Arrays.copyOf(bytes, end));
    List<String> names = new ArrayList<>();
    for (BatchAnalysis.Column c : columns) names.add(c.name);
    try (CSVParser p = CSVParser.parse(new String(bytes, 0, end, StandardCharsets.UTF_8),
        CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get())) {
      if (end > 0 && !p.getHeaderNames().equals(names)) {
        throw new DatasetException(results + ": its columns " + p.getHeaderNames() + " are not this job's " + names
            + " (another job or model wrote it): choose another output");
      }
      for (CSVRecord r : p) ids.add(org.mflag.io.CsvCells.original(r.get("id")));
    }
    return ids;
  }
}
