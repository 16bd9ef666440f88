package org.mflag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.io.NdArray;
import org.mflag.train.Checkpoints;

/**
 * The launcher killed with SIGKILL in the middle of a run, then the same command with resume=true:
 * the run finishes with the weights of an uninterrupted run.
 */
@Tag("slow")
class KillResumeTest {

  private static List<String> args(Path out, String... extra) {
    List<String> a = new ArrayList<>(List.of("pretrain", "manifest=" + TestData.manifest(), "output=" + out,
        "encoder=resnet18", "image_size=64", "batch_size=8", "epochs=2", "seed=1", "checkpoint_every=1",
        "cache_dir=" + TestData.cacheDir()));
    a.addAll(List.of(extra));
    return a;
  }

  @Test
  void killedLauncherResumesToTheUninterruptedResult(@TempDir Path tmp) throws Exception {
    Path killed = tmp.resolve("killed"), whole = tmp.resolve("whole");
    assertEquals(0, Main.run(args(whole).toArray(new String[0])));

    List<String> cmd = TestData.java(List.of("-Djava.awt.headless=true"), Main.class, args(killed));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("killed.log").toFile());
    Process p = pb.start();
    Path ckpts = org.mflag.train.TrainingLoop.checkpointDir(killed);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (new Checkpoints(ckpts, 2).list().stream().noneMatch(f -> f.getFileName().toString().equals("ckpt-00000003.npz"))) {
      assertTrue(p.isAlive(), "launcher ended before its third checkpoint: " + Files.readString(tmp.resolve("killed.log")));
      assertTrue(System.nanoTime() < deadline, "no third checkpoint within 120 s");
      Thread.sleep(20);
    }
    p.destroyForcibly(); // SIGKILL: no shutdown hook, possibly in the middle of writing checkpoint 4
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(137, p.exitValue());

    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    java.io.PrintStream old = System.out;
    int rc;
    try (java.io.PrintStream ps = new java.io.PrintStream(captured, true, "UTF-8")) {
      System.setOut(ps);
      rc = Main.run(args(killed, "resume=true").toArray(new String[0]));
    } finally {
      System.setOut(old);
    }
    assertEquals(0, rc);
    String log = captured.toString("UTF-8");
    String firstInfo = log.lines().filter(l -> l.startsWith("[INFO]")).findFirst().orElse("");
    assertTrue(firstInfo.contains("resuming from checkpoint") && firstInfo.contains("ckpt-0000000"), firstInfo);

    Map<String, NdArray> a = Checkpoints.read(new Checkpoints(org.mflag.train.TrainingLoop.checkpointDir(whole), 2).list().get(0)).arrays;
    Map<String, NdArray> b = Checkpoints.read(new Checkpoints(ckpts, 2).list().get(0)).arrays;
    assertEquals(a.keySet(), b.keySet());
    for (String k : a.keySet()) {
      float[] x = a.get(k).data(), y = b.get(k).data();
      for (int i = 0; i < x.length; i++) assertEquals(x[i], y[i], 1e-5f * Math.max(1f, Math.abs(x[i])), k + "[" + i + "]");
    }
    assertTrue(new File(killed.toFile(), "rdf.yaml").isFile());
  }
}
