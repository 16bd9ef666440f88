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

  /**
   * A checkpoint whose bytes changed after it was written (one weight altered, or its .npy header damaged so
   * that a size reads "-2") is named and skipped; resume continues from the one before it, with that one's values.
   */
  @Test
  void damagedNewestCheckpointFallsBackToThePreviousGoodOne(@TempDir Path dir) throws IOException {
    Checkpoints c = new Checkpoints(dir, 2);
    c.save(10, state(10), meta(10));
    Path newest = c.save(20, state(20), meta(20));
    byte[] good = Files.readAllBytes(newest);

    byte[] altered = good.clone();
    int at = indexOf(altered, floatBytes(22f));
    assertTrue(at > 0, "the weight 22 is stored in the file");
    altered[at + 1] ^= 1; // one bit of one weight
    Files.write(newest, altered);
    List<String> warnings = new ArrayList<>();
    Checkpoints.Checkpoint resumed = c.latest(warnings::add);
    assertEquals(10, resumed.step);
    assertArrayEquals(new float[] {10, 11, 12, 13}, resumed.arrays.get("conv1.weight").data());
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains(newest.toString()) && warnings.get(0).contains("checksum"), warnings.get(0));

    byte[] header = good.clone();
    int shape = indexOf(header, "'shape': (2, 2)".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    assertTrue(shape > 0);
    header[shape + "'shape': (".length()] = '-';
    Files.write(newest, header);
    warnings.clear();
    assertEquals(10, c.latest(warnings::add).step);
    assertTrue(warnings.get(0).contains(newest.toString()) && warnings.get(0).contains("shape entry '-'"), warnings.get(0));
    IOException direct = assertThrows(IOException.class, () -> Checkpoints.read(newest));
    assertTrue(direct.getMessage().contains(newest.toString()), direct.getMessage());

    // intact again: read as written, checksum and all
    Files.write(newest, good);
    assertEquals(20, c.latest(w -> {}).step);
  }

  private static byte[] floatBytes(float v) {
    return java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(v).array();
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int k = 0; k < needle.length; k++) if (hay[i + k] != needle[k]) continue outer;
      return i;
    }
    return -1;
  }
}
