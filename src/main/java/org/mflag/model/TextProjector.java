package org.mflag.model;

import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.Map;

/**
 * The text side of a pre-trained package: its SavedModel's {@code text} signature, which maps frozen
 * language-model embeddings into the latent space the image projections share ({@link EncoderGraph}),
 * run through DJL's TensorFlow engine. What zero-shot classification and report retrieval compare images with.
 */
public final class TextProjector implements AutoCloseable {

  private final SavedModelPredictor model;
  private final int dimension;

  private TextProjector(SavedModelPredictor model, int dimension) {
    this.model = model;
    this.dimension = dimension;
  }

  static TextProjector load(Path savedModel, int imageSize, int dimension) throws ModelPackageException {
    return new TextProjector(SavedModelPredictor.load(savedModel, imageSize, null, EncoderGraph.TEXT_SIGNATURE), dimension);
  }

  /** The language-model embedding size the projector takes. */
  public int dimension() {
    return dimension;
  }

  /** Projections [n, P] of n language-model embeddings [n, dimension], concatenated. */
  public float[] project(float[] embeddings, int n) {
    if (embeddings.length != (long) n * dimension) {
      throw new IllegalArgumentException(n + " embeddings of " + dimension + " values expected, got " + embeddings.length + " values");
    }
    Map<String, float[]> out = model.run(EncoderGraph.INPUT_TEXT, embeddings, new Shape(n, dimension));
    for (Map.Entry<String, float[]> e : out.entrySet()) if (e.getKey().startsWith(EncoderGraph.OUTPUT_PROJECTION)) return e.getValue();
    throw new IllegalStateException("the text signature's outputs are " + out.keySet() + ", expected " + EncoderGraph.OUTPUT_PROJECTION);
  }

  @Override
  public void close() {
    model.close();
  }
}
