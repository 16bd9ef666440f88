package org.mflag.infer;

import java.util.Map;

/**
 * A model package's network as one inference engine runs it: {@code n} preprocessed images {@code [n, size, size, 1]}
 * in, every output by name out. {@link Inference} does everything around it (preprocessing, tiling, thresholds,
 * decoding), so an engine only has to run the graph it loaded.
 */
public interface Network extends AutoCloseable {

  /** The outputs for {@code n} normalised images (row-major {@code [n, size, size, 1]}), by output name. */
  Map<String, float[]> run(float[] images, int n);

  /** The one output whose name starts with {@code output} (engines may append {@code :0}). */
  default float[] run(float[] images, int n, String output) {
    return output(run(images, n), output);
  }

  /** The output of {@code all} whose name starts with {@code name}. */
  static float[] output(Map<String, float[]> all, String name) {
    for (Map.Entry<String, float[]> e : all.entrySet()) if (e.getKey().startsWith(name)) return e.getValue();
    throw new IllegalStateException("the network's outputs are " + all.keySet() + ", expected " + name);
  }

  /** The engine running it: {@code tensorflow} or {@code onnxruntime}. */
  String engine();

  @Override
  void close();
}
