package org.mflag.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.config.KeyValues;
import org.mflag.config.Task;
import org.mflag.data.Manifest;
import org.mflag.data.Split;
import org.mflag.data.Splits;
import org.mflag.data.TaskData;
import org.mflag.data.TaskDataset;
import org.mflag.eval.MetricsReport;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.infer.Evaluate;
import org.mflag.infer.EvaluateConfig;
import org.mflag.infer.Scorer;
import org.mflag.io.NdArray;
import org.mflag.model.ModelPackage;
import org.mflag.model.SavedModelPredictor;
import org.mflag.model.TaskGraph;
import org.mflag.nn.TaskNetwork;

/**
 * A tiny fine-tuning run of each task on the in-repo samples: it must beat its untrained starting
 * point on the held-out test split (scored through the exported package with DJL, as {@code evaluate}
 * does), leave a frozen encoder exactly as pre-trained, and resume to the same weights.
 */
class FinetuneTest {

  @TempDir
  static Path tmp;

  static Path pretrained;

  @BeforeAll
  static void pretrain() throws Exception {
    pretrained = TestData.pretrained();
  }

  private static Map<String, String> common(Path output, int epochs) {
    Map<String, String> k = new LinkedHashMap<>();
    k.put("manifest", TestData.manifest().toString());
    k.put("encoder_model", pretrained.toString());
    k.put("output", output.toString());
    k.put("image_size", "64");
    k.put("batch_size", "8");
    k.put("epochs", Integer.toString(epochs));
    k.put("patience", Integer.toString(epochs));
    k.put("seed", "3");
    k.put("log_every", "1000");
    return k;
  }

  private static TrainingResult finetune(Task task, Map<String, String> keys) throws Exception {
    return new Finetuner(FinetuneConfig.of(task, keys), new ImageFileDecoder(), TestData.log()).run(new TrainingListener() {}, () -> false);
  }

  /** The metrics of the model before any training step (random head, pre-trained encoder) on the test split. */
  private static MetricsReport untrained(Task task, Map<String, String> keys, Path output) throws Exception {
    FinetuneConfig cfg = FinetuneConfig.of(task, keys);
    ModelPackage trained = ModelPackage.open(output);
    Manifest m = Manifest.read(cfg.manifest(), "id", "image");
    Map<String, Split> splits = Splits.read(output.resolve(Splits.FILE));
    TaskData td = TaskData.of(task, cfg.data(), m, 64, trained.classes());
    TaskDataset test = TaskDataset.open(m, splits, List.of(Split.TEST), td.options, new ImageFileDecoder(), TestData.log());
    try (TaskGraph g = new TaskGraph(task, trained.architecture(), 64, td.classes.size(), td.multiLabel)) {
      Map<String, float[]> init = g.parameters().initialValues(cfg.seed());
      Map<String, float[]> encoder = ModelPackage.open(pretrained).weights();
      for (String name : init.keySet()) if (TaskNetwork.isEncoderParameter(name)) init.put(name, encoder.get(name));
      g.load(init, "initial weights");
      return new Scorer(task, td, 64, 8).score(test.samples(), g::predict, Scorer.Decision.defaults());
    }
  }

  private static MetricsReport evaluate(Path model, String... keys) throws Exception {
    List<String> args = new ArrayList<>(List.of("model=" + model, "output=" + model.resolve("eval")));
    args.addAll(List.of(keys));
    return Evaluate.run(EvaluateConfig.of(KeyValues.parse("evaluate", EvaluateConfig.KEYS, args)), new ImageFileDecoder(), TestData.log());
  }

  @Test
  void segmenterLearnsLungsAndLeavesTheFrozenEncoderUnchanged() throws Exception {
    Path out = tmp.resolve("seg");
    Map<String, String> k = common(out, 4);
    k.put("ignore_value", "127");
    TrainingResult r = finetune(Task.SEGMENTATION, k);
    assertEquals(TrainingResult.Outcome.COMPLETED, r.outcome);

    ModelPackage p = ModelPackage.open(out);
    assertEquals("segmentation", p.task());
    assertEquals(List.of("foreground"), p.classes());
    assertEquals(0.5, p.config().threshold(), 0);
    assertTrue(p.config().validationMetrics().containsKey("dice"), p.config().validationMetrics().toString());

    // freeze_encoder=true: every encoder weight and batch-norm statistic is the pre-trained one, bit for bit
    Map<String, float[]> before = ModelPackage.open(pretrained).weights();
    Map<String, float[]> after = p.weights();
    int compared = 0;
    for (Map.Entry<String, float[]> e : after.entrySet()) {
      if (!TaskNetwork.isEncoderParameter(e.getKey())) continue;
      assertArrayEquals(before.get(e.getKey()), e.getValue(), 0f, e.getKey() + " changed");
      compared++;
    }
    long encoderVariables = before.keySet().stream().filter(n -> org.mflag.nn.MFlagNetwork.isEncoderParameter(n)).count();
    assertEquals(encoderVariables, compared); // ResNet-18: 100 (weights, batch-norm scales, offsets and statistics)

    MetricsReport start = untrained(Task.SEGMENTATION, k, out);
    MetricsReport end = evaluate(out, "manifest=" + TestData.manifest(), "ignore_value=127");
    assertTrue(end.metrics.get("dice") > start.metrics.get("dice") + 0.02,
        "test Dice " + end.metrics.get("dice") + " after training, " + start.metrics.get("dice") + " before");
    assertTrue(Files.isRegularFile(out.resolve("eval").resolve("metrics.json")));
    assertEquals(end.metrics.get("images").intValue() + 1, Files.readAllLines(out.resolve("eval").resolve("metrics.csv")).size());
    // the one-file package: only what rdf.yaml names, and every command reads it as it reads the folder
    Path zip = tmp.resolve("segmenter.zip");
    org.mflag.model.PackageZip.run(org.mflag.model.ExportConfig.of(KeyValues.parse("export", org.mflag.model.PackageZip.KEYS,
        List.of("model=" + out, "output=" + zip))), TestData.log());
    List<String> entries = new ArrayList<>();
    try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(zip.toFile())) {
      z.stream().forEach(e -> entries.add(e.getName()));
    }
    assertEquals(List.of("README.md", "cover.png", "rdf.yaml", "sample_input.png", "sample_output_probability.tif", "saved_model.zip", Splits.FILE, "test_input.npy",
        "test_output_probability.npy", "weights.onnx").stream().sorted().collect(java.util.stream.Collectors.toList()), entries);
    ModelPackage fromZip = ModelPackage.open(zip);
    assertEquals(zip, fromZip.source());
    org.mflag.model.BioimageioRules.check(fromZip.dir());
    MetricsReport zipped = Evaluate.run(EvaluateConfig.of(KeyValues.parse("evaluate", EvaluateConfig.KEYS, List.of("model=" + zip, "manifest=" + TestData.manifest(),
        "ignore_value=127"))), new ImageFileDecoder(), TestData.log());
    assertTrue(Files.isRegularFile(tmp.resolve("segmenter-evaluation-test").resolve("metrics.json")), "results beside the zip");
    assertEquals(end.metrics.get("dice"), zipped.metrics.get("dice"), 1e-9);

    // the split file is part of the package: an edited one (test rows moved into train, say) is refused by name
    Path splitFile = out.resolve(Splits.FILE);
    Files.writeString(splitFile, Files.readString(splitFile).replace(",test", ",train"));
    org.mflag.model.ModelPackageException tampered = org.junit.jupiter.api.Assertions.assertThrows(
        org.mflag.model.ModelPackageException.class, () -> ModelPackage.open(out));
    assertTrue(tampered.getMessage().contains(splitFile.toString()) && tampered.getMessage().contains("config.mflag.data.split_file"),
        tampered.getMessage());

    // the package runs through DJL alone and reproduces its test tensor
    NdArray input = p.testInput();
    try (SavedModelPredictor djl = p.savedModelPredictor()) {
      float[] got = djl.predict(p.preprocessed(input).data(), 1, TaskGraph.outputName(Task.SEGMENTATION));
      assertArrayEquals(p.testOutput(TaskGraph.outputName(Task.SEGMENTATION)).data(), got, 1e-4f);
    }
    org.mflag.model.BioimageioRules.reproduces(p, List.of(TaskGraph.outputName(Task.SEGMENTATION)));
    org.mflag.model.BioimageioRules.check(out);
  }

  @Test
  void detectorFindsLungs() throws Exception {
    Path out = tmp.resolve("det");
    Map<String, String> k = common(out, 30);
    k.put("boxes", TestData.manifest().resolveSibling("lung-boxes.json").toString());
    finetune(Task.DETECTION, k);
    ModelPackage p = ModelPackage.open(out);
    assertEquals(List.of("Right Lung", "Left Lung"), p.classes());
    org.mflag.model.BioimageioRules.check(out);
    org.mflag.model.BioimageioRules.reproduces(p, List.of(TaskGraph.outputName(Task.DETECTION)));
    MetricsReport start = untrained(Task.DETECTION, k, out);
    MetricsReport end = evaluate(out, "manifest=" + TestData.manifest(), "boxes=" + k.get("boxes"));
    assertTrue(end.metrics.get("map_50") > start.metrics.get("map_50") + 0.1,
        "test mAP@0.5 " + end.metrics.get("map_50") + " after training, " + start.metrics.get("map_50") + " before");
  }

  /**
   * Classification on a property the samples show plainly: half of the X-rays are written with
   * inverted grey values (what an unhandled MONOCHROME1 DICOM looks like) and labelled so.
   */
  private static Path invertedManifest() throws Exception {
    Path dir = tmp.resolve("inverted");
    Files.createDirectories(dir.resolve("images"));
    Manifest m = Manifest.read(TestData.manifest(), "id", "image");
    StringBuilder sb = new StringBuilder("id,image,label,split\n");
    for (Manifest.Row r : m.rows()) {
      BufferedImage src = ImageIO.read(m.locate(r.get("image")).toFile());
      BufferedImage grey = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
      grey.getGraphics().drawImage(src, 0, 0, null);
      boolean invert = r.index() % 2 == 1;
      if (invert) {
        byte[] px = ((java.awt.image.DataBufferByte) grey.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < px.length; i++) px[i] = (byte) (255 - (px[i] & 0xFF));
      }
      String name = "images/" + r.id() + ".png";
      ImageIO.write(grey, "png", new File(dir.resolve(name).toString()));
      String split = r.index() < 32 ? "train" : r.index() < 40 ? "val" : "test";
      sb.append(r.id()).append(',').append(name).append(',').append(invert ? "inverted" : "normal").append(',').append(split).append('\n');
    }
    Files.writeString(dir.resolve("manifest.csv"), sb.toString());
    return dir.resolve("manifest.csv");
  }

  @Test
  void classifierLearnsAndResumesToTheSameWeights() throws Exception {
    Path manifest = invertedManifest();
    Path out = tmp.resolve("cls");
    Map<String, String> k = common(out, 6);
    k.put("manifest", manifest.toString());
    k.put("author", "Jane Doe");
    k.put("affiliation", "University Hospital");
    k.put("orcid", "0000-0002-1825-0097");
    k.put("github_user", "janedoe");
    finetune(Task.CLASSIFICATION, k);
    ModelPackage p = ModelPackage.open(out);
    assertEquals(List.of("inverted", "normal"), p.classes());
    Map<String, Object> rdf = org.mflag.model.BioimageioRules.rdf(out);
    assertEquals(List.of(Map.of("name", "Jane Doe", "affiliation", "University Hospital", "orcid", "0000-0002-1825-0097",
        "github_user", "janedoe")), rdf.get("authors"));
    assertEquals(List.of(Map.of("name", "Jane Doe", "github_user", "janedoe")), rdf.get("maintainers"));
    org.mflag.model.BioimageioRules.check(out);
    org.mflag.model.BioimageioRules.reproduces(p, List.of(TaskGraph.outputName(Task.CLASSIFICATION)));
    MetricsReport start = untrained(Task.CLASSIFICATION, k, out);
    MetricsReport end = evaluate(out, "manifest=" + manifest);
    assertTrue(end.metrics.get("auroc_macro") > start.metrics.get("auroc_macro") + 0.1,
        "test AUROC " + end.metrics.get("auroc_macro") + " after training, " + start.metrics.get("auroc_macro") + " before");

    // stopped after 5 steps, resumed: the same final weights as the uninterrupted run
    Path split = tmp.resolve("cls-resumed");
    Map<String, String> first = new HashMap<>(common(split, 6));
    first.put("manifest", manifest.toString());
    first.put("max_steps", "5");
    assertEquals(TrainingResult.Outcome.STOPPED, finetune(Task.CLASSIFICATION, first).outcome);
    first.put("max_steps", "0");
    first.put("resume", "true");
    assertEquals(TrainingResult.Outcome.COMPLETED, finetune(Task.CLASSIFICATION, first).outcome);
    Map<String, float[]> a = p.weights();
    Map<String, float[]> b = ModelPackage.open(split).weights();
    assertEquals(a.keySet(), b.keySet());
    for (String name : a.keySet()) assertArrayEquals(a.get(name), b.get(name), 1e-6f, name);
    assertEquals(Files.readString(out.resolve("history.csv")), Files.readString(split.resolve("history.csv")));
  }
}
