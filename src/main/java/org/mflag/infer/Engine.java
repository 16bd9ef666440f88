package org.mflag.infer;

import org.mflag.model.ModelPackage;
import org.mflag.model.ModelPackageException;
import org.mflag.model.SavedModelPredictor;
import org.mflag.runtime.Devices;

/**
 * What runs a package's network: TensorFlow (the package's SavedModel through DJL) today. An engine opens a
 * {@link Network} from a checked {@link ModelPackage}; {@link Inference} is the same whichever engine runs, so a
 * second engine is one more implementation of this interface.
 */
public interface Engine {

  /** The engine's name as a key value: {@code tensorflow}. */
  String key();

  /** The package's network on {@code devices} (the engine's default device when null). */
  Network open(ModelPackage pkg, Devices.Plan devices) throws ModelPackageException;

  /** The SavedModel ({@code serving_default}) through DJL's TensorFlow engine. */
  Engine TENSORFLOW = new Engine() {
    @Override
    public String key() {
      return "tensorflow";
    }

    @Override
    public Network open(ModelPackage pkg, Devices.Plan devices) throws ModelPackageException {
      SavedModelPredictor predictor = pkg.savedModelPredictor(devices);
      return new Network() {
        @Override
        public java.util.Map<String, float[]> run(float[] images, int n) {
          return predictor.predict(images, n);
        }

        @Override
        public void close() {
          predictor.close();
        }
      };
    }

    @Override
    public String toString() {
      return key();
    }
  };
}
