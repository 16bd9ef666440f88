package org.mflag.bench;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * The machine's fp32 peak as the best well-kept GEMM reaches it: OpenBLAS's {@code cblas_sgemm} (through
 * {@code org.bytedeco:openblas}) on an n x n x n product, best of several runs, one thread per core, in its own JVM
 * with the natives {@code ./mflag bench} fetches into {@code target/bench-openblas}. TensorFlow's MatMul
 * ({@link MatMulPeak}) is measured beside it; the benchmark takes the higher of the two as "peak".
 */
public final class BlasPeak {

  static final class Result {
    String library;
    int threads;
    int n;
    double flopsPerSecond;
    List<Double> runs;
    String skipped;
  }

  private BlasPeak() {}

  /** In a child JVM; skipped (with the reason) when the natives are not in {@code jars}. */
  static Result run(Path jars, int n, int runs) throws Exception {
    boolean present;
    try (Stream<Path> s = Files.isDirectory(jars) ? Files.list(jars) : Stream.empty()) {
      present = s.anyMatch(p -> p.getFileName().toString().matches("openblas-.*-linux-x86_64\\.jar"));
    }
    if (!present) {
      Result r = new Result();
      r.skipped = "OpenBLAS natives are not in " + jars + " (./mflag bench fetches them with Maven)";
      return r;
    }
    try {
      return ChildJvm.run(BlasPeak.class, List.of(String.valueOf(n), String.valueOf(runs)), jars.toAbsolutePath() + File.separator + "*",
          Map.of(), Result.class);
    } catch (IllegalStateException e) {
      Result r = new Result();
      r.skipped = e.getMessage();
      return r;
    }
  }

  public static void main(String[] args) {
    int n = Integer.parseInt(args[0]), runs = Integer.parseInt(args[1]);
    int threads = Runtime.getRuntime().availableProcessors();
    org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(threads);
    Random random = new Random(42);
    float[] values = new float[n * n];
    for (int i = 0; i < values.length; i++) values[i] = random.nextFloat();
    try (FloatPointer a = new FloatPointer(values); FloatPointer b = new FloatPointer(values); FloatPointer c = new FloatPointer((long) n * n)) {
      Result r = new Result();
      r.runs = new java.util.ArrayList<>();
      for (int i = 0; i <= runs; i++) {
        long t0 = System.nanoTime();
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans, openblas_nolapack.CblasNoTrans, n, n, n, 1f, a, n, b, n, 0f, c, n);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (i > 0) r.runs.add(2.0 * n * n * n / seconds); // the first call warms up (threads, pages)
      }
      r.library = "OpenBLAS 0.3.26 (org.bytedeco:openblas 0.3.26-1.5.10)";
      r.threads = org.bytedeco.openblas.presets.openblas_nolapack.blas_get_num_threads();
      r.n = n;
      r.flopsPerSecond = java.util.Collections.max(r.runs);
      ChildJvm.reply(r);
    }
  }
}
