package org.mflag.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.mflag.io.CsvCells;
import org.mflag.io.TextFiles;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * A CSV table with a header row, one row per sample. File paths in it are relative to the folder
 * that holds the manifest, or absolute ({@link #locate}). Columns are chosen by name, so any export from a hospital system works
 * as long as it has a header.
 */
public final class Manifest {

  /** One row: its 0-based position, its id and its cells by column name. */
  public static final class Row {
    private final int index;
    private final String id;
    private final Map<String, String> cells;

    Row(int index, String id, Map<String, String> cells) {
      this.index = index;
      this.id = id;
      this.cells = cells;
    }

    public int index() {
      return index;
    }

    public String id() {
      return id;
    }

    /** The cell of a column that {@link Manifest#requireColumns} has checked. */
    public String get(String column) {
      String v = cells.get(column);
      return v == null ? "" : v;
    }
  }

  private final Path file;
  private final List<String> columns;
  private final List<Row> rows;
  private final String sha256;

  private Manifest(Path file, List<String> columns, List<Row> rows, String sha256) {
    this.file = file;
    this.columns = columns;
    this.rows = rows;
    this.sha256 = sha256;
  }

  /**
   * Reads a manifest. Row ids come from {@code idColumn} when the file has it (they must be unique),
   * otherwise from {@code fallbackIdColumn} (typically the image path).
   */
  public static Manifest read(Path file, String idColumn, String fallbackIdColumn) throws DatasetException {
    if (Files.isDirectory(file)) throw new DatasetException("manifest " + file + ": a folder, not a CSV file; " + csvFilesIn(file));
    byte[] bytes;
    String text;
    try {
      bytes = TextFiles.read(file);
      text = TextFiles.decodeUtf8(file, bytes);
    } catch (NoSuchFileException e) {
      throw new DatasetException("manifest " + file + ": file not found" + (file.getParent() != null && !Files.isDirectory(file.getParent())
          ? " (no folder " + file.getParent() + ")" : ""));
    } catch (IOException e) {
      throw new DatasetException("manifest " + e.getMessage(), e);
    }
    CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true)
        .setIgnoreEmptyLines(true).setTrim(true).get();
    List<Row> rows = new ArrayList<>();
    List<String> columns;
    try (CSVParser parser = CSVParser.parse(text, format)) {
      columns = new ArrayList<>(parser.getHeaderNames());
      if (columns.isEmpty()) throw new DatasetException("manifest " + file + ": no header row");
      String idCol = columns.contains(idColumn) ? idColumn : fallbackIdColumn;
      Map<String, Integer> seen = new HashMap<>();
      for (CSVRecord rec : parser) {
        int line = (int) rec.getRecordNumber() + 1;
        if (!rec.isConsistent()) {
          throw new DatasetException("manifest " + file + ", line " + line + ": " + rec.size()
              + " cells, header has " + columns.size());
        }
        Map<String, String> cells = rec.toMap();
        String id = cells.getOrDefault(idCol, "");
        if (id.isEmpty()) id = "row" + rows.size();
        Integer before = seen.put(id, line);
        if (before != null && idCol.equals(idColumn)) {
          throw new DatasetException("manifest " + file + ", line " + line + ": id '" + id
              + "' already used on line " + before + " (column '" + idColumn + "' must be unique)");
        }
        rows.add(new Row(rows.size(), id, cells));
      }
    } catch (IOException | IllegalArgumentException | IllegalStateException e) {
      throw new DatasetException("manifest " + file + ": not a valid CSV file (" + e.getMessage() + ")", e);
    }
    return new Manifest(file, Collections.unmodifiableList(columns), Collections.unmodifiableList(rows), org.mflag.io.Hashing.sha256(bytes));
  }

  /** What to give instead of a folder: the CSV files in it, or how to write one. */
  private static String csvFilesIn(Path folder) {
    List<String> csv = new ArrayList<>();
    try (java.util.stream.Stream<Path> s = Files.list(folder)) {
      s.filter(p -> p.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".csv") && Files.isRegularFile(p))
          .map(p -> p.getFileName().toString()).sorted().limit(5).forEach(csv::add);
    } catch (IOException e) {
      // unreadable folder: the generic hint below
    }
    if (!csv.isEmpty()) return "give the manifest file in it, e.g. manifest=" + folder.resolve(csv.get(0)) + (csv.size() > 1 ? " (it holds " + csv + ")" : "");
    return "give a CSV file with a header row and one row per image (columns such as image,report; see docs/data.md)";
  }

  public Path file() {
    return file;
  }

  /** The folder paths in the manifest are relative to. */
  public Path folder() {
    Path parent = file.toAbsolutePath().getParent();
    return parent == null ? Path.of(".") : parent;
  }

  public List<String> columns() {
    return columns;
  }

  public List<Row> rows() {
    return rows;
  }

  public int size() {
    return rows.size();
  }

  /** SHA-256 of the manifest's bytes, recorded in model metadata and checkpoints. */
  public String sha256() {
    return sha256;
  }

  /**
   * Fails with one message naming the manifest, the parameter and the missing column, and listing
   * the columns the file has. {@code columnsByParameter} pairs a parameter key with its value.
   */
  public void requireColumns(String... parameterAndColumn) throws DatasetException {
    for (int i = 0; i + 1 < parameterAndColumn.length; i += 2) {
      String column = parameterAndColumn[i + 1];
      if (!columns.contains(column)) {
        String near = org.mflag.config.Suggestions.nearest(column, columns);
        throw new DatasetException("manifest " + file + ": no column '" + column + "' (" + parameterAndColumn[i] + "); columns are "
            + columns + ": give " + parameterAndColumn[i] + "=" + (near != null ? near : "<one of them>")
            + (near != null ? " if that is the one" : ""));
      }
    }
  }

  /**
   * The file a path cell names: relative to the manifest's folder, or absolute, links followed wherever they
   * lead. A manifest is the user's own instruction (like a path typed into File &gt; Open), so it may name data
   * anywhere the user can read: an archive on another disk, cluster scratch; see
   * {@link org.mflag.io.Folders#anywhere}. (What is downloaded or shared, a model package, stays inside its
   * folder: {@link org.mflag.io.Folders#inside}.) A missing file is returned for the caller to report.
   *
   * @throws DatasetException saying what is wrong with the path (the caller names the row)
   */
  public Path locate(String cell) throws DatasetException {
    return locate(folder(), cell);
  }

  /** As {@link #locate(String)}, for readers of manifests this class does not parse (Parquet). */
  public static Path locate(Path folder, String cell) throws DatasetException {
    try {
      return org.mflag.io.Folders.anywhere(folder, cell);
    } catch (IOException e) {
      throw new DatasetException(e.getMessage(), e);
    }
  }

  /**
   * A text value as a CSV cell: {@link CsvCells#safe made safe} for spreadsheets, then quoted when it holds
   * a comma, a quote or a line break.
   */
  public static String csvField(String text) {
    String s = CsvCells.safe(text);
    return s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }
}
