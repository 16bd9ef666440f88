package org.mflag.retrieval;

import java.nio.file.Path;
import org.mflag.config.KeyValues;
import org.mflag.data.DataConfig;

/**
 * A {@code retrieve} run, immutable: the encoder package, the index, the query manifest with its label column, how
 * many hits per side, and the results folder. Read once from {@link Retrieval#RETRIEVE_KEYS} by {@link #of}.
 */
public final class RetrieveConfig {

  private final Path model;
  private final Path index;
  private final DataConfig data;
  private final String labelColumn;
  private final int k;
  private final int batchSize;
  private final Path output;
  private final org.mflag.infer.Engine engine;

  private RetrieveConfig(KeyValues kv) {
    model = kv.path(Retrieval.MODEL);
    index = kv.path(Retrieval.INDEX);
    data = DataConfig.of(kv);
    labelColumn = kv.string(Retrieval.LABEL_COLUMN);
    k = kv.integer(Retrieval.K);
    batchSize = kv.integer(Retrieval.BATCH_SIZE);
    engine = org.mflag.infer.Engine.of(kv.string(org.mflag.infer.Engine.ENGINE));
    output = kv.path(Retrieval.OUTPUT);
  }

  public static RetrieveConfig of(KeyValues kv) {
    return new RetrieveConfig(kv);
  }

  public Path model() {
    return model;
  }

  /** The index file (.npz, from index). */
  public Path index() {
    return index;
  }

  /** The query manifest and its image column. */
  public DataConfig data() {
    return data;
  }

  /** The column with a label per query image; empty: none. */
  public String labelColumn() {
    return labelColumn;
  }

  /** Hits per query and side. */
  public int k() {
    return k;
  }

  public int batchSize() {
    return batchSize;
  }

  /** The folder for results.csv and the metrics. */
  public Path output() {
    return output;
  }

  /** What runs the encoder and the text projector ({@code engine}). */
  public org.mflag.infer.Engine engine() {
    return engine;
  }
}
