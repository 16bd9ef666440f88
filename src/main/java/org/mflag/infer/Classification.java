package org.mflag.infer;

import java.util.List;

/**
 * Class probabilities of one image, in the order of {@code classes}. The predicted label is the most probable class;
 * for a multi-label model (or zero-shot pairs) every class above 0.5, joined by {@code |} (empty when none is).
 */
public final class Classification {

  private final List<String> classes;
  private final float[] probabilities;
  private final boolean multiLabel;

  public Classification(List<String> classes, float[] probabilities, boolean multiLabel) {
    if (probabilities.length != classes.size()) {
      throw new IllegalArgumentException(probabilities.length + " probabilities for " + classes.size() + " classes " + classes);
    }
    this.classes = List.copyOf(classes);
    this.probabilities = probabilities;
    this.multiLabel = multiLabel;
  }

  public List<String> classes() {
    return classes;
  }

  public float[] probabilities() {
    return probabilities;
  }

  public boolean multiLabel() {
    return multiLabel;
  }

  /** The predicted label (see the class comment). */
  public String predicted() {
    if (multiLabel) {
      StringBuilder names = new StringBuilder();
      for (int c = 0; c < probabilities.length; c++) {
        if (probabilities[c] > 0.5) names.append(names.length() == 0 ? "" : "|").append(classes.get(c));
      }
      return names.toString();
    }
    int best = 0;
    for (int c = 1; c < probabilities.length; c++) if (probabilities[c] > probabilities[best]) best = c;
    return classes.get(best);
  }
}
