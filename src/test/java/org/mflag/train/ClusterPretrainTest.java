package org.mflag.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.cli.Main;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.model.ModelPackage;

/**
 * {@code pretrain} across two processes: two child JVMs on 127.0.0.1, each a task of a cluster (its own TensorFlow
 * server), pre-train the samples together. They end with the same weights (their logs show one fingerprint), equal to
 * one JVM training the whole batch on two devices; task 0 alone writes. When one task is killed the other stops with a
 * message instead of hanging, and both started again with {@code resume=true} finish the run as if nothing happened.
 */
@Tag("slow")
class ClusterPretrainTest {

  private static final Pattern FINGERPRINT = Pattern.compile("rank (\\d) weights sha256 ([0-9a-f]{64}) after step (\\d+)");

  @TempDir
  static Path tmp;
  static Map<String, float[]> reference;

  /** One JVM, the whole batch of 8 on two logical CPU devices (per-half batch norm, as two tasks have), 12 steps. */
  @BeforeAll
  static void oneProcess() throws Exception {
    TrainingResult r = new Pretrainer(TestData.smallRun(tmp.resolve("one")).optDevice("cpu:2").build(), new ImageFileDecoder(),
        TestData.log()).run(new TrainingListener() {}, () -> false);
    assertEquals(TrainingResult.Outcome.COMPLETED, r.outcome);
    reference = ModelPackage.open(tmp.resolve("one")).weights();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** {@code ./mflag pretrain} as task {@code rank}, with the keys of {@link TestData#smallRun} and {@code extra}. */
  private static Process task(int rank, String cluster, Path output, Path log, String... extra) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("pretrain",
        "manifest=" + TestData.manifest().toAbsolutePath(), "output=" + output, "encoder=resnet18", "image_size=64", "batch_size=8",
        "epochs=2", "seed=1", "workers=2", "log_every=1", "cache_dir=" + TestData.cacheDir(), "device=cpu", "cluster=" + cluster,
        "rank=" + rank));
    cmd.addAll(List.of(extra));
    return new ProcessBuilder(TestData.java(List.of("-Xmx2g", "-Djava.awt.headless=true"), Main.class, cmd)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static String cluster() throws IOException {
    return "127.0.0.1:" + freePort() + ",127.0.0.1:" + freePort();
  }

  /** Starts both tasks, waits for both, and returns their weight fingerprints (rank 0's, rank 1's). */
  private static String[] both(String cluster, Path output, String name, String... extra) throws Exception {
    Process[] p = new Process[2];
    Path[] logs = new Path[2];
    for (int r = 0; r < 2; r++) {
      logs[r] = tmp.resolve(name + "-" + r + ".log");
      p[r] = task(r, cluster, output, logs[r], extra);
    }
    String[] prints = new String[2];
    for (int r = 0; r < 2; r++) {
      assertTrue(p[r].waitFor(5, TimeUnit.MINUTES), "rank " + r + " finished");
      String log = Files.readString(logs[r]);
      assertEquals(0, p[r].exitValue(), "rank " + r + " exit code; its log:\n" + log);
      Matcher m = FINGERPRINT.matcher(log);
      assertTrue(m.find(), "rank " + r + " logs its weights' fingerprint:\n" + log);
      assertEquals("12", m.group(3));
      prints[r] = m.group(2);
    }
    return prints;
  }

  private static void assertWeightsAsOneProcess(Path output) throws Exception {
    Map<String, float[]> w = ModelPackage.open(output).weights();
    assertEquals(reference.keySet(), w.keySet());
    for (Map.Entry<String, float[]> e : reference.entrySet()) {
      float[] a = e.getValue();
      float[] b = w.get(e.getKey());
      for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-4 * Math.abs(a[i]) + 1e-6, e.getKey() + "[" + i + "]");
    }
  }

  @Test
  void twoProcessesTrainAsOneAndOnlyTaskZeroWrites() throws Exception {
    Path out = tmp.resolve("cluster");
    String[] prints = both(cluster(), out, "together");
    assertEquals(prints[0], prints[1], "both tasks end with the same weights");
    assertWeightsAsOneProcess(out);
    try (java.util.stream.Stream<Path> files = Files.list(TrainingLoop.checkpointDir(out))) {
      assertTrue(files.count() > 0, "task 0 wrote checkpoints");
    }
  }

  @Test
  void aKilledTaskStopsTheOtherAndBothResume() throws Exception {
    Path out = tmp.resolve("killed");
    String cluster = cluster();
    Path log0 = tmp.resolve("killed-0.log");
    Process zero = task(0, cluster, out, log0, "checkpoint_every=2", "cluster_timeout=20");
    Process one = task(1, cluster, out, tmp.resolve("killed-1.log"), "checkpoint_every=2", "cluster_timeout=20");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
    while (!Files.readString(log0).contains("step 5/12") && System.nanoTime() < deadline && zero.isAlive()) Thread.sleep(100);
    assertTrue(zero.isAlive(), "rank 0 runs until step 5:\n" + Files.readString(log0));
    one.destroyForcibly().waitFor();
    assertTrue(zero.waitFor(2, TimeUnit.MINUTES), "rank 0 stops instead of waiting forever for the killed task");
    String log = Files.readString(log0);
    assertEquals(1, zero.exitValue(), log);
    assertTrue(log.contains("could not complete a step with the other tasks within cluster_timeout=20 s")
        && log.contains("resume=true"), "rank 0 says what happened and what to do:\n" + log);

    String[] prints = both(cluster(), out, "resumed", "checkpoint_every=2", "resume=true");
    assertTrue(Files.readString(tmp.resolve("resumed-1.log")).contains("resuming from checkpoint"), "rank 1 resumed too");
    assertEquals(prints[0], prints[1], "both tasks end with the same weights");
    assertWeightsAsOneProcess(out);
  }
}
