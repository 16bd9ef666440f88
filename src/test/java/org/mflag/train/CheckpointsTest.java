package org.mflag.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.io.NdArray;

class CheckpointsTest {

  private static Map<String, NdArray> state(float v) {
    Map<String, NdArray> m = new LinkedHashMap<>();
    m.put("conv1.weight", new NdArray(new float[] {v, v + 1, v + 2, v + 3}, 2, 2));
    m.put("optimizer.step", new NdArray(new float[] {v}));
    return m;
  }

  private static Properties meta(long step) {
    Properties p = new Properties();
    p.setProperty("step", Long.toString(step));
    return p;
  }

  @Test
  void savedCheckpointReadsBackAndOldOnesArePruned(@TempDir Path dir) throws IOException {
    Checkpoints c = new Checkpoints(dir, 2);
    c.save(1, state(1), meta(1));
    c.save(2, state(2), meta(2));
    c.save(3, state(3), meta(3));
    assertEquals(2, c.list().size());
    Checkpoints.Checkpoint last = c.latest(w -> {});
    assertEquals(3, last.step);
    assertArrayEquals(new float[] {3, 4, 5, 6}, last.arrays.get("conv1.weight").data());
    assertArrayEquals(new long[] {2, 2}, last.arrays.get("conv1.weight").shape());
  }

  /** A crash in the middle of writing step 20: the stream dies after some bytes, as a killed process would. */
  @Test
  void interruptedWriteIsNeverPickedUpByResume(@TempDir Path dir) throws IOException {
    Checkpoints c = new Checkpoints(dir, 2);
    c.save(10, state(10), meta(10));
    Path tmp = dir.resolve(".ckpt-00000020.npz.tmp");
    try (OutputStream raw = Files.newOutputStream(tmp)) {
      OutputStream dying = new OutputStream() {
        int n;

        @Override
        public void write(int b) throws IOException {
          if (++n > 300) throw new IOException("killed");
          raw.write(b);
        }
      };
      assertThrows(IOException.class, () -> c.write(state(20), meta(20), dying));
    }
    assertTrue(Files.size(tmp) > 0); // the partial file is there, as after kill -9
    assertEquals(10, c.latest(w -> {}).step);
    // a checkpoint file damaged after it was complete (disk error) is skipped, with a warning
    Files.write(dir.resolve("ckpt-00000030.npz"), new byte[] {'P', 'K', 3, 4, 0, 0});
    List<String> warnings = new ArrayList<>();
    assertEquals(10, c.latest(warnings::add).step);
    assertEquals(1, warnings.size());
    assertTrue(warnings.get(0).contains("ckpt-00000030.npz"), warnings.get(0));
    // the next save clears the leftovers of the crashed write
    c.save(40, state(40), meta(40));
    assertTrue(Files.notExists(tmp));
  }
}
