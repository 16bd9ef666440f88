package org.mflag;

import java.nio.file.Path;
import org.mflag.nn.Architecture;
import org.mflag.train.PretrainConfig;
import org.scijava.log.LogLevel;
import org.scijava.log.Logger;
import org.scijava.log.StderrLogService;

/** The in-repo samples and settings shared by tests. */
public final class TestData {

  private TestData() {}

  /** {@code samples/cxr/manifest.csv} of this checkout. */
  public static Path manifest() {
    return Path.of(System.getProperty("mflag.samples", "samples")).resolve("cxr").resolve("manifest.csv");
  }

  /** One cache for all tests, so the frozen BERT runs once per build (target/ is wiped by mvn clean). */
  public static Path cacheDir() {
    return Path.of("target", "test-cache").toAbsolutePath();
  }

  /**
   * ImageJ's plugins folder as the README installs the plugin: {@code <dir>/ImageJ/plugins} holding a jar
   * with our {@code plugins.config}; also set as {@code plugins.dir}. Returns the folder.
   */
  public static Path installImageJPlugins(Path dir) throws java.io.IOException {
    Path plugins = java.nio.file.Files.createDirectories(dir.resolve("ImageJ").resolve("plugins"));
    try (java.io.OutputStream out = java.nio.file.Files.newOutputStream(plugins.resolve("mflag_fiji.jar"));
        java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(out);
        java.io.InputStream config = TestData.class.getResourceAsStream("/plugins.config")) {
      zip.putNextEntry(new java.util.zip.ZipEntry("plugins.config"));
      config.transferTo(zip);
      zip.closeEntry();
    }
    System.setProperty("plugins.dir", plugins.toString());
    return plugins;
  }

  public static Logger log() {
    StderrLogService log = new StderrLogService();
    log.setLevel(LogLevel.WARN);
    return log;
  }

  /**
   * Fine-tunes a small model on the samples (random ResNet-18 encoder, 64 px, batch 8) into {@code output}:
   * {@code keys} are extra or overriding {@code key, value} pairs. Returns {@code output}.
   */
  public static Path smallFinetune(org.mflag.config.Task task, Path output, String... keys) throws Exception {
    java.util.Map<String, String> k = new java.util.LinkedHashMap<>();
    k.put("manifest", manifest().toString());
    k.put("encoder_model", "random");
    k.put("encoder", "resnet18");
    k.put("output", output.toString());
    k.put("image_size", "64");
    k.put("batch_size", "8");
    k.put("epochs", "3");
    k.put("log_every", "1000");
    for (int i = 0; i < keys.length; i += 2) k.put(keys[i], keys[i + 1]);
    new org.mflag.train.Finetuner(org.mflag.train.FinetuneConfig.of(task, k), new org.mflag.imageio.ImageFileDecoder(), log())
        .run(new org.mflag.train.TrainingListener() {}, () -> false);
    return output;
  }

  /**
   * The JVM option that keeps a child JVM's unpacked TensorFlow natives where this test JVM keeps its own
   * ({@code mflag.natives.cache}, target/natives-cache under Maven), not in the user's cache.
   */
  public static java.util.List<String> nativesCache() {
    String dir = System.getProperty("mflag.natives.cache");
    return dir == null ? java.util.List.of() : java.util.List.of("-Dmflag.natives.cache=" + dir);
  }

  /**
   * A fresh JVM running {@code main} with this test's class path: java, the natives cache ({@link #nativesCache}),
   * {@code jvmOptions}, -cp, main class, {@code args}.
   */
  public static java.util.List<String> java(java.util.List<String> jvmOptions, Class<?> main, java.util.List<String> args) {
    java.util.List<String> cmd = new java.util.ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(nativesCache());
    cmd.addAll(jvmOptions);
    cmd.addAll(java.util.List.of("-cp", System.getProperty("java.class.path"), main.getName()));
    cmd.addAll(args);
    return cmd;
  }

  private static Path pretrained;

  /**
   * One pre-trained package shared by the test classes of this JVM: {@link #smallRun} for one epoch, into
   * {@code target/test-fixtures/} (made again by each test JVM). Tests read it and never change it.
   */
  public static synchronized Path pretrained() throws Exception {
    if (pretrained == null) {
      Path dir = Path.of("target", "test-fixtures", "pretrained-1-epoch").toAbsolutePath();
      org.mflag.io.Archives.deleteTree(dir);
      org.mflag.io.Archives.deleteTree(org.mflag.train.TrainingLoop.checkpointDir(dir));
      new org.mflag.train.Pretrainer(smallRun(dir).optEpochs(1).build(), new org.mflag.imageio.ImageFileDecoder(), log())
          .run(new org.mflag.train.TrainingListener() {}, () -> false);
      pretrained = dir;
    }
    return pretrained;
  }

  /** A small, fast run on the samples: ResNet-18, 64 px, batch 8 (6 steps per epoch). */
  public static PretrainConfig.Builder smallRun(Path output) {
    return PretrainConfig.builder().setManifest(manifest()).setOutput(output).optEncoder(Architecture.RESNET18)
        .optImageSize(64).optBatchSize(8).optEpochs(2).optSeed(1).optCacheDir(cacheDir()).optWorkers(2)
        .optLogEvery(100);
  }
}
