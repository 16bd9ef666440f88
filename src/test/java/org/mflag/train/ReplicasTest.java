package org.mflag.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.nn.Architecture;
import org.mflag.nn.Parameters;
import org.mflag.runtime.Devices;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.RunMetadata;

/**
 * Several devices in one run, on this CPU-only machine: TensorFlow splits the CPU into two logical devices
 * and the pre-training step runs one replica on each. The trace shows each replica's forward and gradient
 * ops on its own device, and the step equals the one-device step on the same batch.
 */
class ReplicasTest {

  private static final int BATCH = 4;
  private static final int SIZE = 64;
  private static final int TEXT = 16;
  /** A trace label of a convolution or batch-norm gradient kernel ("x = _MklConv2DBackpropFilter(...)"). */
  private static final java.util.regex.Pattern GRADIENT_KERNEL =
      java.util.regex.Pattern.compile("= \\w*(Conv2DBackpropInput|Conv2DBackpropFilter|FusedBatchNormGrad)\\w*\\(");

  /**
   * A batch whose two halves are the same two images (a, b, a, b): each replica's shard then has the batch
   * statistics of the whole batch, so the replicas' per-shard batch norm and one device's full-batch batch
   * norm normalise alike, and the steps must agree (up to the order of float sums).
   */
  private static float[][] batch() {
    SplittableRandom r = new SplittableRandom(7);
    int px = SIZE * SIZE;
    float[] images = new float[BATCH * px];
    float[] text = new float[BATCH * TEXT];
    for (int i = 0; i < 2 * px; i++) images[i] = (float) (r.nextDouble() * 2 - 1);
    System.arraycopy(images, 0, images, 2 * px, 2 * px);
    for (int i = 0; i < 2 * TEXT; i++) text[i] = (float) (r.nextDouble() * 2 - 1);
    System.arraycopy(text, 0, text, 2 * TEXT, 2 * TEXT);
    return new float[][] {images, text};
  }

  private static PretrainGraph graph(Devices.Plan plan) {
    PretrainGraph g = new PretrainGraph(PretrainGraph.Spec.of(Architecture.RESNET18, BATCH, SIZE, TEXT).optDevices(plan));
    g.parameters().assign(g.session(), g.parameters().initialValues(3), "test");
    return g;
  }

  @Test
  void twoReplicasRunOnTheirOwnDevicesAndStepAsOneDevice() {
    float[][] b = batch();
    float[] one;
    Map<String, float[]> afterOne;
    try (PretrainGraph g = graph(Devices.Plan.cpu("test"))) {
      one = g.step(b[0], b[1], 1e-3f);
      afterOne = g.parameters().read(g.session(), Parameters.Kind.OPTIMIZER);
    }
    float[] two;
    Map<String, float[]> afterTwo;
    RunMetadata trace;
    try (PretrainGraph g = graph(Devices.Plan.logicalCpus(2))) {
      two = g.step(b[0], b[1], 1e-3f);
      afterTwo = g.parameters().read(g.session(), Parameters.Kind.OPTIMIZER);
      trace = g.tracedStep(b[0], b[1], 1e-3f);
    }
    // the loss and its parts: relative 1e-4 (float sums in another order, per-shard vs whole-batch reductions)
    for (int i = 0; i < 3; i++) assertEquals(one[i], two[i], 1e-4 * Math.abs(one[i]) + 1e-6, "loss part " + i);
    // The gradient of every trainable variable, as AdamW's first moment after one step (m = 0.1 g); the weights
    // themselves are no test: AdamW's first step moves each by about lr times the sign of its gradient, which flips
    // for gradients that are zero up to rounding. Seen: relative differences up to 3e-3 (the image projector, after
    // two batch norms); allowed: 1e-2 of the tensor's norm and of its largest value. The biases in front of a batch
    // norm are left out: batch norm cancels them, their gradient is rounding noise on both sides.
    assertEquals(afterOne.keySet(), afterTwo.keySet());
    int compared = 0;
    for (Map.Entry<String, float[]> e : afterOne.entrySet()) {
      String name = e.getKey();
      if (!name.startsWith("optimizer.m.") || name.endsWith("projector.0.bias")) continue;
      float[] x = e.getValue(), y = afterTwo.get(name);
      double dd = 0, nn = 0, worst = 0, scale = 0;
      for (float v : x) scale = Math.max(scale, Math.abs(v));
      for (int i = 0; i < x.length; i++) {
        dd += (x[i] - y[i]) * (double) (x[i] - y[i]);
        nn += x[i] * (double) x[i];
        worst = Math.max(worst, Math.abs(x[i] - y[i]) / scale);
      }
      assertTrue(Math.sqrt(dd / nn) < 1e-2 && worst < 1e-2, name + ": relative difference " + Math.sqrt(dd / nn) + ", worst " + worst);
      compared++;
    }
    assertTrue(compared > 60, compared + " gradients compared");
    assertPlacement(trace);
  }

  /** A run stopped on two devices resumes on one (and the checkpoint holds the same variables either way). */
  @Tag("slow")
  @Test
  void aRunStoppedOnTwoDevicesResumesOnOne(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("out");
    TrainingResult first = new Pretrainer(TestData.smallRun(out).optEpochs(1).optMaxSteps(3).optDevice("cpu:2").build(), new ImageFileDecoder(),
        TestData.log()).run(new TrainingListener() {}, () -> false);
    assertEquals(TrainingResult.Outcome.STOPPED, first.outcome);
    assertEquals(3, first.step);
    List<Double> losses = new ArrayList<>();
    TrainingResult second = new Pretrainer(TestData.smallRun(out).optEpochs(1).optResume(true).optDevice("cpu").build(),
        new ImageFileDecoder(), TestData.log()).run(new TrainingListener() {
          @Override
          public void onBatch(TrainingEvent e) {
            losses.add(e.loss);
          }
        }, () -> false);
    assertEquals(TrainingResult.Outcome.COMPLETED, second.outcome);
    assertEquals(List.of(4L, 5L, 6L).size(), losses.size(), "steps 4 to 6 ran after the resume");
    for (double l : losses) assertTrue(Double.isFinite(l) && l > 0, "loss " + l);
    assertTrue(Files.isRegularFile(out.resolve("rdf.yaml")), "the package was written");
  }

  /**
   * Replica k's forward ops (scope {@code replica<k>}) ran on CPU:k, and the encoder's backward pass is split
   * between the devices: each runs about half of the convolution input and filter gradients and batch-norm
   * gradients (the 2 x 20 convolutions of two ResNet-18s), which would all be on CPU:0 if the gradient ops
   * kept TensorFlow's default placement.
   */
  private static void assertPlacement(RunMetadata trace) {
    List<String> misplaced = new ArrayList<>();
    int[] forward = new int[2];
    int[] backward = new int[2];
    for (DeviceStepStats d : trace.getStepStats().getDevStatsList()) {
      int device = d.getDevice().endsWith("CPU:1") ? 1 : d.getDevice().endsWith("CPU:0") ? 0 : -1;
      if (device < 0) continue;
      for (NodeExecStats n : d.getNodeStatsList()) {
        String name = n.getNodeName();
        if (name.matches(".*/_\\d+$")) continue; // _Send/_Recv of a tensor between the devices
        int k = ReplicaPlacement.replicaOf(name);
        if (k >= 0) {
          if (k != device) misplaced.add(name + " of replica " + k + " ran on " + d.getDevice());
          forward[device]++;
        }
        if (GRADIENT_KERNEL.matcher(n.getTimelineLabel()).find()) backward[device]++;
      }
    }
    assertTrue(misplaced.isEmpty(), "misplaced: " + misplaced.subList(0, Math.min(10, misplaced.size())));
    for (int k = 0; k < 2; k++) {
      assertTrue(forward[k] > 50, "CPU:" + k + " ran " + forward[k] + " forward ops of its replica");
      assertTrue(backward[k] >= 50, "CPU:" + k + " ran " + backward[k] + " convolution and batch-norm gradients: " + backward[0] + " vs "
          + backward[1]);
    }
  }
}
