package org.mflag.model;

import java.nio.file.Path;

/** The exported image encoder run through DJL's TensorFlow engine, without any training code. */
public final class EncoderPredictor implements AutoCloseable {

  private final SavedModelPredictor model;

  private EncoderPredictor(SavedModelPredictor model) {
    this.model = model;
  }

  static EncoderPredictor load(Path savedModel, int size) throws ModelPackageException {
    return new EncoderPredictor(SavedModelPredictor.load(savedModel, size));
  }

  /** {embedding [n, D], projection [n, P]} of n normalised images [n, size, size, 1]. */
  public float[][] predict(float[] images, int n) {
    java.util.Map<String, float[]> out = model.predict(images, n);
    float[] emb = null, proj = null;
    for (java.util.Map.Entry<String, float[]> e : out.entrySet()) {
      if (e.getKey().startsWith(EncoderGraph.OUTPUT_EMBEDDING)) emb = e.getValue();
      else if (e.getKey().startsWith(EncoderGraph.OUTPUT_PROJECTION)) proj = e.getValue();
    }
    if (emb == null || proj == null) throw new IllegalStateException("SavedModel outputs are " + out.keySet() + ", expected "
        + EncoderGraph.OUTPUT_EMBEDDING + " and " + EncoderGraph.OUTPUT_PROJECTION);
    return new float[][] {emb, proj};
  }

  @Override
  public void close() {
    model.close();
  }
}
