package org.mflag.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mflag.io.Archives;

/**
 * Train/val/test assignment of manifest rows, by id. Either the manifest says it ({@code split_column}
 * with train/val/test), or a seeded split is drawn: the groups (rows sharing a {@code group_column}
 * value, e.g. one patient's images; each row its own group when there is none) are shuffled with the
 * seed and cut into val, test and train, so no patient straddles two parts. The assignment is saved
 * as {@code split.csv} ({@code id,split}) next to the model, so {@code evaluate} scores the same rows.
 */
public final class Splits {

  public static final String FILE = "split.csv";

  private Splits() {}

  /** The split of every row, from {@code splitColumn} when the manifest has it, else seeded. */
  public static Map<String, Split> assign(Manifest m, String splitColumn, String groupColumn, double valFraction,
      double testFraction, long seed) throws DatasetException {
    Map<String, Split> out = new LinkedHashMap<>();
    if (!splitColumn.isEmpty() && m.columns().contains(splitColumn)) {
      for (Manifest.Row r : m.rows()) {
        Split s = Split.parse(r.get(splitColumn));
        if (s == null) {
          throw new DatasetException("manifest " + m.file() + ", row " + (r.index() + 1) + " (id " + r.id() + "): split_column '"
              + splitColumn + "' holds '" + r.get(splitColumn) + "'; use train, val or test");
        }
        out.put(org.mflag.io.CsvCells.original(r.id()), s);
      }
      return out;
    }
    if (valFraction + testFraction >= 1) {
      throw new IllegalArgumentException("val_fraction + test_fraction must be < 1, got " + (valFraction + testFraction));
    }
    if (!groupColumn.isEmpty()) m.requireColumns("group_column", groupColumn);
    Map<String, List<String>> groups = new LinkedHashMap<>();
    for (Manifest.Row r : m.rows()) {
      String g = groupColumn.isEmpty() ? r.id() : r.get(groupColumn);
      groups.computeIfAbsent(g.isEmpty() ? "row:" + r.id() : g, k -> new ArrayList<>()).add(r.id());
    }
    List<List<String>> all = new ArrayList<>(groups.values());
    List<List<String>> order = new ArrayList<>(all.size());
    for (int i : BatchLoader.permutation(all.size(), seed)) order.add(all.get(i));
    int nVal = (int) Math.round(valFraction * order.size());
    int nTest = (int) Math.round(testFraction * order.size());
    for (int i = 0; i < order.size(); i++) {
      Split s = i < nVal ? Split.VAL : i < nVal + nTest ? Split.TEST : Split.TRAIN;
      for (String id : order.get(i)) out.put(id, s);
    }
    return out;
  }

  /**
   * A seeded random subset of {@code fraction} of the items (at least {@code minimum}, at most all), in
   * their original order: the label fractions 1%/10%/100% of MFLAG.md.
   */
  public static <T> List<T> subset(List<T> items, double fraction, int minimum, long seed) {
    if (!(fraction > 0 && fraction <= 1)) throw new IllegalArgumentException("fraction=" + fraction + ": must be in (0, 1]");
    int n = items.size();
    int k = Math.min(n, Math.max(minimum, (int) Math.round(fraction * n)));
    if (k == n) return new ArrayList<>(items);
    int[] idx = BatchLoader.permutation(n, seed);
    int[] chosen = java.util.Arrays.copyOf(idx, k);
    java.util.Arrays.sort(chosen);
    List<T> out = new ArrayList<>(k);
    for (int i : chosen) out.add(items.get(i));
    return out;
  }

  public static void write(Path file, Map<String, Split> splits) throws IOException {
    StringBuilder sb = new StringBuilder("id,split\n");
    for (Map.Entry<String, Split> e : splits.entrySet()) sb.append(Manifest.csvField(e.getKey())).append(',').append(e.getValue().key()).append('\n');
    Archives.writeAtomically(file, sb.toString().getBytes(StandardCharsets.UTF_8));
  }

  public static Map<String, Split> read(Path file) throws DatasetException {
    Manifest m = Manifest.read(file, "id", "id");
    m.requireColumns("split file", "split");
    Map<String, Split> out = new LinkedHashMap<>();
    for (Manifest.Row r : m.rows()) {
      Split s = Split.parse(r.get("split"));
      if (s == null) throw new DatasetException(file + ", row " + (r.index() + 1) + ": split '" + r.get("split") + "' is not train, val or test");
      out.put(org.mflag.io.CsvCells.original(r.id()), s);
    }
    return out;
  }
}
