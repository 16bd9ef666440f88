package org.mflag.config;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * One parameter, declared once: the snake_case name shared by the launcher ({@code key=value}), ImageJ
 * macros and the Fiji command's field; its type, default, allowed range or values, and description.
 * Everything that takes parameters reads this declaration: {@link KeyValues} validates with it before any
 * data is read, the SciJava commands take their field defaults from it, the ImageJ 1 dialog builds its
 * fields and Help from it, {@code mflag COMMAND help} and the README's key tables print it. Once
 * released, a key is never renamed.
 *
 * <p>Immutable; the {@code atLeast}/{@code above}/... methods return a refined copy, so a key reads as
 * its declaration: {@code Key.integer("batch_size", "16", "pairs per step").atLeast(2)}.</p>
 */
public final class Key {

  /** The kind of value; it decides parsing, the check and the field type of a command. */
  public enum Type {
    TEXT, PATH, INTEGER, NUMBER, BOOLEAN, CHOICE
  }

  /** The word a number key may take instead of a number: the value is then derived (from the data, the model, ...). */
  public static final String AUTO = "auto";

  private final String name;
  private final Type type;
  private final String defaultValue;
  private final String description;
  private final List<String> choices;
  private final double min;
  private final boolean minExclusive;
  private final double max;
  private final int multipleOf;
  private final boolean auto;
  private final boolean operational;
  private final boolean directory;
  private final java.util.regex.Pattern pattern;
  private final String patternText;

  private Key(Builder b) {
    name = b.name;
    type = b.type;
    defaultValue = b.defaultValue;
    description = b.description;
    choices = b.choices;
    min = b.min;
    minExclusive = b.minExclusive;
    max = b.max;
    multipleOf = b.multipleOf;
    auto = b.auto;
    operational = b.operational;
    directory = b.directory;
    pattern = b.pattern;
    patternText = b.patternText;
  }

  /** Free text (a column name, a model name); {@code defaultValue} null means required. */
  public static Key text(String name, String defaultValue, String description) {
    return new Builder(name, Type.TEXT, defaultValue, description).build();
  }

  /** A file or folder; empty means none (unless required). */
  public static Key path(String name, String defaultValue, String description) {
    return new Builder(name, Type.PATH, defaultValue, description).build();
  }

  /** A whole number (int or long range, see {@link KeyValues#integer} and {@link KeyValues#longValue}). */
  public static Key integer(String name, String defaultValue, String description) {
    return new Builder(name, Type.INTEGER, defaultValue, description).build();
  }

  /** A finite real number. */
  public static Key number(String name, String defaultValue, String description) {
    return new Builder(name, Type.NUMBER, defaultValue, description).build();
  }

  /** true/false (also yes/no, 1/0). */
  public static Key bool(String name, String defaultValue, String description) {
    return new Builder(name, Type.BOOLEAN, defaultValue, description).build();
  }

  /** One of {@code choices} (compared without case). */
  public static Key choice(String name, String defaultValue, String description, String... choices) {
    Builder b = new Builder(name, Type.CHOICE, defaultValue, description);
    b.choices = Collections.unmodifiableList(Arrays.asList(choices));
    return b.build();
  }

  /** Values must be {@code >= min}. */
  public Key atLeast(double min) {
    Builder b = copy();
    b.min = min;
    b.minExclusive = false;
    return b.build();
  }

  /** Values must be {@code > min}. */
  public Key above(double min) {
    Builder b = copy();
    b.min = min;
    b.minExclusive = true;
    return b.build();
  }

  /** Values must be {@code <= max}. */
  public Key atMost(double max) {
    Builder b = copy();
    b.max = max;
    return b.build();
  }

  /** Integers must be a multiple of {@code n} (e.g. the network's total stride). */
  public Key multipleOf(int n) {
    Builder b = copy();
    b.multipleOf = n;
    return b.build();
  }

  /** The key also takes {@value #AUTO}: the value is then derived, as the description says. */
  public Key orAuto() {
    Builder b = copy();
    b.auto = true;
    return b.build();
  }

  /**
   * The key says how a run is carried out (threads, logging, where to write), not what it computes: it may
   * differ between a run and its resume, and a checkpoint does not record it.
   */
  public Key operational() {
    Builder b = copy();
    b.operational = true;
    return b.build();
  }

  /** A text key whose values must match {@code regex} (whole, without case); {@code allowed} says so in words. */
  public Key matching(String regex, String allowed) {
    Builder b = copy();
    b.pattern = java.util.regex.Pattern.compile(regex, java.util.regex.Pattern.CASE_INSENSITIVE);
    b.patternText = allowed;
    return b.build();
  }

  /** A {@link Type#PATH} key that names a folder (dialogs offer a folder chooser). */
  public Key directory() {
    Builder b = copy();
    b.directory = true;
    return b.build();
  }

  /** The same key with another default (a command whose protocol differs, e.g. fine-tuning's epochs). */
  public Key withDefault(String value) {
    Builder b = copy();
    b.defaultValue = value;
    return b.build().checkedDefault();
  }

  /** The same key described for another command. */
  public Key describedAs(String text) {
    Builder b = copy();
    b.description = text;
    return b.build();
  }

  public String name() {
    return name;
  }

  public Type type() {
    return type;
  }

  /** The default as text, or null for a required key. */
  public String defaultValue() {
    return defaultValue;
  }

  public boolean required() {
    return defaultValue == null;
  }

  public String description() {
    return description;
  }

  /** Allowed values of a {@link Type#CHOICE} key; empty for the other types. */
  public List<String> choices() {
    return choices;
  }

  public boolean allowsAuto() {
    return auto;
  }

  /** An empty value is allowed (and means "none") exactly when the default is empty. */
  public boolean allowsEmpty() {
    return !required() && defaultValue.isEmpty();
  }

  public boolean isOperational() {
    return operational;
  }

  public boolean isDirectory() {
    return directory;
  }

  /** The default of an integer key (for Java builders, so that a default is written once). */
  public int defaultInteger() {
    return Math.toIntExact(parseLong(defaultValue));
  }

  /** The default of a number key. */
  public double defaultNumber() {
    return parseDouble(defaultValue);
  }

  /** The default of a boolean key. */
  public boolean defaultBoolean() {
    return parseBoolean(defaultValue);
  }

  /** Checks a value a Java builder was given, with the same message as on the launcher. */
  public void checkValue(Object value) {
    check(value == null ? null : String.valueOf(value));
  }

  /**
   * Checks one value of this key; returns it trimmed. Every message names the key, the value and what is
   * allowed: {@code batch_size=1: must be >= 2}.
   */
  public String check(String value) {
    String v = value == null ? "" : value.trim();
    if (v.isEmpty()) {
      if (allowsEmpty()) return v;
      throw new IllegalArgumentException(name + "=" + value + ": must not be empty" + (required() ? " (" + description + ")" : ""));
    }
    if (auto && v.equalsIgnoreCase(AUTO)) return AUTO;
    switch (type) {
      case INTEGER:
        checkRange(v, parseLong(v));
        if (multipleOf > 1 && parseLong(v) % multipleOf != 0) throw bad(v, "must be a multiple of " + multipleOf);
        return v;
      case NUMBER:
        checkRange(v, parseDouble(v));
        return v;
      case BOOLEAN:
        parseBoolean(v);
        return v;
      case CHOICE:
        if (!choices.contains(v.toLowerCase(Locale.ROOT))) throw bad(v, "allowed values are " + choices);
        return v.toLowerCase(Locale.ROOT);
      default:
        if (pattern != null && !pattern.matcher(v).matches()) throw bad(v, "allowed values are " + patternText);
        return pattern != null ? v.toLowerCase(Locale.ROOT) : v;
    }
  }

  /** What {@link #check} accepts, in words: "an integer >= 2", "one of [skip, fail]", ... (help and README). */
  public String allowed() {
    StringBuilder sb = new StringBuilder();
    switch (type) {
      case INTEGER:
        sb.append("integer").append(range());
        if (multipleOf > 1) sb.append(", multiple of ").append(multipleOf);
        break;
      case NUMBER:
        sb.append("number").append(range());
        break;
      case BOOLEAN:
        sb.append("true or false");
        break;
      case CHOICE:
        sb.append(String.join(", ", choices));
        break;
      case PATH:
        sb.append(directory ? "folder" : "file");
        break;
      default:
        sb.append(pattern != null ? patternText : "text");
    }
    if (auto) sb.append(", or auto");
    if (allowsEmpty() && type != Type.TEXT) sb.append(", or empty");
    return sb.toString();
  }

  private String range() {
    boolean lo = min > Double.NEGATIVE_INFINITY, hi = max < Double.POSITIVE_INFINITY;
    if (lo && hi) return " in " + (minExclusive ? "(" : "[") + format(min) + ", " + format(max) + "]";
    if (lo) return (minExclusive ? " > " : " >= ") + format(min);
    if (hi) return " <= " + format(max);
    return "";
  }

  private void checkRange(String v, double x) {
    boolean low = minExclusive ? !(x > min) : !(x >= min);
    if (low || x > max) throw bad(v, "must be" + range());
  }

  long parseLong(String v) {
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw bad(v, auto ? "not an integer (or auto)" : "not an integer");
    }
  }

  double parseDouble(String v) {
    double x;
    try {
      x = Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw bad(v, auto ? "not a number (or auto)" : "not a number");
    }
    if (!Double.isFinite(x)) throw bad(v, "must be a finite number");
    return x;
  }

  boolean parseBoolean(String v) {
    String s = v.trim().toLowerCase(Locale.ROOT);
    if (s.equals("true") || s.equals("yes") || s.equals("1")) return true;
    if (s.equals("false") || s.equals("no") || s.equals("0")) return false;
    throw bad(v, "must be true or false");
  }

  IllegalArgumentException bad(String v, String what) {
    return new IllegalArgumentException(name + "=" + v + ": " + what);
  }

  /** A bound as text: 2 rather than 2.0, 1e-8 as written by Java. */
  static String format(double x) {
    return x == Math.rint(x) && Math.abs(x) < 1e15 ? Long.toString((long) x) : Double.toString(x);
  }

  private Key checkedDefault() {
    if (defaultValue != null && !defaultValue.isEmpty()) check(defaultValue);
    return this;
  }

  private Builder copy() {
    Builder b = new Builder(name, type, defaultValue, description);
    b.choices = choices;
    b.min = min;
    b.minExclusive = minExclusive;
    b.max = max;
    b.multipleOf = multipleOf;
    b.auto = auto;
    b.operational = operational;
    b.directory = directory;
    b.pattern = pattern;
    b.patternText = patternText;
    return b;
  }

  @Override
  public String toString() {
    return name + " (" + allowed() + (required() ? ", required" : ", default '" + defaultValue + "'") + ")";
  }

  private static final class Builder {
    final String name;
    final Type type;
    String defaultValue;
    String description;
    List<String> choices = Collections.emptyList();
    double min = Double.NEGATIVE_INFINITY;
    boolean minExclusive;
    double max = Double.POSITIVE_INFINITY;
    int multipleOf;
    boolean auto;
    boolean operational;
    boolean directory;
    java.util.regex.Pattern pattern;
    String patternText;

    Builder(String name, Type type, String defaultValue, String description) {
      this.name = name;
      this.type = type;
      this.defaultValue = defaultValue;
      this.description = description;
    }

    Key build() {
      return new Key(this);
    }
  }
}
