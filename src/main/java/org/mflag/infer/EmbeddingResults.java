package org.mflag.infer;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.mflag.data.DatasetException;
import org.mflag.io.CsvCells;

/**
 * The image projections an {@code embed} run wrote, read back by image id: {@code results.csv} of the one-JVM job, or
 * the part files of {@code spark-embed format=csv} ({@code results-csv/}). Only rows with status {@code ok} count; the
 * Parquet results of {@code spark-embed} are read through Spark ({@code spark-index}).
 */
public final class EmbeddingResults {

  private EmbeddingResults() {}

  /**
   * The CSV files of an embed output: {@code where} is {@code results.csv}, a {@code results-csv/} folder, or the
   * output folder holding either.
   */
  public static List<Path> files(Path where) throws DatasetException {
    if (Files.isRegularFile(where)) return List.of(where);
    if (!Files.isDirectory(where)) throw new DatasetException(where + ": no such file or folder (embeddings: an embed output)");
    if (Files.isRegularFile(where.resolve(ManifestAnalysis.RESULTS))) return List.of(where.resolve(ManifestAnalysis.RESULTS));
    Path parts = Files.isDirectory(where.resolve(ManifestAnalysis.SPARK_CSV)) ? where.resolve(ManifestAnalysis.SPARK_CSV) : where;
    List<Path> csv;
    try (Stream<Path> s = Files.list(parts)) {
      csv = s.filter(p -> p.getFileName().toString().startsWith("part-") && p.getFileName().toString().endsWith(".csv") && Files.isRegularFile(p))
          .sorted().collect(Collectors.toList());
    } catch (IOException e) {
      throw new DatasetException(parts + ": cannot list it (" + e.getMessage() + ")", e);
    }
    if (csv.isEmpty()) {
      boolean parquet = Files.isDirectory(where.resolve(ManifestAnalysis.SPARK_PARQUET)) || where.getFileName().toString().endsWith(".parquet");
      throw new DatasetException(where + (parquet ? ": Parquet results are read through Spark: use spark-index (or spark-embed format=csv)"
          : ": holds neither " + ManifestAnalysis.RESULTS + " nor results-csv/part-*.csv (the output of embed or spark-embed)"));
    }
    return csv;
  }

  /** The projection of every image analysed without error, by id, in file order. */
  public static Map<String, float[]> projections(Path where) throws DatasetException {
    Map<String, float[]> out = new LinkedHashMap<>();
    int dim = -1;
    for (Path f : files(where)) {
      try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8);
          CSVParser p = CSVParser.parse(r, CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get())) {
        List<String> need = new ArrayList<>(Arrays.asList("id", "status", "projection"));
        need.removeAll(p.getHeaderNames());
        if (!need.isEmpty()) throw new DatasetException(f + ": no column " + need + " (columns " + p.getHeaderNames() + "): not the output of embed");
        for (CSVRecord row : p) {
          if (!BatchAnalysis.OK.equals(row.get("status"))) continue;
          String id = CsvCells.original(row.get("id"));
          float[] v = parse(CsvCells.original(row.get("projection")), f, row.getRecordNumber() + 1, id);
          if (dim >= 0 && v.length != dim) {
            throw new DatasetException(f + ", line " + (row.getRecordNumber() + 1) + " (id " + id + "): a projection of " + v.length
                + " values after ones of " + dim + " (results of two models mixed?)");
          }
          dim = v.length;
          float[] before = out.put(id, v);
          if (before != null && !Arrays.equals(before, v)) {
            throw new DatasetException(f + ": id " + id + " has two different projections");
          }
        }
      } catch (IOException | RuntimeException e) {
        throw new DatasetException(f + ": not a readable results table (" + e.getMessage() + ")", e);
      }
    }
    return out;
  }

  private static float[] parse(String cell, Path f, long line, String id) throws DatasetException {
    String[] parts = cell.split(";", -1);
    float[] v = new float[parts.length];
    try {
      for (int i = 0; i < parts.length; i++) {
        v[i] = Float.parseFloat(parts[i]);
        if (!Float.isFinite(v[i])) throw new NumberFormatException("not finite: " + parts[i]);
      }
    } catch (NumberFormatException e) {
      throw new DatasetException(f + ", line " + line + " (id " + id + "): projection is not a list of numbers (" + e.getMessage() + ")");
    }
    return v;
  }
}
