package org.mflag.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.config.KeyValues;
import org.mflag.config.Task;
import org.mflag.data.Manifest;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.infer.AnalysisConfig;
import org.mflag.infer.BatchAnalysis;
import org.mflag.infer.Job;
import org.mflag.infer.ManifestAnalysis;
import org.mflag.retrieval.IndexConfig;
import org.mflag.retrieval.Retrieval;
import org.mflag.retrieval.RetrievalIndex;
import org.mflag.retrieval.RetrievalTest;

/**
 * The Spark jobs on {@code local[2]} against the single-JVM analysis of the same manifest: the same rows (bad images
 * as rows with their error), the same masks, the model opened once per JVM, and a job killed halfway that a re-run
 * completes without duplicates.
 */
@Tag("slow")
class SparkAnalysisTest {

  @TempDir
  static Path tmp;
  static Path segmenter;
  static Path classifier;
  /** 13 sample images (absolute paths) and three bad rows: a missing file, a truncated PNG, a text file. */
  static Path manifest;
  static final int IMAGES = 13;
  /** Bad rows; one id looks like a spreadsheet formula, which both CSV writers must neutralise alike. */
  static final List<String> BAD = List.of("=missing", "truncated", "text");

  @BeforeAll
  static void models() throws Exception {
    segmenter = TestData.smallFinetune(Task.SEGMENTATION, tmp.resolve("segmenter"), "epochs", "1");
    classifier = TestData.smallFinetune(Task.CLASSIFICATION, tmp.resolve("classifier"), "epochs", "1", "label_column", "view");
    Manifest samples = Manifest.read(TestData.manifest(), "id", "image");
    StringBuilder csv = new StringBuilder("id,image\n");
    Path images = Files.createDirectories(tmp.resolve("images"));
    for (Manifest.Row r : samples.rows().subList(0, IMAGES)) {
      Path copy = Files.copy(samples.locate(r.get("image")), images.resolve(Path.of(r.get("image")).getFileName()));
      csv.append(r.id()).append(',').append(copy).append('\n'); // absolute paths inside the manifest's folder
    }
    Path first = samples.locate(samples.rows().get(0).get("image"));
    Path truncated = tmp.resolve("truncated.png");
    Files.write(truncated, java.util.Arrays.copyOf(Files.readAllBytes(first), 200));
    Path text = tmp.resolve("notes.png");
    Files.writeString(text, "not an image");
    csv.append("=missing,").append(tmp.resolve("no-such-image.png")).append('\n');
    csv.append("truncated,").append(truncated).append('\n');
    csv.append("text,").append(text).append('\n');
    manifest = tmp.resolve("manifest.csv");
    Files.writeString(manifest, csv);
  }

  private static KeyValues keys(Job job, boolean spark, Path model, Path out, String... extra) {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("model", model.toString());
    v.put("manifest", manifest.toString());
    v.put("output", out.toString());
    v.put("batch_size", "3");
    for (int i = 0; i < extra.length; i += 2) v.put(extra[i], extra[i + 1]);
    return KeyValues.of((spark ? SparkAnalysis.PREFIX : "") + job.key(), spark ? SparkAnalysis.keys(job) : AnalysisConfig.keys(job), v);
  }

  /** The single-JVM results.csv, by id. */
  private static Map<String, CSVRecord> oneJvm(Job job, Path model, Path out, String... extra) throws Exception {
    ManifestAnalysis.run(AnalysisConfig.of(job, keys(job, false, model, out, extra)), new ImageFileDecoder(), TestData.log(), () -> false);
    return csvById(List.of(out.resolve(ManifestAnalysis.RESULTS)));
  }

  private static Map<String, CSVRecord> csvById(List<Path> files) throws IOException {
    Map<String, CSVRecord> rows = new HashMap<>();
    for (Path f : files) {
      try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8);
          CSVParser p = CSVParser.parse(r, CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get())) {
        for (CSVRecord rec : p) {
          String cell = rec.get("id");
          assertTrue(!cell.startsWith("=") && !cell.startsWith("-"), "a formula-like id is written as text: " + cell);
          assertTrue(rows.put(org.mflag.io.CsvCells.original(cell), rec) == null, "id " + cell + " twice in " + files);
        }
      }
    }
    return rows;
  }

  private static List<Path> partFiles(Path dir, String suffix) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith("part-") && p.getFileName().toString().endsWith(suffix)).sorted()
          .collect(java.util.stream.Collectors.toList());
    }
  }

  @Test
  void theTestJvmHasSparksJavaOptions() throws IOException {
    List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
    for (String o : Files.readAllLines(Path.of("src/main/resources/org/mflag/spark/java-options"))) {
      if (!o.isBlank()) assertTrue(args.contains(o.trim()), "pom.xml's spark.java.options lacks " + o);
    }
  }

  @Test
  void segmentOnSparkGivesTheSingleJvmRowsAndMasks() throws Exception {
    // both on TensorFlow, which auto would not take for this package: the executors take the engine key as the one JVM
    // does (the engines' agreement with each other is SegmentCommandTest's and OnnxWeightsTest's)
    Map<String, CSVRecord> one = oneJvm(Job.SEGMENT, segmenter, tmp.resolve("segment-one"), "engine", "tensorflow");
    int before = ExecutorModels.opened();
    Path out = tmp.resolve("segment-spark");
    ManifestAnalysis.Summary s = SparkAnalysis.run(Job.SEGMENT,
        keys(Job.SEGMENT, true, segmenter, out, "master", "local[2]", "chunk_size", "6", "engine", "tensorflow"), TestData.log());
    assertEquals(IMAGES + BAD.size(), s.analysed);
    assertEquals(BAD.size(), s.errors);
    assertEquals(1, ExecutorModels.opened() - before, "the executor JVM opened the model once for 3 chunks of 2 partitions");
    assertEquals("tensorflow", ExecutorModels.lastEngine(), "engine=tensorflow reached the executors");
    SparkSession spark = SparkSession.builder().master("local[1]").appName("read").getOrCreate();
    List<Row> rows;
    try {
      rows = spark.read().parquet(out.resolve(SparkAnalysis.PARQUET).toString()).collectAsList();
    } finally {
      spark.stop();
    }
    assertEquals(one.size(), rows.size(), "one row per image");
    for (Row r : rows) {
      String id = r.getAs("id");
      CSVRecord expected = one.get(id);
      assertEquals(expected.get("status"), r.getAs("status"), id);
      assertEquals(expected.get("error"), r.getAs("error"), id);
      if (BAD.contains(id)) {
        assertEquals(BatchAnalysis.ERROR, r.getAs("status"), id);
        assertTrue(((String) r.getAs("error")).contains(id.equals("=missing") ? "no-such-image.png" : id.equals("text") ? "notes.png"
            : "truncated.png"), "the error names the file: " + r.getAs("error"));
        continue;
      }
      assertEquals(Long.parseLong(expected.get("width")), (long) r.getAs("width"), id);
      assertEquals(Double.parseDouble(expected.get("foreground_fraction")), (double) r.getAs("foreground_fraction"), 1e-4, id);
      assertEquals(BatchAnalysis.maskName(id), r.getAs("mask"));
      byte[] a = Files.readAllBytes(tmp.resolve("segment-one").resolve(BatchAnalysis.maskName(id)));
      byte[] b = Files.readAllBytes(out.resolve(BatchAnalysis.maskName(id)));
      assertArrayEquals(pixels(a), pixels(b), id + ": the same mask");
    }
    try (Stream<Path> masks = Files.list(out.resolve(BatchAnalysis.MASKS))) {
      assertEquals(IMAGES, masks.count(), "one mask per good image, no temporary files left");
    }
  }

  private static byte[] pixels(byte[] png) throws IOException {
    java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
    return ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
  }

  @Test
  void aClassifyJobKilledHalfwayIsCompletedByARerunWithoutDuplicates() throws Exception {
    Map<String, CSVRecord> one = oneJvm(Job.CLASSIFY, classifier, tmp.resolve("classify-one"));
    Path out = tmp.resolve("classify-spark");
    Path results = out.resolve(SparkAnalysis.CSV);
    List<String> jvm = new ArrayList<>(List.of("-Xmx2g"));
    for (String o : Files.readAllLines(Path.of("src/main/resources/org/mflag/spark/java-options"))) if (!o.isBlank()) jvm.add(o.trim());
    List<String> cmd = TestData.java(jvm, SparkAnalysis.class, List.of("spark-classify", "model=" + classifier, "manifest=" + manifest,
        "output=" + out, "master=local[2]", "chunk_size=2", "batch_size=1", "format=csv"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("killed.log").toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      while (!(Files.isDirectory(results) && !partFiles(results, ".csv").isEmpty()) && System.nanoTime() < deadline && p.isAlive()) {
        Thread.sleep(50);
      }
      assertTrue(p.isAlive(), "the job should still be running after its first chunk: " + Files.readString(tmp.resolve("killed.log")));
    } finally {
      p.destroyForcibly().waitFor();
    }
    Map<String, CSVRecord> before = csvById(partFiles(results, ".csv"));
    int committed = before.size();
    assertTrue(committed > 0 && committed < one.size(), committed + " of " + one.size() + " rows committed before the kill");
    // The kill may land after a task of the running chunk has committed its file into _temporary but before the job
    // did (CI once caught that): the next job's commit would promote that file beside the rows the re-run computes
    // again. Make sure that state is there: a committed task's file for a row the results do not hold yet.
    String pending = one.keySet().stream().filter(id -> !before.containsKey(id)).sorted().findFirst().orElseThrow();
    Path task = results.resolve("_temporary/0/task_202611260000_0001_m_000000");
    Files.createDirectories(task);
    Files.writeString(task.resolve("part-00000-killed-c000.csv"), String.join(",", one.get(pending).getParser().getHeaderNames()) + "\n"
        + String.join(",", one.get(pending).toList()) + "\n");

    ManifestAnalysis.Summary s = SparkAnalysis.run(Job.CLASSIFY, keys(Job.CLASSIFY, true, classifier, out,
        "master", "local[2]", "chunk_size", "2", "batch_size", "1", "format", "csv"), TestData.log());
    assertEquals(committed, s.alreadyDone, "the re-run skips what the killed run committed");
    assertEquals("onnxruntime", ExecutorModels.lastEngine(), "engine=auto takes ONNX Runtime for a package with ONNX weights on the CPU");
    Map<String, CSVRecord> spark = csvById(partFiles(results, ".csv"));
    assertEquals(one.keySet(), spark.keySet(), "every image once");
    for (Map.Entry<String, CSVRecord> e : one.entrySet()) {
      CSVRecord a = e.getValue();
      CSVRecord b = spark.get(e.getKey());
      assertEquals(a.get("status"), b.get("status"), e.getKey());
      assertEquals(a.get("predicted"), b.get("predicted"), e.getKey());
      for (String column : a.getParser().getHeaderNames()) {
        if (column.startsWith("p_") && !a.get(column).isEmpty()) {
          assertEquals(Double.parseDouble(a.get(column)), Double.parseDouble(b.get(column)), 1e-5, e.getKey() + " " + column);
        }
      }
    }
  }

  @Test
  void aParquetManifestGivesTheRowsOfTheCsvOne() throws Exception {
    Map<String, CSVRecord> one = oneJvm(Job.CLASSIFY, classifier, tmp.resolve("parquet-one"));
    Path parquet = tmp.resolve("manifest.parquet");
    SparkSession spark = SparkSession.builder().master("local[1]").appName("write").getOrCreate();
    try {
      spark.read().option("header", "true").csv(manifest.toString()).coalesce(1).write().parquet(parquet.toString());
    } finally {
      spark.stop();
    }
    Path out = tmp.resolve("parquet-spark");
    SparkAnalysis.run(Job.CLASSIFY, keys(Job.CLASSIFY, true, classifier, out, "manifest", parquet.toString(),
        "master", "local[2]", "format", "csv"), TestData.log());
    Map<String, CSVRecord> rows = csvById(partFiles(out.resolve(SparkAnalysis.CSV), ".csv"));
    assertEquals(one.keySet(), rows.keySet());
    for (Map.Entry<String, CSVRecord> e : one.entrySet()) {
      assertEquals(e.getValue().get("status"), rows.get(e.getKey()).get("status"), e.getKey());
      assertEquals(e.getValue().get("predicted"), rows.get(e.getKey()).get("predicted"), e.getKey());
    }
  }

  @Test
  void sparkIndexBuildsTheIndexFromSparkEmbedsParquetAsIndexDoesFromImages() throws Exception {
    Path pre = TestData.pretrained();
    Path embed = tmp.resolve("embed-spark");
    Map<String, String> v = new LinkedHashMap<>();
    v.put("model", pre.toString());
    v.put("manifest", TestData.manifest().toString());
    v.put("output", embed.toString());
    v.put("master", "local[2]");
    SparkAnalysis.run(Job.EMBED, KeyValues.of("spark-embed", SparkAnalysis.keys(Job.EMBED), v), TestData.log());
    assertTrue(Files.isDirectory(embed.resolve(SparkAnalysis.PARQUET)));
    List<String> common = List.of("model=" + pre, "manifest=" + TestData.manifest(), "label_column=view", "cache_dir=" + TestData.cacheDir());
    List<String> direct = new ArrayList<>(common);
    direct.add("output=" + tmp.resolve("direct.npz"));
    RetrievalIndex a = Retrieval.index(IndexConfig.of(KeyValues.parse("index", Retrieval.INDEX_KEYS, direct)), new ImageFileDecoder(), TestData.log(), () -> false);
    List<String> viaSpark = new ArrayList<>(common);
    viaSpark.addAll(List.of("output=" + tmp.resolve("spark.npz"), "embeddings=" + embed, "master=local[2]"));
    assertEquals(0, SparkAnalysis.run(concat("spark-index", viaSpark)), "spark-index exits with 0");
    RetrievalTest.assertSameIndex(a, RetrievalIndex.load(tmp.resolve("spark.npz")));
  }

  private static String[] concat(String first, List<String> rest) {
    List<String> all = new ArrayList<>(List.of(first));
    all.addAll(rest);
    return all.toArray(new String[0]);
  }
}
