package org.mflag.bench;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.scijava.log.Logger;

/**
 * Runs {@link PyTorchStep} in a separate JVM with DJL's PyTorch engine jars ({@code pytorch-engine},
 * {@code pytorch-jni}, {@code pytorch-native-cpu}; {@code ./mflag bench} fetches them into
 * {@code target/bench-pytorch}) and reads its figures. PyTorch gets the allocator setting that was
 * fastest for it here: glibc malloc told to keep freed blocks instead of returning them to the kernel
 * (by default each step maps and unmaps its large tensors, and page faults take as long as the
 * arithmetic: ResNet-50 at 224 px, batch 16, 14.7 s/step by default, 10.7 s with these settings, 16.0 s
 * with jemalloc and PLATFORM.md's decay settings).
 */
final class PyTorchComparison {

  /** One PyTorch step timing (native PyTorch's adds its interpreter and settings: {@link NativePyTorch.Result}). */
  static class Result {
    String engine;
    String version;
    String allocator;
    int batch;
    int imageSize;
    int steps;
    long parameters;
    double firstStepSeconds;
    double stepSeconds;
    double imagesPerSecond;
    String skipped;
  }

  /**
   * glibc malloc told to keep freed blocks instead of returning them to the kernel: PyTorch's fastest allocator
   * setting here (native PyTorch too: 2.06 s/step instead of 6.26 s), so both PyTorch references run with it.
   */
  static final Map<String, String> KEEP_FREED_MEMORY = Map.of("MALLOC_MMAP_THRESHOLD_", "17179869184", "MALLOC_TRIM_THRESHOLD_",
      "17179869184", "MALLOC_TOP_PAD_", "1073741824");
  static final String KEEP_FREED_MEMORY_TEXT = "glibc malloc, MALLOC_MMAP_THRESHOLD_=MALLOC_TRIM_THRESHOLD_=16 GiB, MALLOC_TOP_PAD_=1 GiB";

  private PyTorchComparison() {}

  static Result run(Path jars, int batch, int size, int steps, Logger log) throws Exception {
    boolean present;
    try (Stream<Path> s = Files.isDirectory(jars) ? Files.list(jars) : Stream.empty()) {
      present = s.anyMatch(p -> p.getFileName().toString().startsWith("pytorch-native-cpu"));
    }
    if (!present) {
      return skipped(batch, size, steps, "DJL's PyTorch engine jars are not in " + jars + " (./mflag bench fetches them with Maven)");
    }
    Map<String, String> env = KEEP_FREED_MEMORY;
    String allocator = KEEP_FREED_MEMORY_TEXT;
    log.info("pytorch: ResNet-50 + projector, batch " + batch + ", " + size + " px, in a separate JVM (" + allocator + ")");
    Result r;
    try {
      r = ChildJvm.run(PyTorchStep.class, List.of(String.valueOf(batch), String.valueOf(size), String.valueOf(steps)),
          jars.toAbsolutePath() + File.separator + "*", env, Result.class);
    } catch (IllegalStateException e) {
      return skipped(batch, size, steps, e.getMessage());
    }
    r.allocator = allocator;
    return r;
  }

  private static Result skipped(int batch, int size, int steps, String why) {
    Result r = new Result();
    r.batch = batch;
    r.imageSize = size;
    r.steps = steps;
    r.skipped = why;
    return r;
  }
}
