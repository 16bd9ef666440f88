package org.mflag.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;

/**
 * The data keys of a command ({@link DataKeys}) as typed values, immutable: which manifest, its columns, how rows are
 * split, where a task's targets are, and how images are loaded. Read once from the command's keys by {@link #of}, the
 * one place the data keys are parsed; a key the command does not declare takes its declared default.
 */
public final class DataConfig {

  private final Path manifest;
  private final String imageColumn;
  private final String textColumn;
  private final String idColumn;
  private final String splitColumn;
  private final String groupColumn;
  private final double valFraction;
  private final double testFraction;
  private final String maskColumn;
  private final OptionalInt ignoreValue;
  private final String labelColumn;
  private final List<String> labelColumns;
  private final List<String> classes;
  private final Path boxes;
  private final int workers;
  private final BadInputPolicy onBadInput;
  private final Path cacheDir;

  private DataConfig(KeyValues kv) {
    manifest = kv.has(DataKeys.MANIFEST) ? kv.path(DataKeys.MANIFEST) : null;
    imageColumn = text(kv, DataKeys.IMAGE_COLUMN);
    textColumn = text(kv, DataKeys.TEXT_COLUMN);
    idColumn = text(kv, DataKeys.ID_COLUMN);
    splitColumn = text(kv, DataKeys.SPLIT_COLUMN);
    groupColumn = text(kv, DataKeys.GROUP_COLUMN);
    valFraction = kv.has(DataKeys.VAL_FRACTION) ? kv.number(DataKeys.VAL_FRACTION) : DataKeys.VAL_FRACTION.defaultNumber();
    testFraction = kv.has(DataKeys.TEST_FRACTION) ? kv.number(DataKeys.TEST_FRACTION) : DataKeys.TEST_FRACTION.defaultNumber();
    maskColumn = text(kv, DataKeys.MASK_COLUMN);
    ignoreValue = kv.has(DataKeys.IGNORE_VALUE) ? kv.optionalInteger(DataKeys.IGNORE_VALUE) : OptionalInt.empty();
    labelColumn = text(kv, DataKeys.LABEL_COLUMN);
    labelColumns = list(text(kv, DataKeys.LABEL_COLUMNS));
    classes = list(text(kv, DataKeys.CLASSES));
    boxes = kv.has(DataKeys.BOXES) ? kv.path(DataKeys.BOXES) : null;
    workers = kv.has(DataKeys.WORKERS) ? kv.integer(DataKeys.WORKERS) : DataKeys.WORKERS.defaultInteger();
    onBadInput = BadInputPolicy.fromKey(text(kv, DataKeys.ON_BAD_INPUT));
    cacheDir = kv.has(DataKeys.CACHE_DIR) ? kv.path(DataKeys.CACHE_DIR) : org.mflag.config.CacheFolder.defaultFolder();
  }

  /** The data keys of a command's parsed arguments. */
  public static DataConfig of(KeyValues kv) {
    return new DataConfig(kv);
  }

  private static String text(KeyValues kv, Key k) {
    return kv.has(k) ? kv.string(k) : k.defaultValue();
  }

  /** The entries of a comma-separated value, trimmed, empty ones left out. */
  static List<String> list(String commaSeparated) {
    List<String> out = new ArrayList<>();
    for (String s : Arrays.asList(commaSeparated.split(","))) if (!s.trim().isEmpty()) out.add(s.trim());
    return List.copyOf(out);
  }

  /** The manifest file, or null when the command takes none. */
  public Path manifest() {
    return manifest;
  }

  /** Reads the manifest with this config's id and image columns. */
  public Manifest readManifest() throws DatasetException {
    return Manifest.read(manifest, idColumn, imageColumn);
  }

  public String imageColumn() {
    return imageColumn;
  }

  public String textColumn() {
    return textColumn;
  }

  public String idColumn() {
    return idColumn;
  }

  public String splitColumn() {
    return splitColumn;
  }

  public String groupColumn() {
    return groupColumn;
  }

  public double valFraction() {
    return valFraction;
  }

  public double testFraction() {
    return testFraction;
  }

  public String maskColumn() {
    return maskColumn;
  }

  /** Segmentation: the mask value that is neither foreground nor background, if any. */
  public OptionalInt ignoreValue() {
    return ignoreValue;
  }

  public String labelColumn() {
    return labelColumn;
  }

  public List<String> labelColumns() {
    return labelColumns;
  }

  /** Classification: the classes given (empty: from the labels). */
  public List<String> classes() {
    return classes;
  }

  /** Detection: the COCO JSON file, or null. */
  public Path boxes() {
    return boxes;
  }

  public int workers() {
    return workers;
  }

  public BadInputPolicy onBadInput() {
    return onBadInput;
  }

  public Path cacheDir() {
    return cacheDir;
  }
}
