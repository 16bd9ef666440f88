package org.mflag.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.mflag.io.NdArray;

class WeightsImportTest {

  @Test
  void pytorchLayoutsAreTransposed() throws IOException {
    // conv OIHW [2, 1, 1, 3] -> HWIO [1, 3, 1, 2]: element (o, i, h, w) lands at (h, w, i, o)
    float[] oihw = {1, 2, 3, 4, 5, 6};
    float[] hwio = WeightsImport.convert(new NdArray(oihw, 2, 1, 1, 3), new long[] {1, 3, 1, 2}, Path.of("w.npz"), "c.weight");
    assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, hwio);
    // linear [out 2, in 3] -> [in 3, out 2]
    float[] t = WeightsImport.convert(new NdArray(oihw, 2, 3), new long[] {3, 2}, Path.of("w.npz"), "l.weight");
    assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, t);
    IOException e = assertThrows(IOException.class,
        () -> WeightsImport.convert(new NdArray(oihw, 6), new long[] {3, 2}, Path.of("w.npz"), "l.weight"));
    assertTrue(e.getMessage().contains("w.npz") && e.getMessage().contains("l.weight") && e.getMessage().contains("[6]"), e.getMessage());
  }
}
