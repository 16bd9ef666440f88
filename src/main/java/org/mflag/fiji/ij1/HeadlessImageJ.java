package org.mflag.fiji.ij1;

import ij.Menus;
import java.awt.GraphicsEnvironment;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Makes {@code run("M-FLAG ...", "...")} work in plain ImageJ 1 inside a headless JVM (a cluster job,
 * {@code java -Djava.awt.headless=true -jar ij.jar -batch}, the tests). ImageJ 1 builds its command
 * table together with its AWT menu bar, which a headless JVM cannot create ({@code IJ.run} then fails
 * with HeadlessException for every plugin). Here the table is filled from the {@code plugins.config}
 * of every jar in the plugins folder, without AWT. Fiji's headless mode needs none of this.
 *
 * <p>From a macro: {@code call("org.mflag.fiji.ij1.HeadlessImageJ.install");} as its first line.</p>
 */
public final class HeadlessImageJ {

  private static final Pattern ENTRY = Pattern.compile("^\\s*[^,#]+,\\s*\"([^\"]+)\"\\s*,\\s*(.+?)\\s*$");

  private HeadlessImageJ() {}

  /**
   * Installs the command table when the JVM is headless and ImageJ has none yet; returns a short
   * description of what was done (macros' {@code call} needs a String).
   */
  public static synchronized String install() {
    if (Menus.getCommands() != null) return "ImageJ commands already installed";
    if (!GraphicsEnvironment.isHeadless()) return "not headless: ImageJ installs its own menus";
    Hashtable<String, String> table = new Hashtable<>();
    Path plugins = pluginsFolder();
    if (plugins != null && Files.isDirectory(plugins)) {
      try (Stream<Path> files = Files.walk(plugins, 2)) {
        for (Path jar : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".jar"))::iterator) readJar(jar, table);
      } catch (IOException e) {
        return "cannot list " + plugins + ": " + e.getMessage();
      }
    }
    if (table.isEmpty()) {
      try (InputStream in = HeadlessImageJ.class.getResourceAsStream("/plugins.config")) {
        if (in != null) read(in, table);
      } catch (IOException e) {
        return "cannot read plugins.config: " + e.getMessage();
      }
    }
    try {
      Field f = Menus.class.getDeclaredField("pluginsTable");
      f.setAccessible(true);
      f.set(null, table);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return "cannot install the command table: " + e;
    }
    return table.size() + " commands installed headless";
  }

  /**
   * Opens an image file as the current image, also in a headless JVM (where ImageJ 1's {@code open()}
   * fails): in batch mode or headless the image is registered as a batch-mode image, otherwise shown.
   * From a macro: {@code title = call("org.mflag.fiji.ij1.HeadlessImageJ.open", path);}
   */
  public static String open(String path) {
    ij.ImagePlus imp = ij.IJ.openImage(path);
    if (imp == null) throw new IllegalArgumentException(path + ": not an image ImageJ can open");
    if (GraphicsEnvironment.isHeadless() || ij.macro.Interpreter.isBatchMode()) {
      ij.macro.Interpreter.addBatchModeImage(imp);
      ij.WindowManager.setTempCurrentImage(imp);
    } else {
      imp.show();
    }
    return imp.getTitle();
  }

  private static Path pluginsFolder() {
    String dir = System.getProperty("plugins.dir");
    if (dir == null) dir = System.getProperty("user.dir");
    Path p = Path.of(dir);
    return p.getFileName() != null && p.getFileName().toString().equals("plugins") ? p : p.resolve("plugins");
  }

  private static void readJar(Path jar, Hashtable<String, String> table) throws IOException {
    try (JarFile jf = new JarFile(jar.toFile())) {
      java.util.jar.JarEntry e = jf.getJarEntry("plugins.config");
      if (e != null) {
        try (InputStream in = jf.getInputStream(e)) {
          read(in, table);
        }
      }
    }
  }

  static void read(InputStream in, Hashtable<String, String> table) throws IOException {
    BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    for (String line; (line = r.readLine()) != null; ) {
      Matcher m = ENTRY.matcher(line);
      if (!line.trim().startsWith("#") && m.matches()) table.put(m.group(1), m.group(2));
    }
  }
}
