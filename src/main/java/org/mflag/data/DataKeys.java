package org.mflag.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.mflag.config.Key;
import org.mflag.config.Task;

/**
 * The keys that say where the data is and how to read it: the manifest and its columns, the split, each
 * task's targets, the loader and the caches. Declared once for every command that reads a manifest.
 */
public final class DataKeys {

  public static final Key MANIFEST = Key.path("manifest", null, "CSV file with one row per image (paths relative to its folder, or absolute)");
  public static final Key IMAGE_COLUMN = Key.text("image_column", "image", "manifest column holding the image path");
  public static final Key TEXT_COLUMN = Key.text("text_column", "report", "manifest column holding the report text");
  public static final Key ID_COLUMN = Key.text("id_column", "id",
      "manifest column with a unique row id (the image path, or the row number, when the column is absent)");

  public static final Key SPLIT_COLUMN = Key.text("split_column", "split",
      "manifest column with train/val/test per row; when the manifest has no such column a seeded split is drawn and saved as split.csv");
  public static final Key GROUP_COLUMN = Key.text("group_column", "",
      "for a drawn split: rows with the same value here (e.g. a patient id) land in the same part; empty = each row alone");
  public static final Key VAL_FRACTION = Key.number("val_fraction", "0.15", "share of the rows (groups) a drawn split puts in val")
      .atLeast(0).atMost(1);
  public static final Key TEST_FRACTION = Key.number("test_fraction", "0.15", "share of the rows (groups) a drawn split puts in test")
      .atLeast(0).atMost(1);

  public static final Key MASK_COLUMN = Key.text("mask_column", "mask",
      "segmentation: manifest column with the mask image path (pixel > 0 = foreground)");
  public static final Key IGNORE_VALUE = Key.integer("ignore_value", "",
      "segmentation: mask value left out of loss and metrics (the sample masks use 127); empty = none").atLeast(0).atMost(65535);
  public static final Key LABEL_COLUMN = Key.text("label_column", "label",
      "classification: manifest column with the class name (single-label) or names separated by | (multi-label)");
  public static final Key LABEL_COLUMNS = Key.text("label_columns", "",
      "classification, multi-label: comma-separated 0/1 columns, one per class; overrides label_column");
  public static final Key CLASSES = Key.text("classes", "",
      "classification: comma-separated class list (order = output order); empty = the sorted values found");
  public static final Key BOXES = Key.path("boxes", null, "detection: COCO JSON file with the boxes (file_name relative to the JSON's folder)");

  public static final Key WORKERS = Key.integer("workers", "2", "threads that read, preprocess and augment images").atLeast(1)
      .operational();
  public static final Key ON_BAD_INPUT = Key.choice("on_bad_input", "skip",
      "skip (warn, list in output/skipped.csv, go on) or fail (stop at the first bad image)", "skip", "fail").operational();
  public static final Key CACHE_DIR = Key.path("cache_dir", org.mflag.config.CacheFolder.DEFAULT,
      "where preprocessed images, report embeddings and the unpacked language model are cached").directory().operational();

  private DataKeys() {}

  /** The keys that name a task's data: manifest, columns, split column and the task's targets ({@code evaluate} takes them too). */
  public static List<Key> forTask(Task task) {
    List<Key> k = new ArrayList<>(Arrays.asList(MANIFEST, IMAGE_COLUMN, ID_COLUMN, SPLIT_COLUMN));
    switch (task) {
      case SEGMENTATION:
        k.addAll(Arrays.asList(MASK_COLUMN, IGNORE_VALUE));
        break;
      case CLASSIFICATION:
        k.addAll(Arrays.asList(LABEL_COLUMN, LABEL_COLUMNS, CLASSES));
        break;
      case DETECTION:
        k.add(BOXES);
        break;
      default:
        throw new IllegalArgumentException(task.toString());
    }
    return k;
  }
}
