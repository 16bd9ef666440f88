package org.mflag.model;

import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.nio.file.Path;

/** The exported image encoder run through DJL's TensorFlow engine, without any training code. */
public final class EncoderPredictor implements AutoCloseable {

  private final ZooModel<NDList, NDList> model;
  private final Predictor<NDList, NDList> predictor;
  private final int size;

  private EncoderPredictor(ZooModel<NDList, NDList> model, int size) {
    this.model = model;
    this.predictor = model.newPredictor();
    this.size = size;
  }

  static EncoderPredictor load(Path savedModel, int size) throws ModelPackageException {
    try {
      Criteria<NDList, NDList> c = Criteria.builder().setTypes(NDList.class, NDList.class)
          .optModelPath(savedModel).optEngine("TensorFlow").build();
      return new EncoderPredictor(c.loadModel(), size);
    } catch (IOException | ModelNotFoundException | MalformedModelException e) {
      throw new ModelPackageException("SavedModel " + savedModel + " cannot be loaded by DJL: " + e.getMessage(), e);
    }
  }

  /** {embedding [n, D], projection [n, P]} of n normalised images [n, size, size, 1]. */
  public float[][] predict(float[] images, int n) {
    try (NDManager m = NDManager.newBaseManager("TensorFlow")) {
      NDArray x = m.create(images, new Shape(n, size, size, 1));
      x.setName(EncoderGraph.INPUT_IMAGE);
      NDList out = predictor.predict(new NDList(x));
      float[] emb = null, proj = null;
      for (NDArray a : out) {
        String name = a.getName();
        if (name != null && name.startsWith(EncoderGraph.OUTPUT_EMBEDDING)) emb = a.toFloatArray();
        else if (name != null && name.startsWith(EncoderGraph.OUTPUT_PROJECTION)) proj = a.toFloatArray();
      }
      if (emb == null || proj == null) throw new IllegalStateException("SavedModel outputs are " + out + ", expected "
          + EncoderGraph.OUTPUT_EMBEDDING + " and " + EncoderGraph.OUTPUT_PROJECTION);
      return new float[][] {emb, proj};
    } catch (TranslateException e) {
      throw new IllegalStateException("inference failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    predictor.close();
    model.close();
  }
}
