package org.mflag.model;

import java.util.List;

/**
 * What a Java record gives its value classes, for a build that targets Java 11 ({@code maven.compiler.release}, so
 * that Fiji on Java 11 loads the plugin): {@code equals}, {@code hashCode} and {@code toString} over the components,
 * which each class lists in order. The classes keep a record's shape (final fields checked in the constructor,
 * accessors named after the components), so each becomes a {@code record} once the release is 16 or later.
 */
abstract class RecordLike {

  /** The components, in declaration order. */
  abstract List<Object> components();

  @Override
  public final boolean equals(Object o) {
    return o != null && o.getClass() == getClass() && components().equals(((RecordLike) o).components());
  }

  @Override
  public final int hashCode() {
    return components().hashCode();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + components();
  }
}
