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
import java.util.LinkedHashMap;
import java.util.Map;
import org.mflag.runtime.Devices;

/**
 * A package's SavedModel ({@code serving_default}) run through DJL's TensorFlow engine, without any
 * training code: grey images in, every output by name.
 */
public final class SavedModelPredictor implements AutoCloseable {

  private final ZooModel<NDList, NDList> model;
  private final Predictor<NDList, NDList> predictor;
  private final int size;
  private final ai.djl.Device device;

  private SavedModelPredictor(ZooModel<NDList, NDList> model, int size, ai.djl.Device device) {
    this.model = model;
    this.predictor = model.newPredictor();
    this.size = size;
    this.device = device;
  }

  static SavedModelPredictor load(Path savedModel, int size) throws ModelPackageException {
    return load(savedModel, size, null);
  }

  /** Loads through DJL on {@code devices} (DJL's default device when null). */
  static SavedModelPredictor load(Path savedModel, int size, Devices.Plan devices) throws ModelPackageException {
    return load(savedModel, size, devices, null);
  }

  /** As {@link #load(Path, int, Devices.Plan)}, running the SavedModel's signature {@code signature} (serving_default when null). */
  static SavedModelPredictor load(Path savedModel, int size, Devices.Plan devices, String signature) throws ModelPackageException {
    ai.djl.Device device = devices == null ? null : devices.usesGpu() ? ai.djl.Device.gpu(devices.gpuIndex()) : ai.djl.Device.cpu();
    try {
      Criteria.Builder<NDList, NDList> b = Criteria.builder().setTypes(NDList.class, NDList.class)
          .optModelPath(savedModel).optEngine("TensorFlow");
      if (device != null) b.optDevice(device);
      if (signature != null) b.optOption("SignatureDefKey", signature);
      return new SavedModelPredictor(b.build().loadModel(), size, device);
    } catch (IOException | ModelNotFoundException | MalformedModelException e) {
      throw new ModelPackageException("SavedModel " + savedModel + " cannot be loaded by DJL: " + e.getMessage(), e);
    }
  }

  /** The outputs for n normalised images [n, size, size, 1], by output name (DJL may append ":0"). */
  public Map<String, float[]> predict(float[] images, int n) {
    return run(EncoderGraph.INPUT_IMAGE, images, new Shape(n, size, size, 1));
  }

  /** The outputs for one input {@code name} holding {@code values} of {@code shape}, by output name. */
  Map<String, float[]> run(String input, float[] values, Shape shape) {
    try (NDManager m = device == null ? NDManager.newBaseManager("TensorFlow") : NDManager.newBaseManager(device, "TensorFlow")) {
      NDArray x = m.create(values, shape);
      x.setName(input);
      Map<String, float[]> out = new LinkedHashMap<>();
      for (NDArray a : predictor.predict(new NDList(x))) {
        String name = a.getName() == null ? "" : a.getName();
        int colon = name.indexOf(':');
        out.put(colon < 0 ? name : name.substring(0, colon), a.toFloatArray());
      }
      return out;
    } catch (TranslateException e) {
      throw new IllegalStateException("inference failed: " + e.getMessage(), e);
    }
  }

  /** The one output named {@code output}. */
  public float[] predict(float[] images, int n, String output) {
    Map<String, float[]> all = predict(images, n);
    for (Map.Entry<String, float[]> e : all.entrySet()) if (e.getKey().startsWith(output)) return e.getValue();
    throw new IllegalStateException("SavedModel outputs are " + all.keySet() + ", expected " + output);
  }

  @Override
  public void close() {
    predictor.close();
    model.close();
  }
}
