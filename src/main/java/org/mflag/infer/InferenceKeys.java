package org.mflag.infer;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.mflag.config.Key;

/** The keys of the commands that apply a fine-tuned model to images: Segment, Detect, Classify. */
public final class InferenceKeys {

  public static final Key MODEL = Key.of("model", null, "fine-tuned model package folder");
  public static final Key ADD_TO = Key.choice("add_to", "roi_manager", "where the ROIs go: roi_manager, overlay or none",
      "roi_manager", "overlay", "none");

  public static final List<Key> SEGMENT = Collections.unmodifiableList(Arrays.asList(MODEL,
      Key.choice("output", "mask", "mask (8-bit 0/255) or labels (16-bit, one value per connected region)", "mask", "labels"),
      ADD_TO,
      Key.of("probability_map", "false", "also return the 32-bit foreground probability"),
      Key.of("threshold", "auto", "probability above which a pixel is foreground; auto = the model's"),
      Key.of("scale", "auto", "network pixels per image pixel, then tiled with overlap; auto = the whole image resized to the"
          + " network input, as fine-tuning trains"),
      Key.of("overlap", "auto", "least overlap of neighbouring tiles in network pixels (with scale); auto = an eighth of the"
          + " network input")));

  public static final List<Key> DETECT = Collections.unmodifiableList(Arrays.asList(MODEL, ADD_TO,
      Key.of("confidence", "auto", "objectness x class probability a box needs; auto = the model's"),
      Key.of("nms_iou", "auto", "IoU above which the weaker of two boxes is dropped; auto = the model's")));

  public static final List<Key> CLASSIFY = Collections.unmodifiableList(Arrays.asList(MODEL));

  private InferenceKeys() {}

  /** The {@code scale} key: a positive number, or auto (0: no tiling). */
  public static double scale(String value) {
    double s = autoOr(value, 0, "scale");
    if (s < 0 || s > 16 || Double.isNaN(s)) throw new IllegalArgumentException("scale=" + value + ": auto (or 0), or a number up to 16");
    return s;
  }

  /** A number key that may be {@code auto}: the model's value then. */
  public static double autoOr(String value, double modelValue, String key) {
    if (value == null || value.trim().isEmpty() || value.trim().equalsIgnoreCase("auto")) return modelValue;
    try {
      return Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + "=" + value + ": a number or auto");
    }
  }
}
