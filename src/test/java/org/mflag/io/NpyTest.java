package org.mflag.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class NpyTest {

  @Test
  void roundTripAndNumpyCompatibleHeader() throws Exception {
    NdArray a = new NdArray(new float[] {1.5f, -2f, 3f, 4f, 5f, 6f}, 2, 3);
    byte[] b = Npy.toBytes(a);
    assertTrue((b.length - 6 * 4) % 64 == 0, "header not 64-byte aligned");
    String header = new String(b, 10, 60, StandardCharsets.US_ASCII);
    assertTrue(header.contains("'descr': '<f4'") && header.contains("'shape': (2, 3)"), header);
    NdArray r = Npy.read(new ByteArrayInputStream(b), "mem");
    assertArrayEquals(a.shape(), r.shape());
    assertArrayEquals(a.data(), r.data());
    NdArray v = Npy.read(new ByteArrayInputStream(Npy.toBytes(new NdArray(new float[] {7}, 1))), "vec");
    assertArrayEquals(new long[] {1}, v.shape());
  }

  /** Hostile or damaged headers end in an IOException naming the array, before anything large is allocated. */
  @Test
  void damagedHeadersAreRefusedByName() {
    byte[] good = Npy.toBytes(new NdArray(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
    String[][] cases = {
        {"(2, 3)", "(-2, 3)", "shape entry '-2'"},
        {"(2, 3)", "(9999999999, 3)", "larger than an array can be"},
        {"(2, 3)", "(2, 4)", "needs 32 bytes of data, the file holds 24"},
        {"(2, 3)", "(a, 3)", "shape entry 'a'"},
        {"'<f4'", "'<i8'", "dtype <i8 not supported"},
    };
    for (String[] c : cases) {
      byte[] bad = new String(good, StandardCharsets.ISO_8859_1).replace(c[0], c[1]).getBytes(StandardCharsets.ISO_8859_1);
      java.io.IOException e = assertThrows(java.io.IOException.class,
          () -> Npy.read(new ByteArrayInputStream(bad), "t.npy", bad.length), c[1]);
      assertTrue(e.getMessage().startsWith("t.npy: ") && e.getMessage().contains(c[2]), e.getMessage());
    }
    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 5);
    java.io.IOException e = assertThrows(java.io.IOException.class, () -> Npy.read(new ByteArrayInputStream(truncated), "t.npy"));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    byte[] hugeHeader = good.clone();
    hugeHeader[6] = 2;
    hugeHeader[10] = (byte) 0x7f; // a version-2 header length of about 2 GB
    e = assertThrows(java.io.IOException.class, () -> Npy.read(new ByteArrayInputStream(hugeHeader), "t.npy", hugeHeader.length));
    assertTrue(e.getMessage().contains("damaged .npy header"), e.getMessage());
  }
}
