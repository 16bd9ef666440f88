package org.mflag.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.config.Task;
import org.mflag.data.Box;
import org.mflag.data.GrayImage;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.infer.Classification;
import org.mflag.infer.Detection;
import org.mflag.infer.Embedding;
import org.mflag.infer.Engine;
import org.mflag.infer.Inference;
import org.mflag.infer.InferenceOptions;
import org.mflag.infer.Job;
import org.mflag.infer.Segmentation;
import org.mflag.io.Hashing;
import org.mflag.model.ModelPackage;
import org.mflag.model.ModelPackageException;
import org.mflag.model.TextProjector;
import org.mflag.onnx.proto.OnnxProto.ModelProto;

/**
 * ONNX weights in every kind of package (issue 32): ONNX Runtime reproduces the test outputs; TensorFlow and ONNX
 * Runtime give the same masks, probabilities, boxes and projections on other inputs; Python's onnx checker and
 * onnxruntime agree when present; damaged or foreign ONNX files are refused before anything runs; {@code export} adds
 * ONNX weights to a package written before them; and without TensorFlow, {@code engine=auto} runs ONNX Runtime.
 */
class OnnxWeightsTest {

  @TempDir static Path tmp;
  static final Map<Task, Path> TASKS = new EnumMap<>(Task.class);
  static Path multiLabel;
  static Path encoder;

  @BeforeAll
  static void packages() throws Exception {
    for (Task t : Task.values()) TASKS.put(t, OnnxPackages.task(tmp.resolve(t.key()), t, false));
    multiLabel = OnnxPackages.task(tmp.resolve("multi-label"), Task.CLASSIFICATION, true);
    encoder = OnnxPackages.encoder(tmp.resolve("encoder"));
  }

  static List<Path> all() {
    List<Path> out = new ArrayList<>(TASKS.values());
    out.add(multiLabel);
    out.add(encoder);
    return out;
  }

  @Test
  void everyKindOfPackageCarriesOnnxWeightsThatOnnxRuntimeRunsToTheTestOutputs() throws Exception {
    for (Path dir : all()) {
      ModelPackage p = ModelPackage.open(dir);
      assertTrue(p.hasOnnx(), dir.toString());
      String rdf = Files.readString(dir.resolve(ModelPackage.RDF));
      assertTrue(rdf.contains("  onnx:\n") && rdf.contains("opset_version: " + OnnxExport.OPSET) && rdf.contains("parent: tensorflow_saved_model_bundle"),
          rdf);
      assertEquals(List.of(), p.onnxMismatches(p.onnxFile()), dir.toString());
    }
    ModelPackage e = ModelPackage.open(encoder);
    assertTrue(Files.isRegularFile(e.textOnnxFile()));
    // the zip a user uploads holds the ONNX files too
    Path zip = tmp.resolve("encoder.zip");
    e.writeZip(zip);
    ModelPackage fromZip = ModelPackage.open(zip);
    assertEquals(List.of(), fromZip.onnxMismatches(fromZip.onnxFile()));
    fromZip.textOnnxFile();
  }

  /** Random grey images of other sizes than the network's, and a real X-ray of samples/ at its own size. */
  static List<GrayImage> images() throws Exception {
    Random r = new Random(3);
    List<GrayImage> out = new ArrayList<>();
    for (int[] wh : new int[][] {{80, 100}, {64, 64}, {150, 90}}) {
      float[] px = new float[wh[0] * wh[1]];
      for (int i = 0; i < px.length; i++) px[i] = r.nextInt(256);
      out.add(new GrayImage(wh[0], wh[1], px));
    }
    Path xray;
    try (java.util.stream.Stream<Path> files = Files.list(TestData.manifest().getParent().resolve("images"))) {
      xray = files.sorted().skip(5).findFirst().orElseThrow();
    }
    out.add(new ImageFileDecoder().read(xray));
    return out;
  }

  static Inference open(Path dir, Job job, InferenceOptions o, Engine e) throws Exception {
    Inference i = Inference.open(dir, job, o.withEngine(e), null);
    assertEquals(e.key(), i.engine());
    return i;
  }

  static void close(float[] want, float[] got, double tolerance, String what) {
    assertEquals(want.length, got.length, what);
    double worst = 0;
    for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got[i]));
    assertTrue(worst <= tolerance, what + ": largest difference " + worst + " > " + tolerance);
  }

  @Test
  void tensorFlowAndOnnxRuntimeGiveTheSameMasksProbabilitiesBoxesAndProjections() throws Exception {
    List<GrayImage> images = images();
    // segmentation, whole images and tiled
    for (InferenceOptions o : List.of(InferenceOptions.DEFAULTS, InferenceOptions.DEFAULTS.withScale(0.5).withOverlap(8))) {
      try (Inference tf = open(TASKS.get(Task.SEGMENTATION), Job.SEGMENT, o, Engine.TENSORFLOW);
          Inference ort = open(TASKS.get(Task.SEGMENTATION), Job.SEGMENT, o, Engine.ONNXRUNTIME)) {
        List<Segmentation> a = tf.segment(images), b = ort.segment(images);
        for (int i = 0; i < images.size(); i++) {
          close(a.get(i).probability(), b.get(i).probability(), 1e-4, "probability of image " + i);
          int differ = 0, near = 0;
          for (int k = 0; k < a.get(i).mask().length; k++) {
            if (a.get(i).mask()[k] != b.get(i).mask()[k]) differ++;
            if (Math.abs(a.get(i).probability()[k] - a.get(i).threshold()) < 1e-4) near++;
          }
          assertTrue(differ <= near, "mask of image " + i + ": " + differ + " pixels differ, " + near + " lie at the threshold");
          assertEquals(a.get(i).regions().count, b.get(i).regions().count, "regions of image " + i);
        }
      }
    }
    // classification, single- and multi-label
    for (Path dir : List.of(TASKS.get(Task.CLASSIFICATION), multiLabel)) {
      try (Inference tf = open(dir, Job.CLASSIFY, InferenceOptions.DEFAULTS, Engine.TENSORFLOW);
          Inference ort = open(dir, Job.CLASSIFY, InferenceOptions.DEFAULTS, Engine.ONNXRUNTIME)) {
        List<Classification> a = tf.classify(images), b = ort.classify(images);
        for (int i = 0; i < images.size(); i++) {
          close(a.get(i).probabilities(), b.get(i).probabilities(), 1e-5, dir.getFileName() + " image " + i);
          assertEquals(a.get(i).predicted(), b.get(i).predicted());
        }
      }
    }
    // detection, at a low confidence so that there are boxes to compare
    InferenceOptions low = InferenceOptions.DEFAULTS.withConfidence(0.01);
    try (Inference tf = open(TASKS.get(Task.DETECTION), Job.DETECT, low, Engine.TENSORFLOW);
        Inference ort = open(TASKS.get(Task.DETECTION), Job.DETECT, low, Engine.ONNXRUNTIME)) {
      close(tf.networkOutput(new float[64 * 64], 1), ort.networkOutput(new float[64 * 64], 1), 1e-3, "raw detections");
      List<Detection> a = tf.detect(images), b = ort.detect(images);
      int boxes = 0;
      for (int i = 0; i < images.size(); i++) {
        List<Box> x = a.get(i).boxes(), y = b.get(i).boxes();
        assertEquals(x.size(), y.size(), "boxes of image " + i);
        for (int k = 0; k < x.size(); k++) {
          assertEquals(x.get(k).category, y.get(k).category);
          close(new float[] {(float) x.get(k).x0, (float) x.get(k).y0, (float) x.get(k).x1, (float) x.get(k).y1},
              new float[] {(float) y.get(k).x0, (float) y.get(k).y0, (float) y.get(k).x1, (float) y.get(k).y1}, 0.05, "box " + k);
          assertEquals(x.get(k).score, y.get(k).score, 1e-4);
        }
        boxes += x.size();
      }
      assertTrue(boxes > 0, "no boxes to compare");
    }
    // the encoder's embeddings and projections, and its text projector
    try (Inference tf = open(encoder, Job.EMBED, InferenceOptions.DEFAULTS, Engine.TENSORFLOW);
        Inference ort = open(encoder, Job.EMBED, InferenceOptions.DEFAULTS, Engine.ONNXRUNTIME)) {
      List<Embedding> a = tf.embed(images), b = ort.embed(images);
      for (int i = 0; i < images.size(); i++) {
        close(a.get(i).embedding(), b.get(i).embedding(), 1e-4, "embedding " + i);
        close(a.get(i).projection(), b.get(i).projection(), 1e-3, "projection " + i);
      }
    }
    ModelPackage e = ModelPackage.open(encoder);
    float[] reports = new float[5 * 32];
    Random r = new Random(5);
    for (int i = 0; i < reports.length; i++) reports[i] = (float) r.nextGaussian();
    try (TextProjector tf = Engine.TENSORFLOW.textProjector(e); TextProjector ort = Engine.ONNXRUNTIME.textProjector(e)) {
      close(tf.project(reports, 5), ort.project(reports, 5), 1e-3, "text projection");
    }
  }

  @Test
  void pythonsOnnxCheckerAndOnnxRuntimeAcceptThePackages() throws Exception {
    Path script = tmp.resolve("check_onnx.py");
    try (java.io.InputStream in = OnnxWeightsTest.class.getResourceAsStream("check_onnx.py")) {
      Files.copy(in, script);
    }
    String missing = pythonMissing();
    if (missing != null) System.out.println("OnnxWeightsTest: Python check skipped: " + missing);
    Assumptions.assumeTrue(missing == null, missing);
    List<String> cmd = new ArrayList<>(List.of("python3", script.toString()));
    for (Path p : all()) cmd.add(p.toString());
    Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, proc.waitFor(), out);
    assertEquals(all().size(), out.lines().filter(l -> l.contains("\"passed\": true")).count(), out);
    System.out.println("OnnxWeightsTest: Python check:\n" + out);
  }

  /** Why python3 with onnx and onnxruntime cannot run here, or null. */
  static String pythonMissing() {
    try {
      Process p = new ProcessBuilder("python3", "-c", "import onnx, onnxruntime, numpy, yaml").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return p.waitFor() == 0 ? null : "python3 lacks onnx, onnxruntime, numpy or pyyaml (" + out.lines().reduce((a, b) -> b).orElse("") + ")";
    } catch (java.io.IOException | InterruptedException e) {
      return "no python3 (" + e.getMessage() + ")";
    }
  }

  /** A copy of a package whose ONNX file is replaced by {@code bytes}, with its sha256 in rdf.yaml updated when {@code rehash}. */
  static Path withOnnx(String name, byte[] bytes, boolean rehash) throws Exception {
    Path dir = tmp.resolve(name);
    org.mflag.TestFiles.copyFolder(TASKS.get(Task.SEGMENTATION), dir);
    Path f = dir.resolve("weights.onnx");
    String before = Hashing.sha256(f);
    Files.write(f, bytes);
    if (rehash) {
      Path rdf = dir.resolve(ModelPackage.RDF);
      Files.writeString(rdf, Files.readString(rdf).replace(before, Hashing.sha256(f)));
    }
    return dir;
  }

  static ModelProto segmenterOnnx() throws Exception {
    return ModelProto.parseFrom(Files.readAllBytes(TASKS.get(Task.SEGMENTATION).resolve("weights.onnx")));
  }

  @Test
  void damagedOrForeignOnnxFilesAreRefusedWithTheFileAndTheReasonBeforeAnythingRuns() throws Exception {
    byte[] good = Files.readAllBytes(TASKS.get(Task.SEGMENTATION).resolve("weights.onnx"));
    byte[] flipped = good.clone();
    flipped[flipped.length / 2] ^= 1;
    ModelProto m = segmenterOnnx();
    ModelProto foreignOp = m.toBuilder().setGraph(m.getGraph().toBuilder().setNode(0, m.getGraph().getNode(0).toBuilder().setOpType("Einsum")))
        .build();
    ModelProto renamed = m.toBuilder().setGraph(m.getGraph().toBuilder().setOutput(0, m.getGraph().getOutput(0).toBuilder().setName("mask")))
        .build();
    ModelProto customDomain = m.toBuilder().setGraph(m.getGraph().toBuilder().setNode(0, m.getGraph().getNode(0).toBuilder().setDomain("com.evil")))
        .build();
    String[][] cases = {
        {"sha", "sha256"}, {"garbage", "not an ONNX model"}, {"op", "Einsum"}, {"output", "outputs are [mask]"}, {"domain", "com.evil"}};
    byte[][] files = {flipped, "not a model".getBytes(StandardCharsets.UTF_8), foreignOp.toByteArray(), renamed.toByteArray(),
        customDomain.toByteArray()};
    for (int i = 0; i < cases.length; i++) {
      Path dir = withOnnx("bad-" + cases[i][0], files[i], i > 0);
      ModelPackage p = ModelPackage.open(dir); // the SavedModel is fine: TensorFlow still runs it
      ModelPackageException e = assertThrows(ModelPackageException.class,
          () -> Inference.open(p, Job.SEGMENT, InferenceOptions.DEFAULTS, null, Engine.ONNXRUNTIME), cases[i][0]);
      assertTrue(e.getMessage().contains(dir.resolve("weights.onnx").toString()) && e.getMessage().contains(cases[i][1]), e.getMessage());
      ModelPackageException auto = assertThrows(ModelPackageException.class,
          () -> Inference.open(p, Job.SEGMENT, InferenceOptions.DEFAULTS, null, Engine.AUTO), cases[i][0]);
      assertTrue(auto.getMessage().contains(cases[i][1]) && auto.getMessage().contains("engine=tensorflow"), auto.getMessage());
      try (Inference tf = Inference.open(p, Job.SEGMENT, InferenceOptions.DEFAULTS, null, Engine.TENSORFLOW)) {
        assertEquals("tensorflow", tf.engine());
      }
    }
  }

  @Test
  void exportAddsOnnxWeightsToAPackageWrittenBeforeThem() throws Exception {
    for (Path source : List.of(TASKS.get(Task.DETECTION), encoder)) {
      Path old = tmp.resolve("old-" + source.getFileName());
      org.mflag.TestFiles.copyFolder(source, old);
      Files.delete(old.resolve("weights.onnx"));
      Files.deleteIfExists(old.resolve("text_projector.onnx"));
      Path rdf = old.resolve(ModelPackage.RDF);
      String yaml = Files.readString(rdf);
      // the rdf.yaml of a package written before ONNX weights
      String stripped = yaml.replaceAll("(?m)^  onnx:\\n(    .*\\n)+", "").replaceAll("(?m)^ *onnx:\\n( {8,}.*\\n)+", "");
      assertFalse(stripped.contains("onnx"), stripped);
      Files.writeString(rdf, stripped + "# a hand-written note the export keeps\nx-note: kept\n");
      ModelPackage p = ModelPackage.open(old);
      assertFalse(p.hasOnnx());
      ModelPackageException e = assertThrows(ModelPackageException.class,
          () -> Inference.open(p, p.task().equals("pretrain") ? Job.EMBED : Job.DETECT, InferenceOptions.DEFAULTS, null, Engine.ONNXRUNTIME));
      assertTrue(e.getMessage().contains("./mflag export model="), e.getMessage());
      // where both engines load, auto takes ONNX Runtime on the CPU for a package with ONNX weights, TensorFlow for one without
      assertEquals(Engine.TENSORFLOW, Engine.choose(p, null));
      assertEquals(Engine.preferred(), Engine.choose(ModelPackage.open(source), null));
      try (Inference auto = Inference.open(p, p.task().equals("pretrain") ? Job.EMBED : Job.DETECT, InferenceOptions.DEFAULTS, null, Engine.AUTO)) {
        assertEquals("tensorflow", auto.engine());
      }

      Path zip = org.mflag.model.PackageZip.run(org.mflag.model.ExportConfig.of(org.mflag.config.KeyValues.parse("export",
          org.mflag.model.PackageZip.KEYS, List.of("model=" + old))), TestData.log());
      ModelPackage added = ModelPackage.open(old);
      assertTrue(added.hasOnnx());
      assertEquals(List.of(), added.onnxMismatches(added.onnxFile()));
      assertTrue(Files.readString(rdf).contains("x-note: kept"), "the export keeps every field of rdf.yaml");
      ModelPackage fromZip = ModelPackage.open(zip);
      assertEquals(List.of(), fromZip.onnxMismatches(fromZip.onnxFile()));
      if (source == encoder) fromZip.textOnnxFile();
      // a second export changes nothing
      String now = Files.readString(rdf);
      assertFalse(added.addOnnx());
      assertEquals(now, Files.readString(rdf));
    }
  }

  @Test
  void withoutTensorFlowAutoRunsOnnxRuntimeAndTheLauncherSaysWhy() throws Exception {
    Path manifest = tmp.resolve("few.csv");
    List<String> rows = new ArrayList<>(List.of("image"));
    try (java.util.stream.Stream<Path> files = Files.list(TestData.manifest().getParent().resolve("images"))) {
      files.sorted().limit(3).forEach(f -> rows.add(f.toAbsolutePath().toString()));
    }
    Files.write(manifest, rows);
    Path noNatives = Files.createDirectories(tmp.resolve("no-tensorflow"));
    for (String engine : List.of("auto", "tensorflow")) {
      Path out = tmp.resolve("no-tf-" + engine);
      List<String> cmd = TestData.java(List.of("-DTENSORFLOW_LIBRARY_PATH=" + noNatives), org.mflag.cli.Main.class,
          List.of("segment", "model=" + TASKS.get(Task.SEGMENTATION), "manifest=" + manifest, "output=" + out, "engine=" + engine));
      Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String log = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int rc = proc.waitFor();
      if (engine.equals("auto")) {
        assertEquals(0, rc, log);
        assertTrue(log.contains("engine: onnxruntime (engine=auto)"), log);
        assertEquals(4, Files.readAllLines(out.resolve("results.csv")).size(), log);
      } else {
        assertEquals(1, rc, log);
        String last = log.strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.contains("TensorFlow could not be loaded"), log);
      }
    }
  }
}
