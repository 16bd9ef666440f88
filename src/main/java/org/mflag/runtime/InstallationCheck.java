package org.mflag.runtime;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@code About / Check Installation} reports: TensorFlow's version and where its natives come
 * from, every device TensorFlow sees, and a short timed computation (a 1024x1024 MatMul) on each, so
 * that "GPU" is measured rather than assumed; the cache folder.
 */
public final class InstallationCheck {

  private InstallationCheck() {}

  /** The report, one fact per line. */
  public static List<String> run(Path cacheDir) {
    List<String> out = new ArrayList<>();
    out.add("java: " + System.getProperty("java.version") + " (" + System.getProperty("os.name") + " " + System.getProperty("os.arch")
        + "), " + Runtime.getRuntime().availableProcessors() + " cores, max heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
    String version;
    try {
      version = TensorFlowRuntime.ensureLoaded();
    } catch (IllegalStateException e) {
      out.add("tensorflow: NOT FOUND: " + e.getMessage());
      return out;
    }
    out.add("natives: " + TensorFlowRuntime.source());
    Engine engine = Engine.getEngine("TensorFlow");
    List<Integer> gpus = Devices.usableGpus();
    out.add("tensorflow: " + version + " through DJL " + Engine.getDjlVersion() + "; GPUs TensorFlow computes on: "
        + (gpus.isEmpty() ? "none (" + Devices.whyNoGpu() + ")" : gpus) + "; DJL counts " + engine.getGpuCount());
    out.add("device=auto would use: " + Devices.resolve("auto").describe());
    out.addAll(loadedGpuLibraries());
    List<Device> devices = new ArrayList<>();
    devices.add(Device.cpu());
    for (int i : gpus) devices.add(Device.gpu(i));
    for (Device d : devices) out.add(time(d));
    out.add("cache: " + cacheDir + " (report embeddings, unpacked language model, preprocessed images)");
    return out;
  }

  /**
   * The CUDA, cuDNN and cuBLAS libraries this process has loaded, and from where (Linux: {@code /proc/self/maps}),
   * so that "GPU" can be traced to the files that provide it.
   */
  static List<String> loadedGpuLibraries() {
    java.nio.file.Path maps = java.nio.file.Path.of("/proc/self/maps");
    if (!java.nio.file.Files.isReadable(maps)) return List.of("cuda libraries loaded: unknown (no /proc/self/maps)");
    java.util.Set<String> libs = new java.util.TreeSet<>();
    try {
      for (String line : java.nio.file.Files.readAllLines(maps)) {
        int slash = line.indexOf('/');
        if (slash < 0) continue;
        String path = line.substring(slash);
        String name = path.substring(path.lastIndexOf('/') + 1);
        if (name.matches("lib(cuda|cudart|cudnn|cublas|cublasLt|cufft|cusolver|cusparse|nvrtc|nccl)[^/]*\\.so.*")) libs.add(path);
      }
    } catch (java.io.IOException e) {
      return List.of("cuda libraries loaded: unknown (" + e.getMessage() + ")");
    }
    if (libs.isEmpty()) return List.of("cuda libraries loaded: none");
    List<String> out = new ArrayList<>();
    for (String l : libs) out.add("cuda library loaded: " + l);
    return out;
  }

  /** Times a 1024x1024x1024 float MatMul (2.1 GFLOP) on one device: best of 5 after a warm-up. */
  static String time(Device device) {
    int n = 1024;
    try (NDManager m = NDManager.newBaseManager(device, "TensorFlow")) {
      NDArray a = m.randomUniform(-1, 1, new Shape(n, n));
      NDArray b = m.randomUniform(-1, 1, new Shape(n, n));
      a.matMul(b).toFloatArray();
      double best = Double.MAX_VALUE;
      for (int i = 0; i < 5; i++) {
        long t0 = System.nanoTime();
        a.matMul(b).toFloatArray(); // copying the result back forces the computation to finish
        best = Math.min(best, (System.nanoTime() - t0) / 1e9);
      }
      double gflops = 2.0 * n * n * n / best / 1e9;
      return String.format(Locale.ROOT, "device %s: 1024^3 MatMul in %.1f ms = %.0f GFLOP/s (includes copying 4 MiB back)", device,
          best * 1e3, gflops);
    } catch (RuntimeException e) {
      return "device " + device + ": FAILED (" + e.getMessage() + ")";
    }
  }
}
