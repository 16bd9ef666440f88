package org.mflag.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One ONNX model run by ONNX Runtime on the CPU: one float input by name in, every output by name out. ONNX Runtime's
 * jar carries its natives for Linux (x86-64, ARM64), macOS (Intel, Apple silicon) and Windows (x86-64), so this runs
 * where TensorFlow's natives do not. The model is {@link OnnxModel#verify verified} by the caller first.
 */
public final class OnnxSession implements AutoCloseable {

  private final OrtEnvironment env;
  private final OrtSession session;
  private final Path file;

  private OnnxSession(OrtEnvironment env, OrtSession session, Path file) {
    this.env = env;
    this.session = session;
    this.file = file;
  }

  /**
   * Opens {@code file} with {@code threads} intra-op threads (0: ONNX Runtime's default, one per core), every graph
   * optimisation ONNX Runtime has, and threads that do not spin between runs.
   *
   * @throws OnnxException when ONNX Runtime's natives do not load on this machine, or it refuses the model
   */
  public static OnnxSession open(Path file, int threads) {
    OrtEnvironment env = environment();
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      if (threads > 0) o.setIntraOpNumThreads(threads);
      // the pool's threads sleep between runs instead of spinning: a run's neighbours (decoding the next images, tiling,
      // blending, Fiji itself) then keep the cores. Measured on 2 cores (AMD EPYC Zen 5): tiled segmentation 0.46 s
      // instead of 0.49 s, a folder of 240 X-rays 12.9 s instead of 13.3 s; back-to-back forward calls alike within noise
      o.addConfigEntry("session.intra_op.allow_spinning", "0");
      return new OnnxSession(env, env.createSession(file.toString(), o), file);
    } catch (OrtException e) {
      throw new OnnxException(file + ": ONNX Runtime cannot load it (" + e.getMessage() + ")", e);
    }
  }

  /** ONNX Runtime's process-wide environment (its natives load here), quiet but for errors. */
  public static OrtEnvironment environment() {
    try {
      return OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "mflag");
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      throw new OnnxException("ONNX Runtime's natives do not load on this machine (" + System.getProperty("os.name") + " "
          + System.getProperty("os.arch") + "): " + e, e);
    }
  }

  /** Null when ONNX Runtime's natives load here, else why not, in one line (asked once per JVM). */
  public static String unavailableReason() {
    return Availability.REASON;
  }

  /** Holds the answer of {@link #unavailableReason}, computed when first asked. */
  private static final class Availability {
    static final String REASON = reason();

    private static String reason() {
      try {
        environment();
        return null;
      } catch (OnnxException e) {
        return e.getMessage();
      }
    }
  }

  /** The version of ONNX Runtime's natives. */
  public static String version() {
    return environment().getVersion();
  }

  /** Every output for {@code values} of {@code shape} fed as {@code input}. */
  public Map<String, float[]> run(String input, float[] values, long[] shape) {
    try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(values), shape);
        OrtSession.Result r = session.run(Map.of(input, x))) {
      Map<String, float[]> out = new LinkedHashMap<>();
      for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : r) {
        FloatBuffer b = ((OnnxTensor) e.getValue()).getFloatBuffer();
        float[] v = new float[b.remaining()];
        b.get(v);
        out.put(e.getKey(), v);
      }
      return out;
    } catch (OrtException e) {
      throw new IllegalStateException(file + ": ONNX Runtime failed (" + e.getMessage() + ")", e);
    }
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException(file + ": " + e.getMessage(), e);
    }
  }
}
