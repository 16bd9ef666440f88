package org.mflag.data;

import org.mflag.config.Choices;

/** What to do with a pair that cannot be used (parameter {@code on_bad_input}). */
public enum BadInputPolicy {
  /** Warn with the file and the reason, list it in the skip list, go on with the other pairs. */
  SKIP,
  /** Stop at the first bad pair with the same message. */
  FAIL;

  public String key() {
    return Choices.key(this);
  }

  public static BadInputPolicy fromKey(String key) {
    return Choices.parse(BadInputPolicy.class, "on_bad_input", key);
  }
}
