package org.mflag.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mflag.nn.Architecture;
import org.mflag.nn.Precision;
import org.scijava.log.Logger;

/**
 * The run-time settings that could speed up the ResNet-50 pre-training step, each timed in its own JVM right after
 * the defaults (the machine's speed drifts between parts): TensorFlow's thread pools, oneDNN's thread pool, XLA's
 * automatic clustering on CPU, oneDNN off, and glibc malloc keeping freed memory. What helps becomes a default of the
 * launcher; the JSON records every lever's effect.
 */
final class StepLevers {

  static final class Lever {
    String name;
    Map<String, String> env;
    double stepSeconds;
    double defaultStepSeconds;
    /** The defaults' step time over this lever's: above 1 it helps. */
    double speedup;
  }

  private StepLevers() {}

  static Map<String, Map<String, String>> levers() {
    Map<String, Map<String, String>> m = new LinkedHashMap<>();
    m.put("one inter-op thread", Map.of("TF_NUM_INTEROP_THREADS", "1"));
    m.put("oneDNN thread pool uses the calling thread", Map.of("TF_ONEDNN_THREADPOOL_USE_CALLER_THREAD", "true"));
    m.put("glibc malloc keeps freed memory", PyTorchComparison.KEEP_FREED_MEMORY);
    m.put("XLA auto-clustering on CPU", Map.of("TF_XLA_FLAGS", "--tf_xla_auto_jit=2 --tf_xla_cpu_global_jit"));
    m.put("oneDNN off (Eigen's kernels)", Map.of("TF_ENABLE_ONEDNN_OPTS", "0"));
    return m;
  }

  static List<Lever> run(int steps, double peak, Logger log) throws Exception {
    List<Lever> out = new ArrayList<>();
    for (Map.Entry<String, Map<String, String>> e : levers().entrySet()) {
      Lever l = new Lever();
      l.name = e.getKey();
      l.env = e.getValue();
      l.defaultStepSeconds = TrainStepBenchmark.inChildJvm(Architecture.RESNET50, 16, 224, steps, peak, false, Precision.FP32).stepSeconds;
      l.stepSeconds = TrainStepBenchmark.inChildJvm(Architecture.RESNET50, 16, 224, steps, peak, false, Precision.FP32, l.env).stepSeconds;
      l.speedup = l.defaultStepSeconds / l.stepSeconds;
      log.info(String.format(Locale.ROOT, "lever %s %s: %.2f s/step against %.2f s with the defaults: %.2fx", l.name, l.env, l.stepSeconds,
          l.defaultStepSeconds, l.speedup));
      out.add(l);
    }
    return out;
  }
}
