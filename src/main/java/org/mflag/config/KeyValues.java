package org.mflag.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code key=value} arguments checked against a command's {@link Key}s. Every error names the key,
 * the value given and what is allowed.
 */
public final class KeyValues {

  private final String command;
  private final Map<String, Key> keys = new LinkedHashMap<>();
  private final Map<String, String> values = new LinkedHashMap<>();

  private KeyValues(String command, List<Key> keys) {
    this.command = command;
    for (Key k : keys) this.keys.put(k.name(), k);
  }

  /**
   * Parses {@code key=value} words. Unknown keys, repeated keys, words without '=' and missing
   * required keys are errors.
   */
  public static KeyValues parse(String command, List<Key> keys, List<String> args) {
    KeyValues kv = new KeyValues(command, keys);
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq <= 0) throw new IllegalArgumentException(command + ": '" + a + "' is not key=value; keys: " + kv.names());
      String k = a.substring(0, eq).trim();
      if (!kv.keys.containsKey(k)) {
        throw new IllegalArgumentException(command + ": unknown key '" + k + "'; allowed keys: " + kv.names());
      }
      if (kv.values.put(k, a.substring(eq + 1)) != null) throw new IllegalArgumentException(command + ": key '" + k + "' given twice");
    }
    for (Key k : keys) {
      if (k.required() && !kv.values.containsKey(k.name())) {
        throw new IllegalArgumentException(command + ": missing required key '" + k.name() + "' (" + k.description() + ")");
      }
    }
    return kv;
  }

  private List<String> names() {
    return new ArrayList<>(keys.keySet());
  }

  /** Every key of the command with its value (given or default), in the command's key order. */
  public Map<String, String> resolved() {
    Map<String, String> out = new LinkedHashMap<>();
    for (String k : keys.keySet()) out.put(k, string(k) == null ? "" : string(k));
    return out;
  }

  public String command() {
    return command;
  }

  public boolean given(String key) {
    return values.containsKey(key);
  }

  public String string(String key) {
    Key k = keys.get(key);
    if (k == null) throw new IllegalStateException(command + " has no key " + key);
    String v = values.containsKey(key) ? values.get(key) : k.defaultValue();
    if (v != null && !k.choices().isEmpty() && !k.choices().contains(v.toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException(key + "=" + v + ": allowed values are " + k.choices());
    }
    return v;
  }

  public Path path(String key) {
    String v = string(key);
    return v == null || v.isEmpty() ? null : Path.of(v.startsWith("~/") ? System.getProperty("user.home") + v.substring(1) : v);
  }

  public int integer(String key, int min) {
    long x = longValue(key);
    if (x < min || x > Integer.MAX_VALUE) throw new IllegalArgumentException(key + "=" + string(key) + ": must be >= " + min);
    return (int) x;
  }

  public long longValue(String key) {
    String v = string(key);
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + "=" + v + ": not an integer");
    }
  }

  public double number(String key, double min) {
    String v = string(key);
    double x;
    try {
      x = Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + "=" + v + ": not a number");
    }
    if (!(x >= min) || Double.isInfinite(x)) throw new IllegalArgumentException(key + "=" + v + ": must be a finite number >= " + min);
    return x;
  }

  public boolean bool(String key) {
    String v = string(key).trim().toLowerCase(Locale.ROOT);
    if (v.equals("true") || v.equals("yes") || v.equals("1")) return true;
    if (v.equals("false") || v.equals("no") || v.equals("0")) return false;
    throw new IllegalArgumentException(key + "=" + v + ": must be true or false");
  }
}
