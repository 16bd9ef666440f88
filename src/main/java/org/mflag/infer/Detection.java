package org.mflag.infer;

import java.util.List;
import org.mflag.data.Box;

/** The boxes a detector finds in one image, in the image's pixels, after confidence and non-maximum suppression. */
public final class Detection {

  private final List<Box> boxes;
  private final List<String> classes;
  private final double confidence;
  private final double nmsIou;

  public Detection(List<Box> boxes, List<String> classes, double confidence, double nmsIou) {
    this.boxes = List.copyOf(boxes);
    this.classes = List.copyOf(classes);
    this.confidence = confidence;
    this.nmsIou = nmsIou;
  }

  public List<Box> boxes() {
    return boxes;
  }

  public List<String> classes() {
    return classes;
  }

  public double confidence() {
    return confidence;
  }

  public double nmsIou() {
    return nmsIou;
  }

  /** The class name of a box. */
  public String className(Box b) {
    return classes.get(b.category);
  }
}
