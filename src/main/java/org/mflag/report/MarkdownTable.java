package org.mflag.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** GitHub-flavoured Markdown tables and locale-independent number formatting for reports. */
public final class MarkdownTable {

  private MarkdownTable() {}

  /**
   * Renders a table with one line per row (each ending in {@code \n}), columns padded to equal width (at least
   * 3, the width of the {@code ---} separator). Cells have {@code |} escaped as {@code \|} and line breaks
   * replaced by spaces; null cells and cells missing at the end of a short row are empty.
   *
   * <pre>
   * | name | score |
   * | ---- | ----- |
   * | a    | 1.00  |
   * </pre>
   *
   * @throws IllegalArgumentException if the header is empty or a row has more cells than the header
   */
  public static String render(List<String> header, List<List<String>> rows) {
    if (header == null || header.isEmpty()) throw new IllegalArgumentException("a Markdown table needs a header");
    int n = header.size();
    List<List<String>> cells = new ArrayList<>();
    cells.add(escape(header, n));
    for (int r = 0; r < rows.size(); r++) {
      if (rows.get(r).size() > n)
        throw new IllegalArgumentException("row " + r + " has " + rows.get(r).size() + " cells but the header has " + n);
      cells.add(escape(rows.get(r), n));
    }
    int[] width = new int[n];
    for (List<String> row : cells) for (int c = 0; c < n; c++) width[c] = Math.max(Math.max(width[c], 3), row.get(c).length());
    StringBuilder sb = new StringBuilder();
    for (int r = 0; r < cells.size(); r++) {
      line(sb, cells.get(r), width);
      if (r == 0) {
        List<String> dashes = new ArrayList<>();
        for (int w : width) dashes.add("-".repeat(w));
        line(sb, dashes, width);
      }
    }
    return sb.toString();
  }

  /** Formats {@code v} with {@code decimals} decimals using {@link Locale#ROOT}; NaN gives {@code "n/a"}, -0 gives 0. */
  public static String number(double v, int decimals) {
    if (decimals < 0) throw new IllegalArgumentException("decimals must be >= 0, got " + decimals);
    if (Double.isNaN(v)) return "n/a";
    String s = String.format(Locale.ROOT, "%." + decimals + "f", v);
    return s.matches("-0(\\.0*)?") ? s.substring(1) : s;
  }

  private static List<String> escape(List<String> row, int n) {
    List<String> out = new ArrayList<>(n);
    for (int c = 0; c < n; c++) {
      String s = c < row.size() && row.get(c) != null ? row.get(c) : "";
      out.add(s.replace("|", "\\|").replaceAll("\\R", " "));
    }
    return out;
  }

  private static void line(StringBuilder sb, List<String> row, int[] width) {
    sb.append('|');
    for (int c = 0; c < width.length; c++) {
      String s = row.get(c);
      sb.append(' ').append(s).append(" ".repeat(width[c] - s.length())).append(" |");
    }
    sb.append('\n');
  }
}
