package org.mflag.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mflag.nn.Architecture;
import org.mflag.nn.Precision;
import org.mflag.train.PretrainGraph;
import org.tensorflow.GraphOperation;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.RunMetadata;

/**
 * The pre-training step as {@code pretrain} runs it (encoder + both projectors fwd, M-FLAG loss, bwd,
 * AdamW update; NHWC, one TensorFlow graph), on random inputs of the given shape: median step time,
 * FLOPs counted exactly from the graph, and optionally where the time goes by operation type (one
 * traced step). Each configuration runs in its own JVM ({@link #inChildJvm}), so that its peak
 * resident memory is its own.
 */
final class TrainStepBenchmark {

  /** One configuration's figures. */
  static final class Result {
    String encoder;
    int batch;
    int imageSize;
    int steps;
    double firstStepSeconds;
    double stepSeconds;
    double imagesPerSecond;
    long flopsPerStep;
    double flopsPerSecond;
    double fractionOfPeak;
    long peakResidentBytes;
    /** fp32 or mixed (bfloat16 convolutions and matrix products). */
    String precision;
    /** Share of the traced step's summed operation time, by operation type, largest first. */
    Map<String, Double> timeShareByOp;
    /** Share of the FLOPs, by operation type. */
    Map<String, Double> flopShareByOp;
  }

  private TrainStepBenchmark() {}

  /** Arguments: encoder, batch, image size, timed steps, MatMul peak FLOP/s, profile (true/false)[, precision]. */
  public static void main(String[] args) {
    Result r = run(Architecture.fromKey(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
        Double.parseDouble(args[4]), Boolean.parseBoolean(args[5]), args.length > 6 ? Precision.fromKey(args[6]) : Precision.FP32);
    ChildJvm.reply(r);
  }

  static Result inChildJvm(Architecture arch, int batch, int size, int steps, double peakFlops, boolean profile) throws Exception {
    return inChildJvm(arch, batch, size, steps, peakFlops, profile, Precision.FP32);
  }

  /** The step in {@code precision} (fp32 or mixed), in its own JVM. */
  static Result inChildJvm(Architecture arch, int batch, int size, int steps, double peakFlops, boolean profile, Precision precision)
      throws Exception {
    return inChildJvm(arch, batch, size, steps, peakFlops, profile, precision, Map.of());
  }

  /** The same in a JVM whose environment adds {@code env} (TensorFlow's and glibc's settings are read at start). */
  static Result inChildJvm(Architecture arch, int batch, int size, int steps, double peakFlops, boolean profile, Precision precision,
      Map<String, String> env) throws Exception {
    return ChildJvm.run(TrainStepBenchmark.class, List.of(arch.key(), String.valueOf(batch), String.valueOf(size),
        String.valueOf(steps), String.valueOf(peakFlops), String.valueOf(profile), precision.key()), null, env, Result.class);
  }

  static Result run(Architecture arch, int batch, int size, int steps, double peakFlops, boolean profile, Precision precision) {
    Result r = new Result();
    r.precision = precision.key();
    r.encoder = arch.key();
    r.batch = batch;
    r.imageSize = size;
    r.steps = steps;
    try (PretrainGraph g = new PretrainGraph(PretrainGraph.Spec.of(arch, batch, size, 768).optPrecision(precision))) {
      g.parameters().assign(g.session(), g.parameters().initialValues(1), "init");
      FlopCount flops = FlopCount.of(g.stepRoots(), batch);
      r.flopsPerStep = flops.total();
      Random rnd = new Random(1);
      float[] x = new float[batch * size * size];
      float[] t = new float[batch * 768];
      for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
      for (int i = 0; i < t.length; i++) t[i] = (float) rnd.nextGaussian();
      long t0 = System.nanoTime();
      g.step(x, t, 1e-5f);
      r.firstStepSeconds = (System.nanoTime() - t0) / 1e9;
      double[] times = new double[steps];
      for (int i = 0; i < steps; i++) {
        long s0 = System.nanoTime();
        g.step(x, t, 1e-5f);
        times[i] = (System.nanoTime() - s0) / 1e9;
      }
      r.stepSeconds = median(times);
      r.imagesPerSecond = batch / r.stepSeconds;
      r.flopsPerSecond = r.flopsPerStep / r.stepSeconds;
      r.fractionOfPeak = r.flopsPerSecond / peakFlops;
      if (profile) {
        r.timeShareByOp = timeShares(g, g.tracedStep(x, t, 1e-5f));
        r.flopShareByOp = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : flops.byType().entrySet()) r.flopShareByOp.put(e.getKey(), (double) e.getValue() / r.flopsPerStep);
      }
    }
    r.peakResidentBytes = ProcessMemory.peakBytes();
    return r;
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  /** Summed operation time by type (oneDNN's rewritten ops keep their node names), top 10 and the rest. */
  private static Map<String, Double> timeShares(PretrainGraph g, RunMetadata meta) {
    Map<String, Double> micros = new HashMap<>();
    double total = 0;
    for (DeviceStepStats dev : meta.getStepStats().getDevStatsList()) {
      for (NodeExecStats n : dev.getNodeStatsList()) {
        double us = n.getOpEndRelMicros() - n.getOpStartRelMicros();
        if (us <= 0) continue;
        GraphOperation op = g.graph().operation(n.getNodeName());
        String type = op != null ? op.type() : label(n.getTimelineLabel());
        micros.merge(type, us, Double::sum);
        total += us;
      }
    }
    List<Map.Entry<String, Double>> sorted = new ArrayList<>(micros.entrySet());
    sorted.sort(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()));
    Map<String, Double> out = new LinkedHashMap<>();
    double rest = 0;
    for (int i = 0; i < sorted.size(); i++) {
      if (i < 10) out.put(sorted.get(i).getKey(), sorted.get(i).getValue() / total);
      else rest += sorted.get(i).getValue() / total;
    }
    if (rest > 0) out.put("other", rest);
    return out;
  }

  /** "name = Type(inputs)" -> Type. */
  private static String label(String timeline) {
    int eq = timeline.indexOf("= "), paren = timeline.indexOf('(', Math.max(eq, 0));
    return eq >= 0 && paren > eq ? timeline.substring(eq + 2, paren) : "unknown";
  }
}
