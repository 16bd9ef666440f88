package org.mflag.spark;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.mflag.infer.BatchAnalysis;
import org.mflag.infer.InferenceOptions;
import org.mflag.infer.Job;
import org.mflag.model.ModelPackageException;
import org.mflag.runtime.DeviceRequest;

/**
 * The models an executor JVM has opened: each package once per JVM (not per task or partition), shared by the JVM's
 * task threads ({@link BatchAnalysis} is thread-safe) and kept for the JVM's life.
 */
final class ExecutorModels {

  /** What a task needs to open its model: the job, the package, the options and the device key. */
  static final class Spec implements Serializable {
    private static final long serialVersionUID = 1L;
    final Job job;
    final String model;
    final InferenceOptions options;
    final DeviceRequest device;

    Spec(Job job, String model, InferenceOptions options, DeviceRequest device) {
      this.job = job;
      this.model = model;
      this.options = options;
      this.device = device;
    }

    /** Equal specs share a model: the same job, package folder, device and options. */
    String key() {
      return job + "\n" + model + "\n" + device + "\n" + options;
    }
  }

  private static final Map<String, BatchAnalysis> OPEN = new HashMap<>();
  /** How many models this JVM has opened (tests check that a JVM opens each once). */
  private static int opened;
  /** The engine the model opened last runs on (tests check that the engine key reaches the executors). */
  private static String lastEngine;

  private ExecutorModels() {}

  static synchronized BatchAnalysis get(Spec spec) throws ModelPackageException {
    BatchAnalysis a = OPEN.get(spec.key());
    if (a == null) {
      a = BatchAnalysis.open(spec.job, Path.of(spec.model), spec.options, spec.options.engine().devices(spec.device));
      OPEN.put(spec.key(), a);
      opened++;
      lastEngine = a.engine();
    }
    return a;
  }

  static synchronized int opened() {
    return opened;
  }

  static synchronized String lastEngine() {
    return lastEngine;
  }
}
