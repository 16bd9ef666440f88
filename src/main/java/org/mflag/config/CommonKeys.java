package org.mflag.config;

/**
 * Keys that several commands share, defined once so that a key means the same everywhere
 * (launcher, macros, Fiji commands).
 */
public final class CommonKeys {

  public static final Key IMAGE_COLUMN = Key.of("image_column", "image", "manifest column holding the image path");
  public static final Key TEXT_COLUMN = Key.of("text_column", "report", "manifest column holding the report text");
  public static final Key ID_COLUMN = Key.of("id_column", "id",
      "manifest column with a unique row id (the image path, or the row number, when the column is absent)");
  public static final Key WORKERS = Key.of("workers", "2", "threads that read, preprocess and augment images");
  public static final Key CACHE_DIR = Key.of("cache_dir", "~/.cache/mflag",
      "where preprocessed images, report embeddings and the unpacked language model are cached");

  public static final Key ON_BAD_INPUT = Key.choice("on_bad_input", "skip",
      "skip (warn, list in output/skipped.csv, go on) or fail (stop at the first bad image)", "skip", "fail");
  public static final Key SEED = Key.of("seed", "42", "seed of initialisation, splits, label fractions, data order and augmentation");

  private CommonKeys() {}
}
