package org.mflag.config;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * One parameter of a command: the snake_case name shared by the launcher, ImageJ macros and the
 * Fiji command's field, its default (as text) and a one-line description. Once released, a key is
 * never renamed.
 */
public final class Key {

  private final String name;
  private final String defaultValue;
  private final String description;
  private final List<String> choices;

  private Key(String name, String defaultValue, String description, List<String> choices) {
    this.name = name;
    this.defaultValue = defaultValue;
    this.description = description;
    this.choices = choices;
  }

  /** A key with a default; {@code null} means the key is required. */
  public static Key of(String name, String defaultValue, String description) {
    return new Key(name, defaultValue, description, Collections.emptyList());
  }

  public static Key choice(String name, String defaultValue, String description, String... choices) {
    return new Key(name, defaultValue, description, Arrays.asList(choices));
  }

  public String name() {
    return name;
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

  /** Allowed values, or empty when any value of the key's type is allowed. */
  public List<String> choices() {
    return choices;
  }
}
