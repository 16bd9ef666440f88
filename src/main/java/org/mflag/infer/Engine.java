package org.mflag.infer;

import java.util.Map;
import org.mflag.config.Key;
import org.mflag.model.EncoderGraph;
import org.mflag.model.ModelPackage;
import org.mflag.model.ModelPackageException;
import org.mflag.model.SavedModelPredictor;
import org.mflag.model.TextProjector;
import org.mflag.onnx.OnnxException;
import org.mflag.onnx.OnnxSession;
import org.mflag.runtime.Devices;
import org.mflag.runtime.TensorFlowRuntime;

/**
 * What runs a package's network: TensorFlow (the package's SavedModel through DJL) or ONNX Runtime (the package's ONNX
 * weights), chosen by the {@code engine} key ({@link #ENGINE}): {@link #AUTO} takes ONNX Runtime on the CPU when the
 * package has ONNX weights (the faster engine where both load: {@link #preferred}), TensorFlow for a GPU or a package
 * without them, and whichever loads where the other cannot (Intel macOS, Linux ARM: TensorFlow Java has no natives
 * there). An engine opens a
 * {@link Network} and the text projector from a checked {@link ModelPackage}; {@link Inference} is the same whichever
 * engine runs. Training always runs on TensorFlow.
 */
public interface Engine {

  /** The launcher key, command parameter and macro key that picks the engine. */
  Key ENGINE = Key.choice("engine", "auto", "what runs the network: auto (ONNX Runtime on the CPU when the package has ONNX weights,"
      + " TensorFlow on a GPU, for a package without them or where ONNX Runtime cannot load), tensorflow (the SavedModel) or onnxruntime"
      + " (the package's ONNX weights, on the CPU)", "auto", "tensorflow", "onnxruntime")
      .operational();

  /** The engine's name as a key value: {@code tensorflow}, {@code onnxruntime} or {@code auto}. */
  String key();

  /** The package's network on {@code devices} (the engine's default device when null). */
  Network open(ModelPackage pkg, Devices.Plan devices) throws ModelPackageException;

  /** An encoder package's text projector. */
  TextProjector textProjector(ModelPackage pkg) throws ModelPackageException;

  /** Where this engine computes for a {@code device} request ({@link Devices#resolve}, which asks TensorFlow). */
  default Devices.Plan devices(org.mflag.runtime.DeviceRequest request) {
    return Devices.resolve(request);
  }

  /** The engine a key value names. */
  static Engine of(String key) {
    switch (key) {
      case "tensorflow":
        return TENSORFLOW;
      case "onnxruntime":
        return ONNXRUNTIME;
      case "auto":
        return AUTO;
      default:
        throw new IllegalArgumentException("engine=" + key + ": must be auto, tensorflow or onnxruntime");
    }
  }

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
        public Map<String, float[]> run(float[] images, int n) {
          return predictor.predict(images, n);
        }

        @Override
        public String engine() {
          return key();
        }

        @Override
        public void close() {
          predictor.close();
        }
      };
    }

    @Override
    public TextProjector textProjector(ModelPackage pkg) throws ModelPackageException {
      return pkg.textProjector();
    }

    @Override
    public String toString() {
      return key();
    }
  };

  /**
   * The package's ONNX weights ({@code weights.onnx}, verified before it runs) through ONNX Runtime, on the CPU (the
   * ONNX Runtime jar carries CPU natives for Linux x86-64 and ARM64, macOS Intel and Apple silicon, Windows x86-64).
   */
  Engine ONNXRUNTIME = new Engine() {
    @Override
    public String key() {
      return "onnxruntime";
    }

    @Override
    public Network open(ModelPackage pkg, Devices.Plan devices) throws ModelPackageException {
      if (devices != null && devices.usesGpu()) {
        throw new IllegalArgumentException("engine=onnxruntime computes on the CPU (" + devices.describe() + " asks for a GPU): give device=cpu,"
            + " or engine=tensorflow for the GPU");
      }
      java.nio.file.Path file = pkg.onnxFile();
      OnnxSession session;
      try {
        session = OnnxSession.open(file, 0);
      } catch (OnnxException e) {
        throw new ModelPackageException(e.getMessage(), e);
      }
      long size = pkg.imageSize();
      return new Network() {
        @Override
        public Map<String, float[]> run(float[] images, int n) {
          return session.run(EncoderGraph.INPUT_IMAGE, images, new long[] {n, size, size, 1});
        }

        @Override
        public String engine() {
          return key();
        }

        @Override
        public void close() {
          session.close();
        }
      };
    }

    @Override
    public TextProjector textProjector(ModelPackage pkg) throws ModelPackageException {
      return pkg.onnxTextProjector();
    }

    /** The CPU, for {@code device=auto} and {@code cpu} alike, without asking TensorFlow; a GPU request is refused. */
    @Override
    public Devices.Plan devices(org.mflag.runtime.DeviceRequest request) {
      if (request.kind() == org.mflag.runtime.DeviceRequest.Kind.AUTO || request.kind() == org.mflag.runtime.DeviceRequest.Kind.CPU) {
        return Devices.Plan.cpu("engine=onnxruntime: the CPU");
      }
      throw new IllegalArgumentException("device=" + request + ": engine=onnxruntime computes on the CPU; give device=cpu (or leave it out), or"
          + " engine=tensorflow for the GPU");
    }

    @Override
    public String toString() {
      return key();
    }
  };

  /**
   * ONNX Runtime on the CPU for a package with ONNX weights, TensorFlow for a GPU or a package without them; where one
   * engine cannot load, the other (the choice is made per package: {@link #choose}).
   */
  Engine AUTO = new Engine() {
    @Override
    public String key() {
      return "auto";
    }

    @Override
    public Network open(ModelPackage pkg, Devices.Plan devices) throws ModelPackageException {
      Engine e = choose(pkg, devices);
      try {
        return e.open(pkg, devices);
      } catch (ModelPackageException x) {
        throw withTheOtherEngine(e, x);
      }
    }

    @Override
    public TextProjector textProjector(ModelPackage pkg) throws ModelPackageException {
      Engine e = choose(pkg, null);
      try {
        return e.textProjector(pkg);
      } catch (ModelPackageException x) {
        throw withTheOtherEngine(e, x);
      }
    }

    /** A damaged ONNX file is refused, not passed over: the error says which engine auto took and how to take the other. */
    private ModelPackageException withTheOtherEngine(Engine chosen, ModelPackageException x) {
      if (chosen != ONNXRUNTIME || TensorFlowRuntime.unavailableReason() != null) return x;
      return new ModelPackageException(x.getMessage() + " (engine=auto took ONNX Runtime; engine=tensorflow runs the package's SavedModel)", x);
    }

    /** The CPU without asking TensorFlow where it cannot load; else TensorFlow's plan (a GPU then takes TensorFlow). */
    @Override
    public Devices.Plan devices(org.mflag.runtime.DeviceRequest request) {
      return TensorFlowRuntime.unavailableReason() == null ? Devices.resolve(request) : ONNXRUNTIME.devices(request);
    }

    @Override
    public String toString() {
      return key();
    }
  };

  /**
   * The engine {@code auto} takes where both load and the package has ONNX weights, on the CPU: ONNX Runtime. In
   * {@code ./mflag bench} on an AMD EPYC Zen 5 (family 26, AVX-512, 2 cores) it ran the segmenter's, classifier's and
   * detector's forward passes (ResNet-50, 224 px) at 1.1-1.2x TensorFlow's speed in batches of 8 and 1.4x for one image,
   * a folder of X-rays at 1.0-1.07x, and tiled segmentation within that machine's noise (0.83-1.1x) ({@code
   * docs/performance.md}). The bench's {@code engines:} line says on each machine whether its figures bear this out.
   */
  static Engine preferred() {
    return ONNXRUNTIME;
  }

  /**
   * The engine {@code auto} runs {@code pkg} on {@code devices} (null: the default device): TensorFlow for a GPU; else
   * {@link #preferred} when the package has ONNX weights and both engines load; else whichever loads and can run the
   * package; else a one-line error saying why neither can.
   */
  static Engine choose(ModelPackage pkg, Devices.Plan devices) throws ModelPackageException {
    String noTensorFlow = TensorFlowRuntime.unavailableReason();
    if (devices != null && devices.usesGpu()) return TENSORFLOW; // a GPU plan comes from TensorFlow, which loaded
    String noOnnx = !pkg.hasOnnx() ? "the package has no ONNX weights" : OnnxSession.unavailableReason();
    if (noTensorFlow == null && (noOnnx != null || preferred() == TENSORFLOW)) return TENSORFLOW;
    if (noOnnx == null) return ONNXRUNTIME;
    throw new ModelPackageException(pkg.source() + ": TensorFlow cannot run here (" + noTensorFlow + ") and ONNX Runtime cannot run it ("
        + noOnnx + ")" + (pkg.hasOnnx() ? "" : "; add ONNX weights on a machine with TensorFlow with ./mflag export model=<the package folder>"));
  }
}
