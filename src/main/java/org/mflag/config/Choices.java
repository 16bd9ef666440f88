package org.mflag.config;

import java.util.Arrays;
import java.util.Locale;

/** Enum constants as parameter values: {@code RESNET50} is {@code resnet50}; one parser, one error message. */
public final class Choices {

  private Choices() {}

  public static String key(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  public static <E extends Enum<E>> String[] keys(Class<E> type) {
    return Arrays.stream(type.getEnumConstants()).map(Choices::key).toArray(String[]::new);
  }

  /** The constant whose key is {@code value} (case-insensitive); the error names the parameter and the allowed values. */
  public static <E extends Enum<E>> E parse(Class<E> type, String parameter, String value) {
    for (E e : type.getEnumConstants()) if (key(e).equals(value.trim().toLowerCase(Locale.ROOT))) return e;
    throw new IllegalArgumentException(parameter + "=" + value + ": allowed values are " + Arrays.toString(keys(type)));
  }
}
