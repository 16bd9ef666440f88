package org.mflag.text;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Where the report embeddings of a training run come from: a frozen language model behind an
 * on-disk cache, or a file of precomputed vectors. Either way the result is keyed by row id.
 */
public interface ReportEmbedder extends AutoCloseable {

  /** The language model's id, recorded in the model metadata. */
  String modelId();

  int dimension();

  /** One embedding per report, keyed by {@link Report#id}. */
  Map<String, float[]> embed(List<Report> reports) throws IOException;

  @Override
  void close();
}
