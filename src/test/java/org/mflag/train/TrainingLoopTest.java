package org.mflag.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.data.Manifest;
import org.mflag.io.NdArray;

/**
 * The loop's own contract, with a small TensorFlow-free {@link Trainable} (one weight, a quadratic loss,
 * batches that depend on the step): resume, cancel, max_steps, the non-finite guard, early stopping,
 * the data-wait figure and the refusal to overwrite a run. Pre-training and fine-tuning tests check
 * the same through the real networks.
 */
class TrainingLoopTest {

  /** Fits w to the mean of the batch values; the batch of step s holds (s mod 7) and a seed-free offset. */
  static final class Toy implements Trainable<float[]> {
    float w = 5f;
    int epochs = 3;
    long batchDelayMillis;
    float poisonAt = -1;
    int stopAfterEpoch = -1;
    final List<String> epochNotes = new ArrayList<>();
    int epochsSeen;
    Path exported;

    @Override
    public float[] batch(long step) throws InterruptedException {
      if (batchDelayMillis > 0) Thread.sleep(batchDelayMillis);
      return new float[] {step % 7, 1 + (step * 13) % 5};
    }

    @Override
    public int batchSize() {
      return 2;
    }

    @Override
    public int stepsPerEpoch() {
      return 4;
    }

    @Override
    public int epochs() {
      return epochs;
    }

    @Override
    public List<String> lossParts() {
      return List.of("a", "b");
    }

    @Override
    public double lr(long step) {
      return 0.1 / (1 + step);
    }

    @Override
    public float[] step(float[] batch, double lr) {
      float target = (batch[0] + batch[1]) / 2;
      float a = (w - target) * (w - target);
      float b = 0.5f * w * w * 0.01f;
      float loss = a + b;
      if (poisonAt >= 0 && batch[0] == poisonAt) loss = Float.NaN;
      w -= (float) lr * (2 * (w - target) + 0.01f * w);
      return new float[] {loss, a, b};
    }

    @Override
    public void initialise() {
      w = 5f;
    }

    @Override
    public Map<String, NdArray> snapshot() {
      return Map.of("w", new NdArray(new float[] {w}, 1));
    }

    @Override
    public void restore(Map<String, NdArray> arrays, String source) {
      w = arrays.get("w").data()[0];
    }

    @Override
    public void storeState(Properties p) {
      p.setProperty("epochs_seen", Integer.toString(epochsSeen));
    }

    @Override
    public void restoreState(Properties p) {
      epochsSeen = Integer.parseInt(p.getProperty("epochs_seen"));
    }

    @Override
    public String endEpoch(int epoch, double meanLoss) {
      epochsSeen++;
      epochNotes.add(epoch + ":" + meanLoss);
      return ", toy";
    }

    @Override
    public String stopReason() {
      return stopAfterEpoch > 0 && epochsSeen >= stopAfterEpoch ? "enough" : null;
    }

    @Override
    public String divergenceHint(double lr) {
      return "toy hint at lr " + lr;
    }

    @Override
    public Path export(long steps, float[] lastLoss, List<Double> epochLosses) throws java.io.IOException {
      exported = Files.createDirectories(Files.createTempDirectory("toy-export"));
      return exported;
    }
  }

  private static Manifest manifest(Path dir) throws Exception {
    Path csv = dir.resolve("m.csv");
    Files.write(csv, "id,image\n1,a.png\n".getBytes(StandardCharsets.UTF_8));
    return Manifest.read(csv, "id", "image");
  }

  private static TrainingLoop.Options options(Path out) {
    return TrainingLoop.Options.in(out, Map.of("lr", "0.1")).optLogEvery(100).optWorkers(2);
  }

  @Test
  void stoppedAtMaxStepsAndResumedEndsExactlyAsTheUninterruptedRun(@TempDir Path tmp) throws Exception {
    Manifest m = manifest(tmp);
    Toy whole = new Toy();
    TrainingResult all = new TrainingLoop(options(tmp.resolve("a")), TestData.log()).run(whole, m, new TrainingListener() {}, () -> false);
    assertEquals(TrainingResult.Outcome.COMPLETED, all.outcome);
    assertNotNull(whole.exported);

    Toy first = new Toy();
    TrainingResult stopped = new TrainingLoop(options(tmp.resolve("b")).optMaxSteps(5), TestData.log())
        .run(first, m, new TrainingListener() {}, () -> false);
    assertEquals(TrainingResult.Outcome.STOPPED, stopped.outcome);
    assertEquals(5, stopped.step);
    assertTrue(stopped.checkpoint.getFileName().toString().equals("ckpt-00000005.npz"), stopped.checkpoint.toString());

    Toy second = new Toy();
    second.w = -100; // must be replaced by the checkpoint's weight
    TrainingResult resumed = new TrainingLoop(options(tmp.resolve("b")).optResume(true), TestData.log())
        .run(second, m, new TrainingListener() {}, () -> false);
    assertEquals(TrainingResult.Outcome.COMPLETED, resumed.outcome);
    assertEquals(whole.w, second.w, 0f, "same weight, bit for bit");
    assertEquals(all.epochLosses, resumed.epochLosses, "same epoch losses, including the epoch cut by the stop");
    assertEquals(3, second.epochsSeen, "task state came back from the checkpoint");
  }

  @Test
  void cancelStopsBeforeTheNextBatchWithACheckpoint(@TempDir Path tmp) throws Exception {
    AtomicInteger batches = new AtomicInteger();
    TrainingListener count = new TrainingListener() {
      @Override
      public void onBatch(TrainingEvent e) {
        batches.incrementAndGet();
      }
    };
    TrainingResult r = new TrainingLoop(options(tmp.resolve("out")), TestData.log())
        .run(new Toy(), manifest(tmp), count, () -> batches.get() >= 3);
    assertEquals(TrainingResult.Outcome.STOPPED, r.outcome);
    assertEquals(3, r.step, "no step after the cancel");
    assertTrue(Files.isRegularFile(tmp.resolve("out.checkpoints/ckpt-00000003.npz")));
  }

  @Test
  void aNonFiniteLossStopsWithTheLastGoodCheckpointNamed(@TempDir Path tmp) throws Exception {
    Toy t = new Toy();
    t.poisonAt = 6; // step 6 is the first whose batch starts with 6, in epoch 2
    TrainingException e = assertThrows(TrainingException.class, () -> new TrainingLoop(options(tmp.resolve("out")), TestData.log())
        .run(t, manifest(tmp), new TrainingListener() {}, () -> false));
    assertTrue(e.getMessage().contains("loss became NaN at step 6 (epoch 2)"), e.getMessage());
    assertTrue(e.getMessage().contains("ckpt-00000004.npz") && e.getMessage().contains("toy hint"), e.getMessage());
  }

  @Test
  void earlyStoppingEndsTheRunAsCompleteAndIsNotUndoneByAResume(@TempDir Path tmp) throws Exception {
    Toy t = new Toy();
    t.epochs = 10;
    t.stopAfterEpoch = 2;
    TrainingResult r = new TrainingLoop(options(tmp.resolve("out")), TestData.log()).run(t, manifest(tmp), new TrainingListener() {},
        () -> false);
    assertEquals(TrainingResult.Outcome.COMPLETED, r.outcome);
    assertEquals(8, r.step, "stopped after epoch 2");
    assertEquals(List.of("1", "2"), t.epochNotes.stream().map(s -> s.split(":")[0]).collect(java.util.stream.Collectors.toList()));
    Toy again = new Toy();
    again.epochs = 10;
    again.stopAfterEpoch = 2;
    TrainingResult r2 = new TrainingLoop(options(tmp.resolve("out")).optResume(true), TestData.log())
        .run(again, manifest(tmp), new TrainingListener() {}, () -> false);
    assertEquals(8, r2.step, "a resume of an early-stopped run trains no further");
  }

  @Test
  void aSlowLoaderShowsAsDataWaitAndEventsCarryTheLossParts(@TempDir Path tmp) throws Exception {
    Toy t = new Toy();
    t.epochs = 2;
    t.batchDelayMillis = 60;
    List<TrainingEvent> events = new ArrayList<>();
    new TrainingLoop(options(tmp.resolve("out")).optWorkers(1), TestData.log()).run(t, manifest(tmp), new TrainingListener() {
      @Override
      public void onBatch(TrainingEvent e) {
        events.add(e);
      }
    }, () -> false);
    TrainingEvent last = events.get(events.size() - 1);
    assertTrue(last.dataWait > 0.5, "the step waited for data most of the time: " + last.dataWait);
    assertEquals(List.of("a", "b"), new ArrayList<>(last.parts.keySet()));
    assertTrue(last.describe().contains("(a ") && last.describe().contains("data wait"), last.describe());
  }

  @Test
  void aRunIsNeverOverwrittenAndAResumeMustMatchItsKeys(@TempDir Path tmp) throws Exception {
    Manifest m = manifest(tmp);
    new TrainingLoop(options(tmp.resolve("out")).optMaxSteps(2), TestData.log()).run(new Toy(), m, new TrainingListener() {}, () -> false);
    TrainingException again = assertThrows(TrainingException.class, () -> new TrainingLoop(options(tmp.resolve("out")), TestData.log()));
    assertTrue(again.getMessage().contains("resume=true"), again.getMessage());
    TrainingLoop other = new TrainingLoop(TrainingLoop.Options.in(tmp.resolve("out"), Map.of("lr", "0.2")).optResume(true), TestData.log());
    TrainingException differs = assertThrows(TrainingException.class,
        () -> other.run(new Toy(), m, new TrainingListener() {}, () -> false));
    assertTrue(differs.getMessage().contains("lr was 0.1, now 0.2"), differs.getMessage());
  }

  /** A checkpoint written before a key existed resumes when the run gives that key its default, and only then. */
  @Test
  void aKeyNewerThanTheCheckpointMatchesAtItsDefault(@TempDir Path tmp) throws Exception {
    Manifest m = manifest(tmp);
    new TrainingLoop(options(tmp.resolve("out")).optMaxSteps(2), TestData.log()).run(new Toy(), m, new TrainingListener() {}, () -> false);
    List<org.mflag.config.Key> keys = List.of(TrainingKeys.PRECISION);
    TrainingResult r = new TrainingLoop(TrainingLoop.Options.in(tmp.resolve("out"), Map.of("lr", "0.1", "precision", "fp32"))
        .optDeclarations(keys).optResume(true), TestData.log()).run(new Toy(), m, new TrainingListener() {}, () -> false);
    assertEquals(TrainingResult.Outcome.COMPLETED, r.outcome);
    Path other = tmp.resolve("other");
    new TrainingLoop(options(other).optMaxSteps(2), TestData.log()).run(new Toy(), m, new TrainingListener() {}, () -> false);
    TrainingLoop mixed = new TrainingLoop(TrainingLoop.Options.in(other, Map.of("lr", "0.1", "precision", "mixed"))
        .optDeclarations(keys).optResume(true), TestData.log());
    TrainingException e = assertThrows(TrainingException.class, () -> mixed.run(new Toy(), m, new TrainingListener() {}, () -> false));
    assertTrue(e.getMessage().contains("precision was null, now mixed"), e.getMessage());
  }
}
