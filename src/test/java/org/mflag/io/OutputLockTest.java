package org.mflag.io;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;

/** One run per output folder: a second run, in this process or another, is refused with the holder named. */
class OutputLockTest {

  /** The child: holds the folder given as argument until it is killed. */
  public static void main(String[] args) throws Exception {
    try (OutputLock lock = OutputLock.acquire(Path.of(args[0]), "pretrain")) {
      System.out.println("LOCKED");
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE);
    }
  }

  @Test
  void aSecondRunIsRefusedWhileTheFirstHoldsTheFolder(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("run");
    try (OutputLock first = OutputLock.acquire(out, "segment")) {
      IOException e = assertThrows(IOException.class, () -> OutputLock.acquire(out, "segment"));
      assertTrue(e.getMessage().contains("is in use by another run (segment, process "), e.getMessage());
    }
    OutputLock.acquire(out, "segment").close();
  }

  @Test
  void anotherProcessHoldsItUntilItEndsHoweverItEnds(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("run");
    Process p = new ProcessBuilder(TestData.java(List.of(), OutputLockTest.class, List.of(out.toString()))).redirectErrorStream(true).start();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      assertTrue("LOCKED".equals(in.readLine()), "the child holds the folder");
      IOException e = assertThrows(IOException.class, () -> OutputLock.acquire(out, "pretrain"));
      assertTrue(e.getMessage().contains("pretrain, process " + p.pid() + "@"), "names the holder: " + e.getMessage());
    } finally {
      p.destroyForcibly();
      assertTrue(p.waitFor(1, TimeUnit.MINUTES));
    }
    OutputLock.acquire(out, "pretrain").close();
  }
}
