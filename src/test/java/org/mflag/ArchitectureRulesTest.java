package org.mflag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The package rules of {@code src/main/java/org/mflag}.
 *
 * <ul>
 * <li>The core packages never import ImageJ, AWT, Swing or SciJava's UI; only the adapters ({@code cli},
 * {@code fiji}) do. Exceptions: {@code imageio}, the core's default image reader, may import ImageJ 1's
 * codecs ({@code ij.io.*}, {@code ij.ImagePlus}, {@code ij.Prefs}, {@code ij.process.*},
 * {@code ij.measure.Calibration}) and {@code java.awt.image.*} (what javax.imageio returns), never
 * {@code ij.IJ}, {@code ij.gui}, {@code ij.plugin}, {@code ij.WindowManager}, other AWT or Swing;
 * {@code report} draws PNGs with headless Java2D, so it may import {@code java.awt.*} and nothing else
 * of these.</li>
 * <li>Layers: every core package has a rank ({@link #LAYERS}, lowest first) and references only
 * packages of lower rank or itself. The adapters may use every core package but not each other; no
 * core package references an adapter. References are {@code import org.mflag.x...} lines and
 * fully-qualified {@code org.mflag.x.Y} in any line that is not a comment.</li>
 * </ul>
 */
class ArchitectureRulesTest {

  private static final Path SRC = Path.of("src", "main", "java", "org", "mflag");

  /** The core packages, lowest layer first. A new package gets a place here. */
  static final List<String> LAYERS = List.of("config", "io", "report", "runtime", "data", "imageio", "nn", "text", "loss", "model",
      "zeroshot", "eval", "infer", "retrieval", "train", "experiment", "bench");
  /** On top of the whole core, independent of each other. */
  static final List<String> ADAPTERS = List.of("cli", "fiji", "spark", "updatesite");

  private static final List<String> UI = List.of("import ij.", "import net.imagej.", "import java.awt.", "import javax.swing.",
      "import org.scijava.ui.", "import static ij.", "import static net.imagej.", "import static java.awt.",
      "import static javax.swing.", "import static org.scijava.ui.");
  /** ImageJ 1's codecs and javax.imageio's image classes: headless, no windows, menus or IJ. */
  private static final List<String> IMAGEIO_ALLOWED = List.of("import ij.io.", "import ij.ImagePlus;", "import ij.Prefs;",
      "import ij.process.", "import ij.measure.Calibration;", "import java.awt.image.");
  /** Headless Java2D for the plots. */
  private static final List<String> REPORT_ALLOWED = List.of("import java.awt.");

  private static final Pattern REFERENCE = Pattern.compile("\\borg\\.mflag\\.([a-z_][a-z0-9_]*)");

  @Test
  void coreHasNoUiImports() throws IOException {
    List<String> bad = new ArrayList<>();
    for (String pkg : LAYERS) {
      Path dir = SRC.resolve(pkg);
      if (!Files.isDirectory(dir)) continue;
      List<String> allowed = pkg.equals("imageio") ? IMAGEIO_ALLOWED : pkg.equals("report") ? REPORT_ALLOWED : List.of();
      for (Path f : javaFiles(dir)) {
        List<String> lines = Files.readAllLines(f);
        for (int i = 0; i < lines.size(); i++) {
          String line = lines.get(i).trim();
          if (UI.stream().anyMatch(line::startsWith) && allowed.stream().noneMatch(line::startsWith)) {
            bad.add(f + ":" + (i + 1) + ": " + line);
          }
        }
      }
    }
    assertTrue(bad.isEmpty(), "UI imports in the core (only the adapters cli and fiji may; imageio may use ImageJ 1's codecs"
        + " and java.awt.image, report headless Java2D):\n" + String.join("\n", bad));
  }

  @Test
  void packagesReferenceOnlyLowerLayers() throws IOException {
    List<String> bad = layerViolations(SRC);
    assertTrue(bad.isEmpty(), "Layer order " + LAYERS + " < " + ADAPTERS + " broken:\n" + String.join("\n", bad));
  }

  @Test
  void layerCheckFindsViolations(@TempDir Path root) throws IOException {
    write(root, "data/A.java", "package org.mflag.data;", "import org.mflag.config.Key;", "/** see {@link org.mflag.nn.X} */",
        "class A { org.mflag.train.Y y; }");
    write(root, "cli/B.java", "package org.mflag.cli;", "import org.mflag.fiji.convert.Z;", "import org.mflag.bench.W;");
    write(root, "config/C.java", "package org.mflag.config;", "  // org.mflag.fiji is fine in a comment",
        "import static org.mflag.cli.Main.main;");
    write(root, "newpkg/D.java", "package org.mflag.newpkg;");
    List<String> bad = layerViolations(root);
    assertEquals(4, bad.size(), String.join("\n", bad));
    assertTrue(bad.get(0).contains("B.java:2") && bad.get(0).contains("adapter cli uses adapter fiji"), bad.get(0));
    assertTrue(bad.get(1).contains("C.java:3") && bad.get(1).contains("core package config uses adapter cli"), bad.get(1));
    assertTrue(bad.get(2).contains("A.java:4") && bad.get(2).contains("data uses higher layer train"), bad.get(2));
    assertTrue(bad.get(3).contains("newpkg") && bad.get(3).contains("rank"), bad.get(3));
  }

  /** Every reference against the layer order, as {@code file:line: why: line}. */
  static List<String> layerViolations(Path root) throws IOException {
    List<String> bad = new ArrayList<>();
    List<Path> dirs;
    try (Stream<Path> s = Files.list(root)) {
      dirs = s.filter(Files::isDirectory).sorted().collect(Collectors.toList());
    }
    for (Path dir : dirs) {
      String pkg = dir.getFileName().toString();
      if (!LAYERS.contains(pkg) && !ADAPTERS.contains(pkg)) {
        bad.add(dir + ": package org.mflag." + pkg + " has no layer: give it a rank in ArchitectureRulesTest.LAYERS (or ADAPTERS)");
        continue;
      }
      for (Path f : javaFiles(dir)) {
        List<String> lines = Files.readAllLines(f);
        for (int i = 0; i < lines.size(); i++) {
          String line = lines.get(i).trim();
          if (line.startsWith("*") || line.startsWith("/*") || line.startsWith("//") || line.startsWith("package ")) continue;
          Matcher m = REFERENCE.matcher(line);
          while (m.find()) {
            String why = forbidden(pkg, m.group(1));
            if (why != null) bad.add(f + ":" + (i + 1) + ": " + why + ": " + line);
          }
        }
      }
    }
    return bad;
  }

  /** Why {@code from} may not reference {@code to}, or null when it may. */
  private static String forbidden(String from, String to) {
    if (from.equals(to)) return null;
    boolean fromAdapter = ADAPTERS.contains(from), toAdapter = ADAPTERS.contains(to);
    if (!toAdapter && !LAYERS.contains(to)) return "org.mflag." + to + " is not a ranked package";
    if (fromAdapter && toAdapter) return "adapter " + from + " uses adapter " + to;
    if (fromAdapter) return null;
    if (toAdapter) return "core package " + from + " uses adapter " + to;
    return LAYERS.indexOf(to) < LAYERS.indexOf(from) ? null : from + " uses higher layer " + to;
  }

  private static List<Path> javaFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> p.toString().endsWith(".java")).sorted().collect(Collectors.toList());
    }
  }

  private static void write(Path root, String file, String... lines) throws IOException {
    Path f = root.resolve(file);
    Files.createDirectories(f.getParent());
    Files.write(f, Arrays.asList(lines));
  }
}
