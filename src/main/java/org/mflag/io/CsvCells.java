package org.mflag.io;

import java.util.regex.Pattern;

/**
 * Text cells of the CSV files this program writes, made safe to open in a spreadsheet. A cell that
 * starts with {@code = + - @}, a tab or a carriage return is a formula to Excel and LibreOffice (CSV
 * injection: an image id {@code =HYPERLINK(...)} from a manifest would run when the results are
 * opened). Such a cell gets a leading {@code '}, which spreadsheets show as text; plain numbers
 * ({@code -0.5}, {@code +3e-2}) are left alone. The change is reversible: a cell that itself starts
 * with {@code '} gets a second one, and {@link #original} undoes either, so ids written to
 * {@code splits.csv} or {@code results.csv} match the manifest's when read back.
 */
public final class CsvCells {

  /**
   * A cell that starts with a character that makes a spreadsheet read it as a formula, or with the escape
   * itself. Spark's CSV writer applies this and {@link #NUMBER} as they are (both are Java regexes).
   */
  public static final String STARTS_LIKE_FORMULA = "^[=+\\-@\\t\\r']";
  /** A plain decimal number, which stays as it is. */
  public static final String NUMBER = "^[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?$";
  private static final Pattern FORMULA_PATTERN = Pattern.compile(STARTS_LIKE_FORMULA);
  private static final Pattern NUMBER_PATTERN = Pattern.compile(NUMBER);

  private CsvCells() {}

  /** {@code text}, with a leading {@code '} when a spreadsheet would take it for a formula. */
  public static String safe(String text) {
    return needsEscape(text) ? "'" + text : text;
  }

  /** The text {@link #safe} was given; a cell that was never escaped comes back unchanged. */
  public static String original(String cell) {
    return cell.length() > 1 && cell.charAt(0) == '\'' && needsEscape(cell.substring(1)) ? cell.substring(1) : cell;
  }

  private static boolean needsEscape(String s) {
    return FORMULA_PATTERN.matcher(s).find() && !NUMBER_PATTERN.matcher(s).find();
  }
}
