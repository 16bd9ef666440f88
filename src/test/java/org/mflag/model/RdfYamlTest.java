package org.mflag.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.nn.Architecture;

/**
 * The YAML boundary without TensorFlow: a description written as rdf.yaml reads back as the same values, in the order
 * and shape bioimage.io's tools read, and a broken one is refused with the file and field named.
 */
class RdfYamlTest {

  @TempDir Path tmp;

  private static Rdf.FileRef file(String name) {
    return new Rdf.FileRef(name, "a".repeat(64));
  }

  /** A fine-tuned detector's description, every field given, the way {@link TaskPackage} and {@link ModelPackage} write one. */
  static Rdf detector() {
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("map_50", 0.25);
    metrics.put("auroc", null);
    Map<String, String> keys = new LinkedHashMap<>();
    keys.put("image_size", "64");
    keys.put("lr", "auto");
    MflagConfig mflag = MflagConfig.builder("detection", Architecture.RESNET18, 64).optPackageVersion(1)
        .optNormalisation(ModelPackage.NORMALISATION).optClasses(List.of("Right Lung", "Left Lung"), false).optDetection(0.5, 0.45)
        .optLayout("YOLOv3 anchors").optPreprocessing("whole image").optEncoderModel("random", false).optFraction(1.0)
        .optTrainingImages(34, 34).optBestEpoch(3).optTraining(keys)
        .optData(new MflagConfig.DataSource("manifest.csv", "b".repeat(64), null, file("split.csv"))).optValidationMetrics(metrics)
        .optVersions(new MflagConfig.Versions("dev", "2.16.2", "0.36.0", "17")).build();
    Rdf.Tensor in = new Rdf.Tensor("image", "grey", List.of(Rdf.Axis.batch(), Rdf.Axis.space("y", 64), Rdf.Axis.space("x", 64),
        Rdf.Axis.channel(List.of("grey"))), file("test_input.npy"), new Rdf.TensorData("float32", Arrays.asList(0.0, 255.0)),
        List.of(Processing.Step.of("scale_linear", "gain", 1 / 127.5, "offset", -1.0)), file("sample_input.png"));
    Rdf.Tensor out = new Rdf.Tensor("detections", "rows", List.of(Rdf.Axis.batch(), Rdf.Axis.index("i", 252),
        Rdf.Axis.channel(List.of("centre_x", "p_Right_Lung"))), file("test_output_detections.npy"), Rdf.TensorData.float32(), List.of(),
        file("sample_output_detections.tif"));
    return Rdf.builder().optId("m-flag-detector").optName("M-FLAG detector").optDescription("Chest X-ray detector.")
        .optCovers(List.of("cover.png")).optAuthors(List.of(new Rdf.Author("Jane Doe", "Uni", "0000-0002-1825-0097", "janedoe")))
        .optMaintainers(List.of(Rdf.Author.maintainer("Jane Doe", "janedoe"))).optCite(List.of(new Rdf.Cite("M-FLAG", "https://arxiv.org")))
        .optLicense("CC-BY-NC-SA-4.0").optGitRepo("https://github.com/x/y").optDocumentation("README.md").optTags(List.of("x-ray", "2d"))
        .optTimestamp("2026-01-01T00:00:00Z").optTrainingData(ModelPackage.trainingData("M-FLAG detector", "34 labelled chest X-rays"))
        .setInputs(List.of(in)).setOutputs(List.of(out))
        .setWeights(Rdf.Weights.of(new Rdf.TensorflowSavedModelBundle(file("saved_model.zip"), "2.16.2"),
            new Rdf.Onnx(file("weights.onnx"), 17, Rdf.TensorflowSavedModelBundle.FORMAT)))
        .setConfig(new Rdf.Config("m-flag-detector", false, mflag)).build();
  }

  private Rdf roundTrip(String yaml) throws Exception {
    Path f = Files.writeString(tmp.resolve("rdf.yaml"), yaml);
    return RdfYaml.read(RdfYaml.load(f), f);
  }

  @Test
  void aDescriptionReadsBackAsWrittenInTheSpecsOrderWithoutAnchors() throws Exception {
    Rdf rdf = detector();
    String yaml = RdfYaml.dump(rdf);
    assertEquals(rdf, roundTrip(yaml));
    assertEquals(yaml, RdfYaml.dump(roundTrip(yaml)));
    assertFalse(yaml.contains("&id") || yaml.contains("*id"), "no YAML anchors:\n" + yaml);
    Map<String, Object> m = RdfYaml.load(tmp.resolve("rdf.yaml"));
    assertEquals(List.of("format_version", "type", "id", "name", "description", "covers", "authors", "maintainers", "cite", "license",
        "git_repo", "documentation", "tags", "timestamp", "training_data", "inputs", "outputs", "weights", "config"), new ArrayList<>(m.keySet()));
    Map<?, ?> mflag = (Map<?, ?>) ((Map<?, ?>) m.get("config")).get("mflag");
    assertEquals(List.of("package_version", "task", "encoder", "image_size", "normalisation", "classes", "multi_label", "confidence",
        "nms_iou", "layout", "preprocessing", "encoder_model", "freeze_encoder", "fraction", "training_images", "training_split_images",
        "best_epoch", "training", "data", "validation_metrics", "versions"), new ArrayList<>(mflag.keySet()));
    assertTrue(yaml.contains("  - id: scale_linear\n    kwargs:\n      gain: 0.00784313725490196\n      offset: -1.0\n"), yaml);
    assertTrue(yaml.contains("    validation_metrics:\n      map_50: 0.25\n      auroc: null\n"), "a non-finite metric is null:\n" + yaml);
    assertTrue(yaml.contains("  - type: channel\n    channel_names:\n    - grey\n"), yaml);
  }

  @Test
  void aForeignDescriptionReadsWithWhatItLacksAbsentAndItsUnknownWeightsLeftOut() throws Exception {
    Path p = StandInPackage.write(tmp.resolve("stand-in"));
    String yaml = Files.readString(p.resolve("rdf.yaml")).replace("weights:\n",
        "weights:\n  torchscript: {source: m.pt, sha256: x}\n  onnx: {source: m.onnx, sha256: x}\n");
    Rdf rdf = roundTrip(yaml);
    assertEquals(2, rdf.weights().entries().size());
    assertEquals(-1, rdf.weights().entry(Rdf.Onnx.class).get().opsetVersion(), "an ONNX entry without an opset is read, and refused when run");
    assertEquals("saved_model.zip", rdf.weights().entry(Rdf.TensorflowSavedModelBundle.class).get().file().source());
    assertNull(rdf.id());
    assertTrue(rdf.authors().isEmpty() && rdf.covers().isEmpty());
    assertNull(rdf.inputs().get(0).sampleTensor());
    assertEquals(List.of("batch", "y", "x", "channel"), Rdf.Axis.ids(rdf.inputs().get(0).axes()));
    assertEquals(1L, rdf.inputs().get(0).axes().get(3).expectedSize());
    MflagConfig c = rdf.config().mflag();
    assertEquals("pretrain", c.task());
    assertEquals(32, c.imageSize());
    assertNull(c.classes());
    assertNull(c.threshold());
  }

  @Test
  void brokenStructureIsRefusedWithTheFileAndFieldNamed() throws Exception {
    Path p = StandInPackage.write(tmp.resolve("broken"));
    String yaml = Files.readString(p.resolve("rdf.yaml"));
    String[][] cases = {
        {yaml.replace("{type: batch}, {type: space, id: y, size: 32}", "batch, {type: space, id: y, size: 32}"), "inputs.image.axes[0] is not a mapping"},
        {yaml.replace("  test_tensor: {source: test_input.npy", "  preprocessing: [scale_linear]\n  test_tensor: {source: test_input.npy"),
            "inputs.image.preprocessing[0] is not a mapping"},
        {yaml.replace("image_size: 32", "image_size: 32, threshold: high"), "config.mflag.threshold=high: must be a number"},
        {yaml.replace("tensorflow_saved_model_bundle", "keras_hdf5"), "'tensorflow_saved_model_bundle' missing or not a mapping"},
        {yaml.replace("format_version: 0.5.4", "format_version: 0.4.10"), "format_version 0.4.10 unsupported (need 0.5.x)"},
        {yaml.replace("outputs:\n", "outputs: []\nx:\n"), "no outputs"},
    };
    for (String[] c : cases) {
      ModelPackageException e = assertThrows(ModelPackageException.class, () -> roundTrip(c[0]), c[1]);
      assertTrue(e.getMessage().startsWith(tmp.resolve("rdf.yaml").toString()) && e.getMessage().contains(c[1]), e.getMessage());
    }
  }

  @Test
  void theExportedZipKeepsTheRdfAsWrittenUnknownKeysIncluded() throws Exception {
    Path p = StandInPackage.write(tmp.resolve("foreign"), "saved_model.zip", ", lab_note: kept", "saved_model.pb", new byte[] {1});
    Files.writeString(p.resolve("rdf.yaml"), Files.readString(p.resolve("rdf.yaml")) + "x_lab:\n  reviewed: true\n");
    Path zip = tmp.resolve("foreign.zip");
    ModelPackage.open(p).writeZip(zip);
    try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(zip.toFile())) {
      String packed = new String(z.getInputStream(z.getEntry("rdf.yaml")).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertEquals(Files.readString(p.resolve("rdf.yaml")), packed);
    }
  }

  @Test
  void weightsHoldOneEntryPerFormat() {
    Rdf.TensorflowSavedModelBundle tf = new Rdf.TensorflowSavedModelBundle(file("saved_model.zip"), "2.16.2");
    IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> Rdf.Weights.of(tf, tf));
    assertTrue(twice.getMessage().contains("two tensorflow_saved_model_bundle entries"), twice.getMessage());
    assertThrows(IllegalArgumentException.class, Rdf.Weights::of);
  }
}
