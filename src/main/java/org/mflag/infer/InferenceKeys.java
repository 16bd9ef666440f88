package org.mflag.infer;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.mflag.config.Key;
import org.mflag.runtime.Devices;

/**
 * The keys of applying a fine-tuned model: the decision thresholds (which fine-tuning records in the
 * package and inference may override), and the keys of Segment, Detect and Classify.
 */
public final class InferenceKeys {

  /** Segmentation: a pixel is foreground above this probability (fine-tuning's default; inference: {@code auto}). */
  public static final Key THRESHOLD = Key.number("threshold", "0.5", "probability above which a pixel is foreground")
      .atLeast(0).atMost(1);
  /** Detection: the score (objectness x class probability) a box needs. */
  public static final Key CONFIDENCE = Key.number("confidence", "0.5", "objectness x class probability a detection needs")
      .atLeast(0).atMost(1);
  /** Detection: non-maximum suppression drops the weaker of two boxes that overlap more than this. */
  public static final Key NMS_IOU = Key.number("nms_iou", "0.5", "IoU above which non-maximum suppression drops the weaker box")
      .atLeast(0).atMost(1);

  public static final Key MODEL = Key.path("model", null, "fine-tuned model package: its folder or its .zip").directory();
  public static final Key ADD_TO = Key.choice("add_to", "roi_manager", "where the ROIs go: roi_manager, overlay or none",
      "roi_manager", "overlay", "none");
  public static final Key OUTPUT = Key.choice("output", "mask", "mask (8-bit 0/255) or labels (16-bit, one value per connected region)",
      "mask", "labels");
  public static final Key PROBABILITY_MAP = Key.bool("probability_map", "false", "also return the 32-bit foreground probability");
  public static final Key SCALE = Key.number("scale", "auto", "network pixels per image pixel, then tiled with overlap; auto = the "
      + "whole image resized to the network input, as fine-tuning trains (0 means the same)").atLeast(0).atMost(16).orAuto();
  public static final Key OVERLAP = Key.integer("overlap", "auto",
      "least overlap of neighbouring tiles in network pixels (with scale); auto = an eighth of the network input").atLeast(0).orAuto();

  public static final List<Key> SEGMENT = Collections.unmodifiableList(Arrays.asList(MODEL, OUTPUT, ADD_TO, PROBABILITY_MAP,
      modelsValue(THRESHOLD), SCALE, OVERLAP, Devices.DEVICE, Engine.ENGINE));
  public static final List<Key> DETECT = Collections.unmodifiableList(Arrays.asList(MODEL, ADD_TO, modelsValue(CONFIDENCE),
      modelsValue(NMS_IOU), Devices.DEVICE, Engine.ENGINE));
  public static final List<Key> CLASSIFY = Collections.unmodifiableList(Arrays.asList(MODEL, Devices.DEVICE, Engine.ENGINE));

  private InferenceKeys() {}

  /** The key as inference takes it: {@code auto} (the default) means the value the model package records. */
  public static Key modelsValue(Key key) {
    return key.orAuto().withDefault(Key.AUTO).describedAs(key.description() + "; auto = the model's");
  }
}
