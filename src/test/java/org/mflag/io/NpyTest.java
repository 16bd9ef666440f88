package org.mflag.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
}
