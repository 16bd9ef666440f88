package org.mflag.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.data.Augmentation;
import org.mflag.data.Preprocessing;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.infer.Network;
import org.mflag.io.NdArray;
import org.mflag.train.Checkpoints;
import org.mflag.train.Pretrainer;
import org.mflag.train.TrainingListener;

@Tag("slow")
class ModelPackageTest {

  @TempDir static Path tmp;
  static Path pkg;

  @BeforeAll
  static void train() throws Exception {
    pkg = tmp.resolve("model");
    new Pretrainer(TestData.smallRun(pkg).optEpochs(1).build(), new ImageFileDecoder(), TestData.log())
        .run(new TrainingListener() {}, () -> false);
  }

  /** The first n sample X-rays, preprocessed as for inference. */
  private static float[] images(int n) throws Exception {
    ImageFileDecoder dec = new ImageFileDecoder();
    int stored = Preprocessing.storedSize(64);
    float[] out = new float[n * 64 * 64];
    try (java.util.stream.Stream<Path> files = Files.list(TestData.manifest().getParent().resolve("images"))) {
      Path[] first = files.sorted().limit(n).toArray(Path[]::new);
      for (int i = 0; i < n; i++) {
        float[] x = Augmentation.centre(Preprocessing.apply(dec.read(first[i]), stored), stored, 64);
        System.arraycopy(x, 0, out, i * x.length, x.length);
      }
    }
    return out;
  }

  @Test
  void savedModelThroughDjlMatchesTheTrainedWeightsInInferenceMode() throws Exception {
    ModelPackage p = ModelPackage.open(pkg);
    assertEquals("pretrain", p.task());
    Checkpoints.Checkpoint last = new Checkpoints(org.mflag.train.TrainingLoop.checkpointDir(pkg), 2).latest(w -> {});
    Map<String, float[]> weights = new LinkedHashMap<>();
    for (Map.Entry<String, NdArray> e : last.arrays.entrySet()) weights.put(e.getKey(), e.getValue().data());
    float[] x = images(3);
    float[][] want;
    try (EncoderGraph g = new EncoderGraph(p.architecture(), 64, 768, weights)) {
      want = g.images(x, 3);
    }
    try (SavedModelPredictor djl = p.savedModelPredictor()) {
      float[][] got = encoderOutputs(djl.predict(x, 3));
      assertEquals(3 * p.embeddingSize(), got[0].length);
      assertArrayEquals(want[0], got[0], 1e-4f);
      assertArrayEquals(want[1], got[1], 1e-4f);
    }
  }

  /** {embedding, projection} of the SavedModel's outputs. */
  private static float[][] encoderOutputs(Map<String, float[]> out) {
    return new float[][] {Network.output(out, EncoderGraph.OUTPUT_EMBEDDING), Network.output(out, EncoderGraph.OUTPUT_PROJECTION)};
  }

  @Test
  void rdfTestTensorsReproduce() throws Exception {
    ModelPackage p = ModelPackage.open(pkg);
    NdArray in = p.testInput();
    assertArrayEquals(new long[] {1, 64, 64, 1}, in.shape());
    float max = 0;
    for (float v : in.data()) max = Math.max(max, v);
    assertTrue(max > 100 && max <= 255, "the test input is raw: grey values 0..255, not normalised");
    try (SavedModelPredictor djl = p.savedModelPredictor()) {
      float[][] out = encoderOutputs(djl.predict(p.preprocessed(in).data(), 1));
      assertArrayEquals(p.testOutput("embedding").data(), out[0], 1e-4f);
      assertArrayEquals(p.testOutput("projection").data(), out[1], 1e-4f);
    }
    BioimageioRules.reproduces(p, java.util.List.of("embedding", "projection"));
    BioimageioRules.check(pkg);
    MflagConfig cfg = p.config();
    assertEquals(org.mflag.nn.Architecture.RESNET18, cfg.encoder());
    assertTrue(cfg.finalLoss() != null && cfg.training() != null && cfg.data() != null, cfg.toString());
  }

  @Test
  void damagedOrForeignPackagesAreRejectedWithTheFileNamed(@TempDir Path copy) throws Exception {
    for (String f : new String[] {"rdf.yaml", "saved_model.zip", "test_input.npy", "test_output_embedding.npy",
        "test_output_projection.npy"}) {
      Files.copy(pkg.resolve(f), copy.resolve(f));
    }
    ModelPackage.open(copy); // intact copy opens
    byte[] npy = Files.readAllBytes(copy.resolve("test_input.npy"));
    npy[npy.length - 1] ^= 1;
    Files.write(copy.resolve("test_input.npy"), npy);
    ModelPackageException sha = assertThrows(ModelPackageException.class, () -> ModelPackage.open(copy));
    assertTrue(sha.getMessage().contains("test_input.npy") && sha.getMessage().contains("sha256"), sha.getMessage());

    Files.copy(pkg.resolve("test_input.npy"), copy.resolve("test_input.npy"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    String rdf = new String(Files.readAllBytes(copy.resolve("rdf.yaml")), StandardCharsets.UTF_8);
    Files.write(copy.resolve("rdf.yaml"), rdf.replace("format_version: 0.5.4", "format_version: 0.4.10").getBytes(StandardCharsets.UTF_8));
    ModelPackageException fv = assertThrows(ModelPackageException.class, () -> ModelPackage.open(copy));
    assertTrue(fv.getMessage().contains("format_version 0.4.10 unsupported (need 0.5.x)"), fv.getMessage());

    Files.write(copy.resolve("rdf.yaml"), rdf.replace("size: 64", "size: 96").getBytes(StandardCharsets.UTF_8));
    ModelPackageException shape = assertThrows(ModelPackageException.class, () -> ModelPackage.open(copy));
    assertTrue(shape.getMessage().contains("inputs.image.test_tensor axis 1 has size 64, rdf says 96"), shape.getMessage());

    Files.delete(copy.resolve("saved_model.zip"));
    Files.write(copy.resolve("rdf.yaml"), rdf.getBytes(StandardCharsets.UTF_8));
    ModelPackageException missing = assertThrows(ModelPackageException.class, () -> ModelPackage.open(copy));
    assertTrue(missing.getMessage().contains("saved_model.zip, which is missing"), missing.getMessage());

    ModelPackageException none = assertThrows(ModelPackageException.class, () -> ModelPackage.open(copy.resolve("nope")));
    assertTrue(none.getMessage().contains("does not exist"), none.getMessage());
  }
}
