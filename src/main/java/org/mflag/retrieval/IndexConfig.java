package org.mflag.retrieval;

import java.nio.file.Path;
import org.mflag.config.KeyValues;
import org.mflag.data.DataConfig;
import org.mflag.data.DataKeys;
import org.mflag.text.TextModels;

/**
 * An {@code index} (or {@code spark-index}) run, immutable: the encoder package, the manifest with its image, text and
 * label columns, the language model for the reports, the image projections of an earlier embed run if given, and the
 * index file to write. Read once from {@link Retrieval#INDEX_KEYS} (or {@link Retrieval#SPARK_INDEX_KEYS}) by {@link #of}.
 */
public final class IndexConfig {

  private final Path model;
  private final DataConfig data;
  private final String labelColumn;
  private final String textModel;
  private final Path cacheDir;
  private final Path embeddings;
  private final int batchSize;
  private final Path output;
  private final org.mflag.infer.Engine engine;

  private IndexConfig(KeyValues kv) {
    model = kv.path(Retrieval.MODEL);
    data = DataConfig.of(kv);
    labelColumn = kv.string(Retrieval.LABEL_COLUMN);
    textModel = kv.string(TextModels.TEXT_MODEL);
    cacheDir = kv.path(DataKeys.CACHE_DIR);
    embeddings = kv.path(Retrieval.EMBEDDINGS);
    batchSize = kv.integer(Retrieval.BATCH_SIZE);
    engine = org.mflag.infer.Engine.of(kv.string(org.mflag.infer.Engine.ENGINE));
    output = kv.path(Retrieval.INDEX_OUTPUT);
  }

  public static IndexConfig of(KeyValues kv) {
    return new IndexConfig(kv);
  }

  public Path model() {
    return model;
  }

  /** The manifest and its image and text columns. */
  public DataConfig data() {
    return data;
  }

  /** The column with a label per image; empty: none. */
  public String labelColumn() {
    return labelColumn;
  }

  public String textModel() {
    return textModel;
  }

  public Path cacheDir() {
    return cacheDir;
  }

  /** An embed run's output whose projections are indexed, or null to run the encoder. */
  public Path embeddings() {
    return embeddings;
  }

  public int batchSize() {
    return batchSize;
  }

  /** The index file (.npz). */
  public Path output() {
    return output;
  }

  /** What runs the encoder and the text projector ({@code engine}). */
  public org.mflag.infer.Engine engine() {
    return engine;
  }
}
