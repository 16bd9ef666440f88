package org.mflag.nn;

import org.mflag.runtime.TensorFlowRuntime;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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

  /** A torchvision-layout .npz (as numpy.savez writes a state_dict) loads back into our layout by name. */
  @Test
  void torchvisionStateDictLoadsByName(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    TensorFlowRuntime.ensureLoaded();
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      org.tensorflow.op.Ops tf = org.tensorflow.op.Ops.create(g);
      Parameters p = new Parameters(tf);
      ResNet.build(new Layers(p, Mode.TRAIN), Architecture.RESNET18,
          tf.placeholder(org.tensorflow.types.TFloat32.class, org.tensorflow.op.core.Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, 64, 64, 1))));
      java.util.Map<String, float[]> ours = p.initialValues(9);
      java.util.Map<String, NdArray> torch = new java.util.LinkedHashMap<>();
      for (Parameters.Entry e : p.all()) {
        float[] v = ours.get(e.name);
        if (e.shape.length == 4) { // HWIO -> OIHW
          int h = (int) e.shape[0], w = (int) e.shape[1], i = (int) e.shape[2], o = (int) e.shape[3];
          float[] t = new float[v.length];
          for (int a = 0; a < h; a++) for (int b = 0; b < w; b++) for (int c = 0; c < i; c++) for (int d = 0; d < o; d++)
            t[((d * i + c) * h + a) * w + b] = v[((a * w + b) * i + c) * o + d];
          torch.put(e.name, new NdArray(t, o, i, h, w));
        } else {
          torch.put(e.name, new NdArray(v, e.shape));
        }
      }
      torch.put("fc.weight", new NdArray(new float[10], 2, 5)); // the classifier is ignored
      Path npz = dir.resolve("r18.npz");
      try (java.io.OutputStream os = java.nio.file.Files.newOutputStream(npz)) {
        org.mflag.io.Npz.write(torch, java.util.Map.of(), os);
      }
      java.util.Map<String, float[]> loaded = WeightsImport.encoder(npz, p);
      assertEquals(ours.keySet(), loaded.keySet());
      for (String k : ours.keySet()) assertArrayEquals(ours.get(k), loaded.get(k), k);
      torch.remove("layer4.1.bn2.running_var");
      try (java.io.OutputStream os = java.nio.file.Files.newOutputStream(npz)) {
        org.mflag.io.Npz.write(torch, java.util.Map.of(), os);
      }
      IOException e = assertThrows(IOException.class, () -> WeightsImport.encoder(npz, p));
      assertTrue(e.getMessage().contains("layer4.1.bn2.running_var") && e.getMessage().contains("r18.npz"), e.getMessage());
    }
  }
}
