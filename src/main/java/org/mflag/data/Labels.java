package org.mflag.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The classes of a classification task and how a manifest row names them. Three forms:
 * <ul>
 *   <li>{@code label_column} with one class per row: single-label (softmax), e.g. {@code finding};</li>
 *   <li>{@code label_column} whose cells list classes as {@code a|b}: multi-label (sigmoid);</li>
 *   <li>{@code label_columns=a,b,c}: one 0/1 column per class, multi-label.</li>
 * </ul>
 * Without {@code classes=} the classes are the sorted distinct values found in the manifest.
 */
public final class Labels {

  public static final String SEPARATOR = "|";

  private final List<String> classes;
  private final boolean multiLabel;
  private final String column;
  private final List<String> columns;

  public Labels(List<String> classes, boolean multiLabel, String column, List<String> columns) {
    this.classes = Collections.unmodifiableList(new ArrayList<>(classes));
    this.multiLabel = multiLabel;
    this.column = column;
    this.columns = Collections.unmodifiableList(new ArrayList<>(columns));
  }

  /**
   * Reads the class list from the manifest (or takes {@code given} when not empty). A single-label
   * task needs at least two classes.
   */
  public static Labels of(Manifest m, String labelColumn, List<String> labelColumns, List<String> given) throws DatasetException {
    if (!labelColumns.isEmpty()) {
      for (String c : labelColumns) m.requireColumns("label_columns", c);
      return new Labels(labelColumns, true, "", labelColumns);
    }
    m.requireColumns("label_column", labelColumn);
    boolean multi = false;
    TreeSet<String> found = new TreeSet<>();
    for (Manifest.Row r : m.rows()) {
      String v = r.get(labelColumn);
      if (v.contains(SEPARATOR)) multi = true;
      for (String t : split(v)) found.add(t);
    }
    List<String> classes = given.isEmpty() ? new ArrayList<>(found) : given;
    if (classes.size() < 2 && !multi) {
      throw new DatasetException("manifest " + m.file() + ": label_column '" + labelColumn + "' has " + classes.size()
          + " class(es) " + classes + "; classification needs at least two");
    }
    return new Labels(classes, multi, labelColumn, Collections.emptyList());
  }

  private static List<String> split(String cell) {
    List<String> out = new ArrayList<>();
    for (String t : cell.split("\\" + SEPARATOR)) if (!t.trim().isEmpty()) out.add(t.trim());
    return out;
  }

  public List<String> classes() {
    return classes;
  }

  public boolean multiLabel() {
    return multiLabel;
  }

  /**
   * The target vector of a row (one-hot or multi-hot), or null when the row carries no label (an
   * empty cell) or names a class outside {@link #classes()} (reason in {@code why[0]}).
   */
  public float[] encode(Manifest.Row row, String[] why) {
    float[] y = new float[classes.size()];
    if (!columns.isEmpty()) {
      for (int c = 0; c < columns.size(); c++) {
        String v = row.get(columns.get(c)).toLowerCase(Locale.ROOT);
        if (v.isEmpty()) {
          why[0] = "empty label in column '" + columns.get(c) + "'";
          return null;
        }
        y[c] = v.equals("1") || v.equals("1.0") || v.equals("true") || v.equals("yes") ? 1f : 0f;
      }
      return y;
    }
    List<String> names = split(row.get(column));
    if (names.isEmpty()) {
      why[0] = "no label in column '" + column + "'";
      return null;
    }
    if (!multiLabel && names.size() > 1) {
      why[0] = "several labels " + names + " in a single-label task";
      return null;
    }
    for (String n : names) {
      int c = classes.indexOf(n);
      if (c < 0) {
        why[0] = "label '" + n + "' is not one of classes " + classes;
        return null;
      }
      y[c] = 1f;
    }
    return y;
  }

  /**
   * Class weights {@code n / (C n_c)} from the training targets ("balanced", as scikit-learn's),
   * or all ones; a class absent from the training data gets weight 1.
   */
  public static float[] weights(List<float[]> targets, int numClasses, boolean balanced) {
    float[] w = new float[numClasses];
    Arrays.fill(w, 1f);
    if (!balanced || targets.isEmpty()) return w;
    double[] count = new double[numClasses];
    for (float[] t : targets) for (int c = 0; c < numClasses; c++) count[c] += t[c];
    for (int c = 0; c < numClasses; c++) if (count[c] > 0) w[c] = (float) (targets.size() / (numClasses * count[c]));
    return w;
  }
}
