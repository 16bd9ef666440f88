package org.mflag.text;

import java.util.List;

/** A frozen language model: texts in, one fixed-size feature vector per text out. */
public interface TextEncoder extends AutoCloseable {

  /** Identifies the model and the feature it returns; part of every cache key. */
  String id();

  int dimension();

  float[][] encode(List<String> texts);

  @Override
  void close();
}
