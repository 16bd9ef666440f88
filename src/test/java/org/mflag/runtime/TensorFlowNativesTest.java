package org.mflag.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.config.Task;
import org.mflag.data.GrayImage;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.infer.Inference;
import org.mflag.infer.Job;

/**
 * TensorFlow's natives on every platform: the jars the build lays out as Fiji.app holds them hold what TensorFlow
 * Java's loader asks for on each platform; a jar is unpacked once, checked, and a damaged or hostile one is named; and
 * on Linux a training step and a segmentation run through this path, in a JVM without {@code TENSORFLOW_LIBRARY_PATH}.
 */
class TensorFlowNativesTest {

  /** The natives as {@code mvn} lays them out: {@code target/lib/<Fiji platform>/} (pom.xml). */
  static Path builtJar(NativePlatform p) {
    return Path.of("target").resolve(TensorFlowNatives.appPath(p)).toAbsolutePath();
  }

  @Test
  void everyPlatformsJarHoldsEveryLibraryTheLoaderAsksFor() throws IOException {
    for (NativePlatform p : NativePlatform.values()) {
      Path jar = builtJar(p);
      assertTrue(Files.isRegularFile(jar), jar + " (mvn generate-test-resources copies it)");
      Set<String> files = new TreeSet<>();
      try (ZipFile zip = new ZipFile(jar.toFile())) {
        for (ZipEntry e : TensorFlowNatives.libraryEntries(zip, jar, p)) files.add(e.getName().substring(e.getName().lastIndexOf('/') + 1));
      }
      List<List<String>> required = TensorFlowNatives.requiredLibraries(p);
      assertTrue(required.size() >= 2, p + ": the JNI library and at least one TensorFlow library: " + required);
      assertTrue(required.get(0).stream().anyMatch(n -> n.contains("jnitensorflow")), p + ": " + required);
      for (List<String> names : required) {
        assertTrue(names.stream().anyMatch(files::contains), p + ": " + jar.getFileName() + " lacks every name of " + names + "; it holds " + files);
      }
    }
    // the names follow each platform's convention, as JavaCPP's loader looks for them
    assertTrue(TensorFlowNatives.requiredLibraries(NativePlatform.WIN64).stream().anyMatch(n -> n.contains("tensorflow.dll")));
    assertTrue(TensorFlowNatives.requiredLibraries(NativePlatform.MACOS_ARM64).stream().anyMatch(n -> n.contains("libtensorflow_cc.2.dylib")));
    assertTrue(TensorFlowNatives.requiredLibraries(NativePlatform.LINUX64).stream().anyMatch(n -> n.contains("libtensorflow_cc.so.2")));
  }

  @Test
  void platformsAreNamedAsFijiAndTensorFlowJavaNameThem() {
    assertEquals(Optional.of(NativePlatform.LINUX64), NativePlatform.of("Linux", "amd64"));
    assertEquals(Optional.of(NativePlatform.WIN64), NativePlatform.of("Windows 11", "amd64"));
    assertEquals(Optional.of(NativePlatform.MACOS_ARM64), NativePlatform.of("Mac OS X", "aarch64"));
    assertEquals(Optional.empty(), NativePlatform.of("Mac OS X", "x86_64"), "Intel macOS: no TensorFlow 2.16 natives");
    assertEquals(Optional.empty(), NativePlatform.of("Linux", "aarch64"));
    assertEquals("lib/macos-arm64/tensorflow-core-native-1.0.0-macosx-arm64.jar", TensorFlowNatives.appPath(NativePlatform.MACOS_ARM64));
  }

  /** A natives jar for Linux with the given files in its platform folder, plus an unrelated entry. */
  private static Path fakeJar(Path dir, Map<String, byte[]> files) throws IOException {
    Path jar = dir.resolve(TensorFlowNatives.jarName(NativePlatform.LINUX64));
    try (OutputStream out = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(out)) {
      zip.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
      zip.write("Manifest-Version: 1.0\n".getBytes(StandardCharsets.UTF_8));
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        zip.putNextEntry(new ZipEntry("org/tensorflow/internal/c_api/linux-x86_64/" + f.getKey()));
        zip.write(f.getValue());
      }
    }
    return jar;
  }

  @Test
  void aJarIsUnpackedOnceAndAnIncompleteCopyIsReplaced(@TempDir Path dir) throws IOException {
    byte[] a = "library A".getBytes(StandardCharsets.UTF_8), b = new byte[100_000];
    new java.util.Random(1).nextBytes(b);
    Path jar = fakeJar(dir, Map.of("libjnitensorflow.so", a, "libtensorflow_cc.so.2", b));
    List<String> log = new ArrayList<>();
    Path cache = dir.resolve("cache");
    Path unpacked = TensorFlowNatives.unpacked(jar, NativePlatform.LINUX64, cache, log::add);
    assertArrayEquals(a, Files.readAllBytes(unpacked.resolve("libjnitensorflow.so")));
    assertArrayEquals(b, Files.readAllBytes(unpacked.resolve("libtensorflow_cc.so.2")));
    assertEquals(1, log.size(), "one line says it unpacks: " + log);
    assertTrue(log.get(0).contains(jar.toString()), log.get(0));

    FileTime written = Files.getLastModifiedTime(unpacked.resolve("libtensorflow_cc.so.2"));
    assertEquals(unpacked, TensorFlowNatives.unpacked(jar, NativePlatform.LINUX64, cache, log::add));
    assertEquals(1, log.size(), "the second start reuses the copy");
    assertEquals(written, Files.getLastModifiedTime(unpacked.resolve("libtensorflow_cc.so.2")));

    Files.write(unpacked.resolve("libtensorflow_cc.so.2"), new byte[10]); // cut short, as a full disk leaves it
    assertEquals(unpacked, TensorFlowNatives.unpacked(jar, NativePlatform.LINUX64, cache, log::add));
    assertArrayEquals(b, Files.readAllBytes(unpacked.resolve("libtensorflow_cc.so.2")));
    assertEquals(2, log.size());
    try (var s = Files.list(cache)) {
      assertEquals(List.of(unpacked), s.collect(java.util.stream.Collectors.toList()), "no temporary folder is left");
    }
  }

  @Test
  void damagedAndHostileJarsAreRefusedWithTheFileAndTheProblem(@TempDir Path dir) throws Exception {
    Path cache = dir.resolve("cache");
    // an entry that would leave its folder
    Path hostile = Files.createDirectories(dir.resolve("hostile"));
    fakeJar(hostile, Map.of("libjnitensorflow.so", new byte[] {1}, "../../../../escape.so", new byte[] {2}));
    IOException e = assertThrows(IOException.class,
        () -> TensorFlowNatives.unpacked(hostile.resolve(TensorFlowNatives.jarName(NativePlatform.LINUX64)), NativePlatform.LINUX64, cache, s -> {}));
    assertTrue(e.getMessage().contains("escape.so") && e.getMessage().contains("not a plain file name"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("escape.so")));

    // bytes changed after the jar was written: a stored entry whose content no longer matches its CRC
    Path damaged = Files.createDirectories(dir.resolve("damaged"));
    byte[] payload = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    Path jar = damaged.resolve(TensorFlowNatives.jarName(NativePlatform.LINUX64));
    try (OutputStream out = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(out)) {
      ZipEntry en = new ZipEntry("org/tensorflow/internal/c_api/linux-x86_64/libjnitensorflow.so");
      en.setMethod(ZipEntry.STORED);
      en.setSize(payload.length);
      CRC32 crc = new CRC32();
      crc.update(payload);
      en.setCrc(crc.getValue());
      zip.putNextEntry(en);
      zip.write(payload);
    }
    byte[] bytes = Files.readAllBytes(jar);
    int at = indexOf(bytes, payload);
    bytes[at + 5] ^= 0x55;
    Files.write(jar, bytes);
    e = assertThrows(IOException.class, () -> TensorFlowNatives.unpacked(jar, NativePlatform.LINUX64, cache, s -> {}));
    assertTrue(e.getMessage().contains("libjnitensorflow.so") && e.getMessage().contains("damaged"), e.getMessage());

    // a download cut short: not a jar at all; the message from the run-time path names the file and the fix
    Path truncated = Files.createDirectories(dir.resolve("truncated"));
    Path good = fakeJar(truncated, Map.of("libjnitensorflow.so", new byte[5000]));
    byte[] all = Files.readAllBytes(good);
    Files.write(good, java.util.Arrays.copyOf(all, all.length / 2));
    String before = System.getProperty("mflag.natives");
    System.setProperty("mflag.natives", truncated.toString());
    try {
      IllegalStateException ise = assertThrows(IllegalStateException.class, () -> TensorFlowNatives.libraryFolder(cache, s -> {}));
      assertTrue(ise.getMessage().startsWith(good.toString()) && ise.getMessage().contains("not a readable jar")
          && ise.getMessage().contains("updater"), ise.getMessage());
    } finally {
      if (before == null) System.clearProperty("mflag.natives");
      else System.setProperty("mflag.natives", before);
    }

    // a jar of another platform
    Path other = Files.createDirectories(dir.resolve("other"));
    Path win = fakeJar(other, Map.of("jnitensorflow.dll", new byte[] {1}));
    e = assertThrows(IOException.class, () -> TensorFlowNatives.unpacked(win, NativePlatform.WIN64, cache, s -> {}));
    assertTrue(e.getMessage().contains("windows-x86_64"), e.getMessage());
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
      return i;
    }
    throw new AssertionError("payload not found");
  }

  /**
   * The child: loads TensorFlow as Fiji would (no {@code TENSORFLOW_LIBRARY_PATH}), fine-tunes a small U-Net for one
   * epoch (training steps through the loaded natives), segments a sample X-ray with the package, and prints where
   * the natives came from and the mask's foreground share.
   */
  public static void main(String[] args) throws Exception {
    String version = TensorFlowRuntime.ensureLoaded();
    System.out.println("SOURCE " + TensorFlowRuntime.source());
    System.out.println("VERSION " + version);
    Path out = Path.of(args[0]);
    TestData.smallFinetune(Task.SEGMENTATION, out, "epochs", "1");
    GrayImage image = new ImageFileDecoder().read(TestData.manifest().getParent().resolve("images").resolve(args[1]));
    try (Inference m = Inference.open(out, Job.SEGMENT)) {
      float[] p = m.segment(image).probability();
      double mean = 0;
      for (float v : p) mean += v;
      System.out.println("SEGMENTED " + image.width() + "x" + image.height() + " mean probability " + mean / p.length);
    }
  }

  @Test
  void trainingAndSegmentationRunThroughTensorFlowJavasNativesJar(@TempDir Path dir) throws Exception {
    String image;
    try (var s = Files.list(TestData.manifest().getParent().resolve("images"))) {
      image = s.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg")).sorted()
          .findFirst().orElseThrow();
    }
    Path cache = dir.resolve("natives-cache");
    ProcessBuilder pb = new ProcessBuilder(TestData.java(List.of("-Xmx3g", "-Djava.awt.headless=true", "-Dmflag.natives.cache=" + cache,
        "-Dmflag.cache=" + dir.resolve("models")), TensorFlowNativesTest.class, List.of(dir.resolve("segmenter").toString(), image)))
        .redirectErrorStream(true);
    pb.environment().remove(TensorFlowRuntime.LIBRARY_PATH);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(10, TimeUnit.MINUTES));
    assertEquals(0, p.exitValue(), out);
    Path jar = builtJar(NativePlatform.LINUX64);
    assertTrue(out.contains("SOURCE " + cache.resolve("tensorflow-core-native-1.0.0-linux-x86_64")), out);
    assertTrue(out.contains("unpacking TensorFlow's natives") && out.contains(jar.toString()), "unpacked from target/lib/linux64: " + out);
    assertTrue(out.contains("VERSION 2.16"), out);
    assertTrue(out.contains("SEGMENTED "), out);
    assertTrue(Files.exists(dir.resolve("segmenter").resolve("rdf.yaml")), "the fine-tuned package was written");
  }
  /** The launcher in a JVM that reports Intel macOS, with no TENSORFLOW_LIBRARY_PATH: exit code and output. */
  private static String[] onIntelMac(String... args) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(TestData.java(List.of("-Xmx1g", "-Djava.awt.headless=true", "-Dos.name=Mac OS X", "-Dos.arch=x86_64"),
        org.mflag.cli.Main.class, List.of(args))).redirectErrorStream(true);
    pb.environment().remove(TensorFlowRuntime.LIBRARY_PATH);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(5, TimeUnit.MINUTES));
    return new String[] {String.valueOf(p.exitValue()), out};
  }

  @Test
  void onIntelMacTensorFlowCommandsSayWhyInOneLineAndTheRestWork(@TempDir Path dir) throws Exception {
    Path model = TestData.smallFinetune(Task.SEGMENTATION, dir.resolve("segmenter"), "epochs", "1");
    String[] r = onIntelMac("finetune-segmenter", "manifest=" + TestData.manifest(), "encoder_model=random", "encoder=resnet18",
        "output=" + dir.resolve("new"), "image_size=64", "batch_size=8", "epochs=1");
    assertEquals("1", r[0], r[1]);
    String line = r[1].trim();
    assertEquals(1, line.lines().count(), "one line: " + r[1]);
    assertTrue(line.startsWith("mflag finetune-segmenter: TensorFlow has no natives for macOS on Intel (x86_64)")
        && line.contains("export, DICOM reading and package checks work"), line);

    r = onIntelMac("export", "model=" + model, "output=" + dir.resolve("segmenter.zip"));
    assertEquals("0", r[0], r[1]);
    assertTrue(Files.size(dir.resolve("segmenter.zip")) > 0);
    r = onIntelMac("about");
    assertTrue(r[1].contains("tensorflow: NOT FOUND: TensorFlow has no natives for macOS on Intel"), r[1]);
  }
}
