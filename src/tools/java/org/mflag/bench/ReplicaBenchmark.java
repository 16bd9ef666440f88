package org.mflag.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.mflag.nn.Architecture;
import org.mflag.nn.Parameters;
import org.mflag.runtime.Devices;
import org.mflag.train.PretrainGraph;

/**
 * The several-device pre-training step on two logical CPU devices against the one-device step, in one
 * run: seconds per step of each (the two devices share the same cores, so this is the cost of the
 * replicated graph, not a speed-up), and how far the two-device step is from the one-device step on a
 * batch whose halves are the same images (each shard then has the whole batch's statistics, so the
 * per-shard batch norm of the replicas and one device's batch norm agree): the loss, and the gradients
 * read from AdamW's first moment after one step.
 */
final class ReplicaBenchmark {

  /** What one run measured. */
  static final class Result {
    String network;
    int batch;
    int imageSize;
    int devices;
    double oneDeviceSeconds;
    double replicatedSeconds;
    double lossRelativeDifference;
    double gradientRelativeDifference;
  }

  private ReplicaBenchmark() {}

  static Result run(Architecture arch, int batch, int size, int steps) {
    Result r = new Result();
    r.network = arch.key();
    r.batch = batch;
    r.imageSize = size;
    r.devices = 2;
    float[][] b = duplicatedBatch(batch, size, 768);
    float[] one;
    Map<String, float[]> mOne;
    try (PretrainGraph g = graph(arch, batch, size, Devices.Plan.cpu("bench"))) {
      one = g.step(b[0], b[1], 1e-4f);
      mOne = g.parameters().read(g.session(), Parameters.Kind.OPTIMIZER);
      r.oneDeviceSeconds = median(g, b, steps);
    }
    float[] two;
    Map<String, float[]> mTwo;
    try (PretrainGraph g = graph(arch, batch, size, Devices.Plan.logicalCpus(2))) {
      two = g.step(b[0], b[1], 1e-4f);
      mTwo = g.parameters().read(g.session(), Parameters.Kind.OPTIMIZER);
      r.replicatedSeconds = median(g, b, steps);
    }
    for (int i = 0; i < 3; i++) r.lossRelativeDifference = Math.max(r.lossRelativeDifference, Math.abs(one[i] - two[i]) / Math.abs(one[i]));
    for (Map.Entry<String, float[]> e : mOne.entrySet()) {
      String name = e.getKey();
      if (!name.startsWith("optimizer.m.") || name.endsWith("projector.0.bias")) continue; // cancelled by batch norm: no gradient
      float[] x = e.getValue(), y = mTwo.get(name);
      double dd = 0, nn = 0;
      for (int i = 0; i < x.length; i++) {
        dd += (x[i] - y[i]) * (double) (x[i] - y[i]);
        nn += x[i] * (double) x[i];
      }
      r.gradientRelativeDifference = Math.max(r.gradientRelativeDifference, Math.sqrt(dd / nn));
    }
    return r;
  }

  private static PretrainGraph graph(Architecture arch, int batch, int size, Devices.Plan plan) {
    PretrainGraph g = new PretrainGraph(PretrainGraph.Spec.of(arch, batch, size, 768).optDevices(plan));
    g.parameters().assign(g.session(), g.parameters().initialValues(1), "bench");
    return g;
  }

  /** Median seconds per step over {@code steps} steps after the first. */
  private static double median(PretrainGraph g, float[][] b, int steps) {
    List<Double> t = new ArrayList<>();
    for (int i = 0; i < steps; i++) {
      long t0 = System.nanoTime();
      g.step(b[0], b[1], 1e-4f);
      t.add((System.nanoTime() - t0) / 1e9);
    }
    Collections.sort(t);
    return t.get(t.size() / 2);
  }

  /** Images and text embeddings whose second half repeats the first. */
  static float[][] duplicatedBatch(int batch, int size, int textDim) {
    SplittableRandom r = new SplittableRandom(11);
    int half = batch / 2;
    float[] images = new float[batch * size * size];
    float[] text = new float[batch * textDim];
    for (int i = 0; i < half * size * size; i++) images[i] = (float) (r.nextDouble() * 2 - 1);
    for (int i = 0; i < half * textDim; i++) text[i] = (float) (r.nextDouble() * 2 - 1);
    System.arraycopy(images, 0, images, half * size * size, half * size * size);
    System.arraycopy(text, 0, text, half * textDim, half * textDim);
    return new float[][] {images, text};
  }
}
