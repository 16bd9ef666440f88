package org.mflag.nn;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mflag.io.NdArray;
import org.mflag.io.Npz;

/**
 * Encoder weights from a {@code .npz} whose entries carry torchvision's names, e.g. written in Python
 * with {@code numpy.savez("r50.npz", **{k: v.numpy() for k, v in model.state_dict().items()})}.
 * PyTorch layouts are converted (conv OIHW to HWIO, linear [out, in] to [in, out]); the classifier
 * ({@code fc.*}) and {@code num_batches_tracked} are ignored. Every encoder parameter must be present
 * with a matching shape; the error names the file, the parameter and both shapes.
 */
public final class WeightsImport {

  private WeightsImport() {}

  /** Values for every encoder parameter (trainable and batch-norm statistics) of a pre-training network's {@code params}. */
  public static Map<String, float[]> encoder(Path npz, Parameters params) throws IOException {
    return encoder(npz, params, MFlagNetwork::isEncoderParameter);
  }

  /** As {@link #encoder(Path, Parameters)}, for a network whose encoder parameters {@code isEncoder} tells apart. */
  public static Map<String, float[]> encoder(Path npz, Parameters params, java.util.function.Predicate<String> isEncoder) throws IOException {
    Map<String, NdArray> file = Npz.read(npz);
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Parameters.Entry e : params.all()) {
      if (e.kind == Parameters.Kind.OPTIMIZER || !isEncoder.test(e.name)) continue;
      NdArray a = file.get(e.name);
      if (a == null) throw new IOException("init_weights " + npz + ": no array '" + e.name + "' " + Arrays.toString(e.shape));
      out.put(e.name, convert(a, e.shape, npz, e.name));
    }
    return out;
  }

  static float[] convert(NdArray a, long[] want, Path file, String name) throws IOException {
    long[] s = a.shape();
    if (Arrays.equals(s, want)) return a.data();
    if (s.length == 4 && want.length == 4 && s[0] == want[3] && s[1] == want[2] && s[2] == want[0] && s[3] == want[1]) {
      int o = (int) s[0], i = (int) s[1], h = (int) s[2], w = (int) s[3];
      float[] src = a.data(), dst = new float[src.length];
      for (int oo = 0; oo < o; oo++)
        for (int ii = 0; ii < i; ii++)
          for (int hh = 0; hh < h; hh++)
            for (int ww = 0; ww < w; ww++) dst[((hh * w + ww) * i + ii) * o + oo] = src[((oo * i + ii) * h + hh) * w + ww];
      return dst;
    }
    if (s.length == 2 && want.length == 2 && s[0] == want[1] && s[1] == want[0]) {
      int r = (int) s[0], c = (int) s[1];
      float[] src = a.data(), dst = new float[src.length];
      for (int y = 0; y < r; y++) for (int x = 0; x < c; x++) dst[x * r + y] = src[y * c + x];
      return dst;
    }
    throw new IOException("init_weights " + file + ": '" + name + "' has shape " + Arrays.toString(s) + ", expected "
        + Arrays.toString(want) + " (or its PyTorch layout)");
  }
}
