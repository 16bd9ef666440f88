package org.mflag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * The package rules of {@code src/main/java/org/mflag} (the product: the plugin jar and the launcher) and
 * {@code src/tools/java/org/mflag} (the developer tools: {@code ./mflag bench}, {@code experiment} and
 * {@code study}, compiled into {@code target/tools-classes}, never into the plugin jar or onto the update site).
 *
 * <ul>
 * <li>The core packages never import ImageJ, Swing or SciJava's UI, and never name an AWT type but the headless
 * ones below; only the adapters ({@code cli}, {@code fiji}) do. Exceptions: {@code imageio}, the core's default
 * image reader, may import ImageJ 1's codecs ({@code ij.io.*}, {@code ij.ImagePlus}, {@code ij.Prefs},
 * {@code ij.process.*}, {@code ij.measure.Calibration}) and {@code java.awt.image.*} (what javax.imageio returns),
 * never {@code ij.IJ}, {@code ij.gui}, {@code ij.plugin}, {@code ij.WindowManager}, other AWT or Swing.</li>
 * <li>AWT in the core: {@code report} draws PNG files with headless Java2D ({@link #REPORT_AWT}: a
 * {@code BufferedImage} and its {@code Graphics2D}, colours, fonts, strokes, rendering hints, colour spaces and
 * rasters, all off-screen). The core needs it because the core writes model packages, headless, with their cover
 * images ({@code report/CoverImage}: the launcher, Spark and Fiji's commands all write packages), and the tools'
 * plots ({@code report/LinePlot}). These types work under {@code -Djava.awt.headless=true}; what needs a display
 * ({@code Frame}, {@code Window}, {@code Toolkit}, {@code Component}, {@code java.awt.event}, ...) stays in the
 * adapters. Checked on imports and on fully-qualified names alike.</li>
 * <li>Layers: every core package has a rank ({@link #LAYERS}, lowest first) and references only
 * packages of lower rank or itself. The adapters may use every core package but not each other; no
 * core package references an adapter. The developer tools ({@link #TOOLS}) may use every core package and
 * {@code cli} (they are launcher commands: {@code cli/CliCommand}, found with ServiceLoader), not each other nor
 * the other adapters; nothing in {@code src/main} references a tool. References are {@code import org.mflag.x...}
 * lines and fully-qualified {@code org.mflag.x.Y} in any line that is not a comment.</li>
 * </ul>
 */
class ArchitectureRulesTest {

  private static final Path SRC = Path.of("src", "main", "java", "org", "mflag");
  private static final Path TOOLS_SRC = Path.of("src", "tools", "java", "org", "mflag");

  /** The core packages, lowest layer first. A new package gets a place here. */
  static final List<String> LAYERS = List.of("config", "io", "report", "runtime", "data", "imageio", "nn", "onnx", "text", "loss", "model",
      "zeroshot", "eval", "infer", "retrieval", "train");
  /** On top of the whole core, independent of each other. */
  static final List<String> ADAPTERS = List.of("cli", "fiji", "spark", "updatesite");
  /** The developer tools, in {@code src/tools/java}: on top of the core and {@code cli}, independent of each other. */
  static final List<String> TOOLS = List.of("experiment", "bench");

  private static final List<String> UI = List.of("import ij.", "import net.imagej.", "import javax.swing.", "import org.scijava.ui.",
      "import static ij.", "import static net.imagej.", "import static javax.swing.", "import static org.scijava.ui.");
  /** ImageJ 1's codecs: headless, no windows, menus or IJ. */
  private static final List<String> IMAGEIO_ALLOWED = List.of("import ij.io.", "import ij.ImagePlus;", "import ij.Prefs;",
      "import ij.process.", "import ij.measure.Calibration;");
  /** javax.imageio's image classes. Entries ending in a dot are packages under java.awt, the others types. */
  private static final List<String> IMAGEIO_AWT = List.of("image.");
  /** Headless Java2D for the PNGs: off-screen images, their Graphics2D and what it draws with. */
  static final List<String> REPORT_AWT = List.of("image.", "color.", "Graphics2D", "Color", "Font", "FontMetrics", "BasicStroke",
      "RenderingHints", "Transparency");

  private static final Pattern REFERENCE = Pattern.compile("\\borg\\.mflag\\.([a-z_][a-z0-9_]*)");
  /** A java.awt type or wildcard, imported or fully qualified: {@code java.awt.image.BufferedImage} is {@code image.BufferedImage}. */
  private static final Pattern AWT = Pattern.compile("(?<![\\w.])java\\.awt\\.((?:[a-z][a-z0-9_]*\\.)*(?:[A-Z][A-Za-z0-9_]*|\\*))");

  @Test
  void coreHasNoUiImports() throws IOException {
    List<String> bad = new ArrayList<>();
    for (String pkg : LAYERS) bad.addAll(uiViolations(SRC.resolve(pkg), pkg));
    for (String pkg : TOOLS) bad.addAll(uiViolations(TOOLS_SRC.resolve(pkg), pkg));
    assertTrue(bad.isEmpty(), "UI in the core or the tools (only the adapters cli and fiji may; imageio may use ImageJ 1's codecs"
        + " and java.awt.image, report headless Java2D " + REPORT_AWT + "):\n" + String.join("\n", bad));
  }

  @Test
  void uiCheckFindsViolations(@TempDir Path root) throws IOException {
    write(root, "report/P.java", "package org.mflag.report;", "import java.awt.Graphics2D;", "import java.awt.image.BufferedImage;",
        "import java.awt.Frame;", "import java.awt.*;", "import java.awt.event.ActionEvent;",
        "class P { java.awt.color.ColorSpace s; Object t = java.awt.Toolkit.getDefaultToolkit(); String h = \"-Djava.awt.headless=true\"; }",
        "// java.awt.Window in a comment is fine");
    write(root, "data/Q.java", "package org.mflag.data;", "import java.awt.image.BufferedImage;", "import ij.io.Opener;");
    write(root, "imageio/R.java", "package org.mflag.imageio;", "import java.awt.image.Raster;", "import ij.io.Opener;",
        "import ij.IJ;", "import java.awt.Color;");
    List<String> bad = new ArrayList<>();
    for (String pkg : List.of("data", "imageio", "report")) bad.addAll(uiViolations(root.resolve(pkg), pkg));
    assertEquals(List.of("Q.java:2: java.awt.image.BufferedImage", "Q.java:3: import ij.io.Opener;", "R.java:4: import ij.IJ;",
        "R.java:5: java.awt.Color", "P.java:4: java.awt.Frame", "P.java:5: java.awt.*", "P.java:6: java.awt.event.ActionEvent",
        "P.java:7: java.awt.Toolkit"), bad.stream().map(b -> b.substring(b.lastIndexOf('/') + 1)).collect(Collectors.toList()));
  }

  /** The forbidden UI imports and AWT names of package {@code pkg} in {@code dir}, as {@code file:line: what}. */
  static List<String> uiViolations(Path dir, String pkg) throws IOException {
    List<String> bad = new ArrayList<>();
    if (!Files.isDirectory(dir)) return bad;
    List<String> allowed = pkg.equals("imageio") ? IMAGEIO_ALLOWED : List.of();
    List<String> awt = pkg.equals("imageio") ? IMAGEIO_AWT : pkg.equals("report") ? REPORT_AWT : List.of();
    for (Path f : javaFiles(dir)) {
      List<String> lines = Files.readAllLines(f);
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i).trim();
        if (line.startsWith("*") || line.startsWith("/*") || line.startsWith("//")) continue;
        if (UI.stream().anyMatch(line::startsWith) && allowed.stream().noneMatch(line::startsWith)) {
          bad.add(f + ":" + (i + 1) + ": " + line);
        }
        Matcher m = AWT.matcher(line);
        while (m.find()) {
          String type = m.group(1);
          if (awt.stream().noneMatch(a -> a.endsWith(".") ? type.startsWith(a) : type.equals(a))) bad.add(f + ":" + (i + 1) + ": java.awt." + type);
        }
      }
    }
    return bad;
  }

  @Test
  void packagesReferenceOnlyLowerLayers() throws IOException {
    List<String> bad = layerViolations(SRC, false);
    bad.addAll(layerViolations(TOOLS_SRC, true));
    assertTrue(bad.isEmpty(), "Layer order " + LAYERS + " < " + ADAPTERS + " < tools " + TOOLS + " broken:\n" + String.join("\n", bad));
  }

  @Test
  void theToolsAreInTheirOwnSourceSet() {
    for (String tool : TOOLS) {
      assertTrue(Files.isDirectory(TOOLS_SRC.resolve(tool)), TOOLS_SRC.resolve(tool) + " is missing");
      assertFalse(Files.exists(SRC.resolve(tool)), SRC.resolve(tool) + ": a developer tool, its place is " + TOOLS_SRC);
    }
  }

  @Test
  void layerCheckFindsViolations(@TempDir Path root) throws IOException {
    Path main = root.resolve("main"), tools = root.resolve("tools");
    write(main, "data/A.java", "package org.mflag.data;", "import org.mflag.config.Key;", "/** see {@link org.mflag.nn.X} */",
        "class A { org.mflag.train.Y y; }");
    write(main, "cli/B.java", "package org.mflag.cli;", "import org.mflag.fiji.convert.Z;", "import org.mflag.bench.W;");
    write(main, "config/C.java", "package org.mflag.config;", "  // org.mflag.fiji is fine in a comment",
        "import static org.mflag.cli.Main.main;");
    write(main, "newpkg/D.java", "package org.mflag.newpkg;");
    write(main, "bench/E.java", "package org.mflag.bench;");
    write(tools, "bench/F.java", "package org.mflag.bench;", "import org.mflag.train.Finetuner;", "import org.mflag.cli.CliCommand;",
        "import org.mflag.experiment.Study;", "import org.mflag.fiji.G;");
    write(tools, "train/H.java", "package org.mflag.train;");
    List<String> bad = layerViolations(main, false);
    assertEquals(6, bad.size(), String.join("\n", bad));
    assertTrue(bad.get(0).contains("bench") && bad.get(0).contains("src/tools"), bad.get(0));
    assertTrue(bad.get(1).contains("B.java:2") && bad.get(1).contains("adapter cli uses adapter fiji"), bad.get(1));
    assertTrue(bad.get(2).contains("B.java:3") && bad.get(2).contains("adapter cli uses tool bench"), bad.get(2));
    assertTrue(bad.get(3).contains("C.java:3") && bad.get(3).contains("core package config uses adapter cli"), bad.get(3));
    assertTrue(bad.get(4).contains("A.java:4") && bad.get(4).contains("data uses higher layer train"), bad.get(4));
    assertTrue(bad.get(5).contains("newpkg") && bad.get(5).contains("rank"), bad.get(5));
    bad = layerViolations(tools, true);
    assertEquals(3, bad.size(), String.join("\n", bad));
    assertTrue(bad.get(0).contains("F.java:4") && bad.get(0).contains("tool bench uses tool experiment"), bad.get(0));
    assertTrue(bad.get(1).contains("F.java:5") && bad.get(1).contains("tool bench uses adapter fiji"), bad.get(1));
    assertTrue(bad.get(2).contains("train") && bad.get(2).contains("not a developer tool"), bad.get(2));
  }

  /**
   * Every reference against the layer order, as {@code file:line: why: line}; {@code root} is {@code src/main}'s
   * {@code org/mflag} or, with {@code tools}, {@code src/tools}'.
   */
  static List<String> layerViolations(Path root, boolean tools) throws IOException {
    List<String> bad = new ArrayList<>();
    List<Path> dirs;
    try (Stream<Path> s = Files.list(root)) {
      dirs = s.filter(Files::isDirectory).sorted().collect(Collectors.toList());
    }
    for (Path dir : dirs) {
      String pkg = dir.getFileName().toString();
      if (tools && !TOOLS.contains(pkg)) {
        bad.add(dir + ": package org.mflag." + pkg + " is not a developer tool: the product's packages live in src/main/java"
            + " (a new tool gets a place in ArchitectureRulesTest.TOOLS)");
        continue;
      }
      if (!tools && TOOLS.contains(pkg)) {
        bad.add(dir + ": package org.mflag." + pkg + " is a developer tool: its place is src/tools/java (not in the plugin)");
        continue;
      }
      if (!tools && !LAYERS.contains(pkg) && !ADAPTERS.contains(pkg)) {
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
    boolean fromTool = TOOLS.contains(from), toTool = TOOLS.contains(to);
    String kind = fromTool ? "tool " : fromAdapter ? "adapter " : "core package ";
    if (toTool) return kind + from + " uses tool " + to + " (src/tools, not in the plugin)";
    if (!toAdapter && !LAYERS.contains(to)) return "org.mflag." + to + " is not a ranked package";
    if (fromTool) return toAdapter && !to.equals("cli") ? kind + from + " uses adapter " + to : null;
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
