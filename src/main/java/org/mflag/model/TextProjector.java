package org.mflag.model;

import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.Map;
import org.mflag.onnx.OnnxException;
import org.mflag.onnx.OnnxSession;

/**
 * The text side of a pre-trained package, which maps frozen language-model embeddings into the latent space the image
 * projections share ({@link EncoderGraph}): its SavedModel's {@code text} signature through DJL's TensorFlow engine, or
 * the same projector's ONNX model ({@link OnnxWeights#TEXT_FILE}) through ONNX Runtime. What zero-shot classification
 * and report retrieval compare images with.
 */
public final class TextProjector implements AutoCloseable {

  /** One run of the projector: n embeddings in, n projections out. */
  private interface Runner extends AutoCloseable {
    float[] project(float[] embeddings, int n);

    @Override
    void close();
  }

  private final Runner runner;
  private final int dimension;

  private TextProjector(Runner runner, int dimension) {
    this.runner = runner;
    this.dimension = dimension;
  }

  static TextProjector tensorflow(Path savedModel, int imageSize, int dimension) throws ModelPackageException {
    SavedModelPredictor model = SavedModelPredictor.load(savedModel, imageSize, null, EncoderGraph.TEXT_SIGNATURE);
    return new TextProjector(new Runner() {
      @Override
      public float[] project(float[] embeddings, int n) {
        Map<String, float[]> out = model.run(EncoderGraph.INPUT_TEXT, embeddings, new Shape(n, dimension));
        for (Map.Entry<String, float[]> e : out.entrySet()) if (e.getKey().startsWith(EncoderGraph.OUTPUT_PROJECTION)) return e.getValue();
        throw new IllegalStateException("the text signature's outputs are " + out.keySet() + ", expected " + EncoderGraph.OUTPUT_PROJECTION);
      }

      @Override
      public void close() {
        model.close();
      }
    }, dimension);
  }

  static TextProjector onnxRuntime(Path onnx, MflagConfig.TextSignature signature, int dimension) throws ModelPackageException {
    OnnxSession session;
    try {
      session = OnnxSession.open(onnx, 0);
    } catch (OnnxException e) {
      throw new ModelPackageException(e.getMessage(), e);
    }
    return new TextProjector(new Runner() {
      @Override
      public float[] project(float[] embeddings, int n) {
        float[] p = session.run(signature.input(), embeddings, new long[] {n, dimension}).get(signature.output());
        if (p == null) throw new IllegalStateException(onnx + ": no output " + signature.output());
        return p;
      }

      @Override
      public void close() {
        session.close();
      }
    }, dimension);
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
    return runner.project(embeddings, n);
  }

  @Override
  public void close() {
    runner.close();
  }
}
