package org.mflag.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.config.KeyValues;
import org.mflag.config.Task;
import org.mflag.data.DataConfig;
import org.mflag.data.Manifest;
import org.mflag.data.Split;
import org.mflag.data.Splits;
import org.mflag.data.TaskData;
import org.mflag.data.TaskDataset;
import org.mflag.data.TaskDataset.Sample;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.model.ModelPackage;
import org.mflag.nn.Architecture;
import org.mflag.nn.YoloHead;

/**
 * A head trained on cached features is the head that fine-tuning trains with the encoder frozen: the
 * same data, order, initialisation, loss and optimiser, only without running the encoder at every step.
 * Detection is the task without augmentation, so the two must agree weight for weight.
 */
class HeadOnFeaturesTest {

  @TempDir
  Path tmp;

  @Test
  void cachedDetectionHeadEqualsTheFrozenFineTunedOne() throws Exception {
    String boxes = TestData.manifest().resolveSibling("lung-boxes.json").toString();
    Path out = TestData.smallFinetune(Task.DETECTION, tmp.resolve("finetuned"), "boxes", boxes, "epochs", "1", "seed", "3",
        "freeze_encoder", "true");
    Map<String, float[]> finetuned = ModelPackage.open(out).weights();

    KeyValues kv = KeyValues.parse("finetune-detector", FinetuneConfig.keys(Task.DETECTION),
        List.of("manifest=" + TestData.manifest(), "boxes=" + boxes, "encoder_model=random", "output=" + tmp.resolve("unused")));
    Manifest m = Manifest.read(TestData.manifest(), "id", "image");
    TaskData data = TaskData.of(Task.DETECTION, DataConfig.of(kv), m, 64, null);
    TaskDataset ds = TaskDataset.open(m, Splits.assign(m, "split", "", 0.15, 0.15, 3), List.of(Split.TRAIN, Split.VAL, Split.TEST),
        data.options, new ImageFileDecoder(), TestData.log());
    List<Sample> all = new ArrayList<>(ds.samples());
    all.addAll(ds.of(Split.TEST));
    int maxBoxes = 1;
    for (Sample s : ds.samples()) maxBoxes = Math.max(maxBoxes, s.boxes.size());
    FrozenFeatures.Encoder enc = FrozenFeatures.Encoder.of("random", "random", Architecture.RESNET18, TestData.cacheDir(), 3);
    FrozenFeatures f = FrozenFeatures.compute(enc, Task.DETECTION, 64, all, TestData.log(), () -> false);
    HeadOnFeatures.Settings s = new HeadOnFeatures.Settings(8, 1, 1, 10, FinetuneConfig.defaultLr(Task.DETECTION, 1.0),
        FinetuneConfig.defaultWeightDecay(Task.DETECTION), 3, org.mflag.infer.Scorer.Decision.defaults());
    HeadOnFeatures.Problem problem = new HeadOnFeatures.Problem(Task.DETECTION, Architecture.RESNET18, 64, data, f, ds.of(Split.TRAIN),
        ds.of(Split.VAL), ds.of(Split.TEST), maxBoxes);
    List<TrainingEvent> batches = new ArrayList<>();
    List<TrainingEvent> epochs = new ArrayList<>();
    List<TrainingResult> ends = new ArrayList<>();
    TrainingListener listener = new TrainingListener() {
      @Override
      public void onBatch(TrainingEvent e) {
        batches.add(e);
      }

      @Override
      public void onEpoch(TrainingEvent e) {
        epochs.add(e);
      }

      @Override
      public void onEnd(TrainingResult r) {
        ends.add(r);
      }
    };
    HeadOnFeatures.Outcome o = HeadOnFeatures.run(problem, s, listener, TestData.log(), () -> false).orElseThrow();
    assertEquals(o.steps, batches.size(), "the listener sees every step, as in every other training");
    assertEquals(1, epochs.size(), "and the scoring at the last step");
    assertEquals(TrainingResult.Outcome.COMPLETED, ends.get(0).outcome);
    assertEquals(ds.of(Split.TRAIN).size() / 8, o.steps, "one pass of whole batches");
    assertEquals(ds.of(Split.TEST).size() * (long) new org.mflag.nn.YoloLayout(64).count * 7, o.test.length);

    // Adam divides each gradient by its own running RMS, so a weight whose gradient is close to zero moves by up to a
    // whole learning-rate step on fp32 rounding: two graphs that sum the same products in another order (features
    // computed inside the fine-tuning graph, or read back from the cache) may differ there by a fraction of a step per
    // weight (up to 0.4 of one on an AMD EPYC family 25, with either TensorFlow build). So each weight must agree
    // within one step, and each tensor as a whole: its difference under 5% of how far training moved it.
    double lr = FinetuneConfig.defaultLr(Task.DETECTION, 1.0);
    double stepTolerance = lr * o.steps;
    HeadOnFeatures.Outcome untrained = HeadOnFeatures.run(problem, s.withLr(1e-12) /* the same run without learning: the initial head */, new TrainingListener() {}, TestData.log(), () -> false).orElseThrow();
    int compared = 0;
    double moved = 0;
    for (Map.Entry<String, float[]> e : o.head.entrySet()) {
      if (!e.getKey().startsWith(YoloHead.PREFIX)) continue;
      float[] want = finetuned.get(e.getKey());
      float[] before = untrained.head.get(e.getKey());
      assertEquals(want.length, e.getValue().length, e.getKey());
      double diff2 = 0, moved2 = 0;
      for (int i = 0; i < want.length; i++) {
        assertEquals(want[i], e.getValue()[i], 2e-5 + 1e-3 * Math.abs(want[i]) + stepTolerance, e.getKey() + "[" + i + "]");
        moved = Math.max(moved, Math.abs(e.getValue()[i] - before[i]));
        diff2 += (double) (want[i] - e.getValue()[i]) * (want[i] - e.getValue()[i]);
        moved2 += (double) (want[i] - before[i]) * (want[i] - before[i]);
      }
      assertTrue(Math.sqrt(diff2) <= 0.05 * Math.sqrt(moved2) + 1e-6 * Math.sqrt(want.length), e.getKey() + ": the two heads differ by "
          + Math.sqrt(diff2) + ", training moved it by " + Math.sqrt(moved2));
      compared++;
    }
    assertTrue(moved > 1e-4, "training moved the head by " + moved);
    assertTrue(compared > 20, compared + " head tensors compared");

    // cancelled after two steps: the loop ends the run as stopped (no exception), and nothing is returned
    int[] polls = {0};
    ends.clear();
    batches.clear();
    java.util.Optional<HeadOnFeatures.Outcome> cancelled = HeadOnFeatures.run(problem, s.withMinSteps(30), listener, TestData.log(), () -> polls[0]++ >= 2);
    assertTrue(cancelled.isEmpty());
    assertEquals(2, batches.size());
    assertEquals(TrainingResult.Outcome.STOPPED, ends.get(0).outcome);
  }
}
