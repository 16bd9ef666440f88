package org.mflag.data;

import java.util.Locale;

/** Which part of a labelled data set a row belongs to. */
public enum Split {
  TRAIN, VAL, TEST;

  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** {@code train}, {@code val} (also {@code valid}, {@code validation}) or {@code test}, any case; null if none. */
  public static Split parse(String value) {
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "train":
      case "training":
        return TRAIN;
      case "val":
      case "valid":
      case "validation":
        return VAL;
      case "test":
        return TEST;
      default:
        return null;
    }
  }
}
