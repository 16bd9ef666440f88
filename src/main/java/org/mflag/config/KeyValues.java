package org.mflag.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * {@code key=value} arguments of one command, checked against its {@link Key}s when parsed: unknown or
 * repeated keys, missing required keys and every bad value (given or default) fail here, before any data
 * is read, with a message that names the key and what is allowed. The typed getters then only convert.
 */
public final class KeyValues {

  private final String command;
  private final Map<String, Key> keys = new LinkedHashMap<>();
  private final Map<String, String> given = new LinkedHashMap<>();
  private final Map<String, String> values = new LinkedHashMap<>();

  private KeyValues(String command, List<Key> keys) {
    this.command = command;
    for (Key k : keys) {
      if (this.keys.put(k.name(), k) != null) throw new IllegalStateException(command + " declares key " + k.name() + " twice");
    }
  }

  /** Parses {@code key=value} words (see the class comment for what fails). */
  public static KeyValues parse(String command, List<Key> keys, List<String> args) {
    KeyValues kv = new KeyValues(command, keys);
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq <= 0) throw new IllegalArgumentException(command + ": '" + a + "' is not key=value; keys: " + kv.names());
      String k = a.substring(0, eq).trim();
      if (!kv.keys.containsKey(k)) {
        String near = Suggestions.nearest(k, kv.names());
        throw new IllegalArgumentException(command + ": unknown key '" + k + "'" + (near == null ? "." : "; did you mean '" + near + "'?")
            + " Allowed keys: " + kv.names());
      }
      if (kv.given.put(k, a.substring(eq + 1)) != null) throw new IllegalArgumentException(command + ": key '" + k + "' given twice");
    }
    for (Key k : keys) {
      String v = kv.given.get(k.name());
      if (v == null && k.required()) {
        throw new IllegalArgumentException(command + ": missing required key '" + k.name() + "' (" + k.description() + ")");
      }
      kv.values.put(k.name(), k.check(v != null ? v : k.defaultValue()));
    }
    return kv;
  }

  /** For Java callers and scripts: the same keys as the launcher, as a map. */
  public static KeyValues of(String command, List<Key> keys, Map<String, String> values) {
    List<String> args = new ArrayList<>();
    for (Map.Entry<String, String> e : values.entrySet()) args.add(e.getKey() + "=" + e.getValue());
    return parse(command, keys, args);
  }

  private List<String> names() {
    return new ArrayList<>(keys.keySet());
  }

  /** Every key of the command with its checked value (given or default), in the command's key order. */
  public Map<String, String> resolved() {
    return new LinkedHashMap<>(values);
  }

  public String command() {
    return command;
  }

  /** Whether the command declares a key of this name. */
  public boolean has(Key key) {
    return keys.containsKey(key.name());
  }

  public boolean given(Key key) {
    return given.containsKey(declared(key).name());
  }

  /** The checked value as text (choices in lower case, {@value Key#AUTO} for auto). */
  public String string(Key key) {
    return values.get(declared(key).name());
  }

  /** The value is {@value Key#AUTO}: the caller derives it. */
  public boolean auto(Key key) {
    return Key.AUTO.equals(string(key));
  }

  /** A path ({@code ~/} is the home folder), or null when empty. */
  public Path path(Key key) {
    String v = string(key);
    return v.isEmpty() ? null : CacheFolder.expand(v);
  }

  public int integer(Key key) {
    long x = longValue(key);
    if (x < Integer.MIN_VALUE || x > Integer.MAX_VALUE) throw key.bad(string(key), "too large");
    return (int) x;
  }

  /** An integer key that may be empty. */
  public OptionalInt optionalInteger(Key key) {
    return string(key).isEmpty() ? OptionalInt.empty() : OptionalInt.of(integer(key));
  }

  public long longValue(Key key) {
    return declared(key).parseLong(numeric(key));
  }

  public double number(Key key) {
    return declared(key).parseDouble(numeric(key));
  }

  /** A number key that may be {@value Key#AUTO}: its value, or {@code ifAuto}. */
  public double number(Key key, double ifAuto) {
    return auto(key) ? ifAuto : number(key);
  }

  public boolean bool(Key key) {
    return declared(key).parseBoolean(string(key));
  }

  private String numeric(Key key) {
    String v = string(key);
    if (v.isEmpty() || Key.AUTO.equals(v)) throw new IllegalStateException(command + ": " + key.name() + "=" + v + " read as a number");
    return v;
  }

  private Key declared(Key key) {
    Key k = keys.get(key.name());
    if (k == null) throw new IllegalStateException(command + " has no key " + key.name());
    return k;
  }
}
