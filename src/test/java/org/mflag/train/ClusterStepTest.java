package org.mflag.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.mflag.nn.Architecture;
import org.mflag.nn.Parameters;
import org.mflag.runtime.Cluster;
import org.mflag.runtime.Devices;

/**
 * Pre-training across processes, at the level of the step: two tasks of a cluster (two TensorFlow servers on
 * 127.0.0.1, here in one JVM, each with its own graph and session) each run the encoder on half the batch and meet in
 * collective ops. Their steps equal the two-replica step of one process on the whole batch (the same per-half batch
 * norm), and both tasks keep identical weights.
 */
class ClusterStepTest {

  private static final int BATCH = 4;
  private static final int SIZE = 64;
  private static final int TEXT = 16;
  private static final int STEPS = 3;

  private static float[][] batch(int step) {
    SplittableRandom r = new SplittableRandom(100 + step);
    float[] images = new float[BATCH * SIZE * SIZE];
    float[] text = new float[BATCH * TEXT];
    for (int i = 0; i < images.length; i++) images[i] = (float) (r.nextDouble() * 2 - 1);
    for (int i = 0; i < text.length; i++) text[i] = (float) (r.nextDouble() * 2 - 1);
    return new float[][] {images, text};
  }

  /** What a run ends with: the loss of every step, the first moments after step 1, and the final variables. */
  private static final class Run {
    List<float[]> losses = new ArrayList<>();
    Map<String, float[]> firstMoments;
    Map<String, float[]> weights;
    Map<String, float[]> statistics;
  }

  private static Run run(PretrainGraph.Spec spec, int rank, int tasks) {
    Run out = new Run();
    try (PretrainGraph g = new PretrainGraph(spec)) {
      g.parameters().assign(g.session(), g.parameters().initialValues(3), "test");
      int rows = BATCH / tasks;
      for (int s = 0; s < STEPS; s++) {
        float[][] b = batch(s);
        float[] mine = Arrays.copyOfRange(b[0], rank * rows * SIZE * SIZE, (rank + 1) * rows * SIZE * SIZE);
        out.losses.add(g.step(mine, b[1], 1e-3f));
        if (s == 0) out.firstMoments = g.parameters().read(g.session(), Parameters.Kind.OPTIMIZER);
      }
      out.weights = g.parameters().read(g.session(), Parameters.Kind.TRAINABLE);
      out.statistics = g.parameters().read(g.session(), Parameters.Kind.BUFFER);
    }
    return out;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void twoTasksStepAsOneProcessWithTwoReplicasAndStayEqual() throws Exception {
    Run reference = run(PretrainGraph.Spec.of(Architecture.RESNET18, BATCH, SIZE, TEXT).optDevices(Devices.Plan.logicalCpus(2)), 0, 1);
    List<String> addresses = List.of("127.0.0.1:" + freePort(), "127.0.0.1:" + freePort());
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Future<Run>> tasks = new ArrayList<>();
    for (int rank = 0; rank < 2; rank++) {
      int r = rank;
      tasks.add(pool.submit(() -> run(PretrainGraph.Spec.of(Architecture.RESNET18, BATCH, SIZE, TEXT).optDevices(Devices.Plan.cpu("test"))
          .optCluster(new Cluster(addresses, r), 120), r, 2)));
    }
    Run zero = tasks.get(0).get();
    Run one = tasks.get(1).get();
    pool.shutdown();
    for (int s = 0; s < STEPS; s++) {
      assertArrayEquals(zero.losses.get(s), one.losses.get(s), "step " + (s + 1) + ": both tasks compute the whole batch's loss");
      for (int i = 0; i < 3; i++) {
        float ref = reference.losses.get(s)[i];
        assertEquals(ref, zero.losses.get(s)[i], 1e-4 * Math.abs(ref) + 1e-6, "step " + (s + 1) + " loss part " + i + " as one process");
      }
    }
    // After one step AdamW's first moment is 0.1 g: the gradients of every parameter against the one-process step's
    // (seen: identical; the tasks' partial encoder gradients are summed in the same order as the replicas' are).
    double worst = 0;
    String where = "";
    for (Map.Entry<String, float[]> e : reference.firstMoments.entrySet()) {
      if (!e.getKey().startsWith("optimizer.m.")) continue;
      float[] a = e.getValue();
      float[] b = zero.firstMoments.get(e.getKey());
      double num = 0;
      double den = 0;
      for (int i = 0; i < a.length; i++) {
        num += (a[i] - b[i]) * (double) (a[i] - b[i]);
        den += a[i] * (double) a[i];
      }
      double d = den < 1e-12 ? Math.sqrt(num) : Math.sqrt(num / den);
      if (d > worst) {
        worst = d;
        where = e.getKey();
      }
    }
    assertTrue(worst < 1e-2, "gradient of " + where + " differs from one process's by " + worst + " (relative)");
    for (Map.Entry<String, float[]> e : zero.weights.entrySet()) {
      assertArrayEquals(e.getValue(), one.weights.get(e.getKey()), e.getKey() + ": the tasks' copies stay equal");
    }
    for (Map.Entry<String, float[]> e : zero.statistics.entrySet()) {
      assertArrayEquals(e.getValue(), one.statistics.get(e.getKey()), e.getKey() + ": batch-norm averages of the whole batch");
      float[] ref = reference.statistics.get(e.getKey());
      for (int i = 0; i < ref.length; i++) assertEquals(ref[i], e.getValue()[i], 1e-3 * Math.abs(ref[i]) + 1e-5, e.getKey() + "[" + i + "]");
    }
  }
}
