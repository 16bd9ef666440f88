package org.mflag.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mflag.config.Task;
import org.mflag.infer.Engine;
import org.mflag.infer.Inference;
import org.mflag.infer.InferenceOptions;
import org.mflag.infer.Job;
import org.mflag.io.Archives;
import org.mflag.model.TaskGraph;
import org.mflag.model.TaskPackage;
import org.mflag.nn.Architecture;
import org.scijava.log.Logger;

/**
 * The forward pass of each fine-tuned kind of package (ResNet-50 at 224 px: U-Net segmenter, classifier, YOLO detector)
 * on both inference engines, TensorFlow and ONNX Runtime, in one JVM against the same floor: the network's forward FLOPs
 * (counted from its graph) at the measured fp32 peak. The packages hold seeded weights (speed does not depend on their
 * values) and are written as fine-tuning writes them, SavedModel and ONNX weights both.
 */
final class EngineForward {

  /** One package kind on one engine. */
  static final class Result {
    String task;
    String engine;
    int batch;
    long flopsPerImage;
    double callSeconds;
    double floorSeconds;
    double overFloor;

    /** The floor (the batch's forward FLOPs at {@code peakFlops}) and the call's time over it. */
    void floor(double peakFlops) {
      floorSeconds = batch * (double) flopsPerImage / peakFlops;
      overFloor = callSeconds / floorSeconds;
    }
  }

  /** Both engines for one kind, timed in alternating calls, and which is faster by more than the calls' spread. */
  static final class Comparison {
    String task;
    /** Alternating pairs of calls timed. */
    int pairs;
    double tensorflowSeconds;
    double onnxruntimeSeconds;
    /** TensorFlow's median time over ONNX Runtime's: above 1, ONNX Runtime is faster. */
    double tensorflowOverOnnxruntime;
    /** The smallest and the largest ratio of a TensorFlow call to the ONNX Runtime call beside it. */
    double lowestPairRatio;
    double highestPairRatio;
    /**
     * The faster engine when every pair of calls says so (a sign test: with 7 pairs, chance alone does it with probability
     * 2/128), else "neither".
     */
    String faster;
  }

  private EngineForward() {}

  /**
   * Each kind's package on both engines, the calls alternating (TensorFlow first in even rounds, ONNX Runtime first in odd
   * ones) so that a machine that speeds up or slows down during the part weighs on both alike.
   */
  static List<Result> run(int batch, int runs, double peakFlops, List<Comparison> comparisons, Logger log) throws Exception {
    Architecture arch = Architecture.RESNET50;
    int size = 224;
    List<Engine> engines = List.of(Engine.TENSORFLOW, Engine.ONNXRUNTIME);
    List<Result> out = new ArrayList<>();
    Path dir = Files.createTempDirectory("mflag-bench-engines");
    try {
      float[] x = new float[batch * size * size];
      Random r = new Random(1);
      for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() * 2 - 1;
      for (Task task : Task.values()) {
        Path pkg = dir.resolve(task.key());
        long flops;
        try (TaskGraph g = new TaskGraph(task, arch, size, task == Task.SEGMENTATION ? 1 : 3, false)) {
          g.load(g.parameters().initialValues(1), "seeded weights");
          TaskPackage.export(pkg, TaskPackage.Facts.of(task, arch, size).setDecision(0.5, 0.5, 0.5)
              .setClasses(task == Task.SEGMENTATION ? List.of("lung") : List.of("a", "b", "c"), false), g, new float[size * size], "bench");
          flops = FlopCount.of(List.of(g.output().op()), 1).total();
        }
        double[][] t = new double[engines.size()][runs];
        List<Inference> nets = new ArrayList<>();
        try {
          for (Engine engine : engines) nets.add(Inference.open(pkg, Job.of(task), InferenceOptions.DEFAULTS, null, engine));
          for (Inference net : nets) net.networkOutput(x, batch); // warm-up: graph optimised, buffers allocated
          for (int i = 0; i < runs; i++) {
            for (int k = 0; k < nets.size(); k++) {
              int e = (i + k) % nets.size();
              long t0 = System.nanoTime();
              nets.get(e).networkOutput(x, batch);
              t[e][i] = (System.nanoTime() - t0) / 1e9;
            }
          }
        } finally {
          for (Inference net : nets) net.close();
        }
        Result[] pair = new Result[engines.size()];
        for (int e = 0; e < engines.size(); e++) {
          Result res = new Result();
          res.task = task.key();
          res.engine = engines.get(e).key();
          res.batch = batch;
          res.flopsPerImage = flops;
          res.callSeconds = TrainStepBenchmark.median(t[e]);
          res.floor(peakFlops);
          out.add(res);
          pair[e] = res;
        }
        Comparison c = new Comparison();
        c.task = task.key();
        c.pairs = runs;
        c.tensorflowSeconds = pair[0].callSeconds;
        c.onnxruntimeSeconds = pair[1].callSeconds;
        c.tensorflowOverOnnxruntime = c.tensorflowSeconds / c.onnxruntimeSeconds;
        c.lowestPairRatio = Double.POSITIVE_INFINITY;
        c.highestPairRatio = 0;
        for (int i = 0; i < runs; i++) {
          c.lowestPairRatio = Math.min(c.lowestPairRatio, t[0][i] / t[1][i]);
          c.highestPairRatio = Math.max(c.highestPairRatio, t[0][i] / t[1][i]);
        }
        c.faster = c.lowestPairRatio > 1 ? "onnxruntime" : c.highestPairRatio < 1 ? "tensorflow" : "neither";
        comparisons.add(c);
        log.info(String.format(java.util.Locale.ROOT, "engines: %s forward (ResNet-50, 224 px, batch %d): TensorFlow %.3f s = %.2fx the floor,"
            + " ONNX Runtime %.3f s = %.2fx; TensorFlow/ONNX Runtime %.2f (pairs %.2f-%.2f): faster %s", task.key(), batch, pair[0].callSeconds,
            pair[0].overFloor, pair[1].callSeconds, pair[1].overFloor, c.tensorflowOverOnnxruntime, c.lowestPairRatio, c.highestPairRatio, c.faster));
      }
    } finally {
      Archives.deleteTree(dir);
    }
    return out;
  }

  /** Standalone: {@code EngineForward [batch] [runs]}, at TensorFlow's MatMul peak; prints the results as JSON. */
  public static void main(String[] args) throws Exception {
    int batch = args.length > 0 ? Integer.parseInt(args[0]) : 8, runs = args.length > 1 ? Integer.parseInt(args[1]) : 7;
    List<Comparison> c = new ArrayList<>();
    List<Result> r = run(batch, runs, MatMulPeak.flopsPerSecond(4096, 3), c, new org.scijava.log.StderrLogService());
    System.out.println(Benchmark.JSON.toJson(Map.of("forward", r, "comparison", c)));
  }
}
