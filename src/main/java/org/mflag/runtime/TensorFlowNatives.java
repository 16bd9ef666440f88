package org.mflag.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.bytedeco.javacpp.ClassProperties;
import org.bytedeco.javacpp.Loader;
import org.mflag.io.Archives;

/**
 * TensorFlow's native libraries on every platform: TensorFlow Java's own natives jar,
 * {@code org.tensorflow:tensorflow-core-native:1.0.0:<classifier>} (TensorFlow 2.16, the line whose JNI DJL 0.36's
 * TensorFlow Java API calls), found beside the plugin and unpacked once into a cache folder, from where DJL loads
 * them. The same path runs on Linux, Windows and Apple-silicon macOS; nothing is downloaded and no variable needs
 * setting.
 *
 * <p>Where the jar is looked for, in order: a folder given by the system property {@code mflag.natives}; every
 * class-path entry of that name (Spark's {@code --jars}, a Maven user's class path); and, from the folder that holds
 * our own classes ({@code Fiji.app/plugins/mflag_fiji-*.jar}, {@code Fiji.app/jars/}, or the build's
 * {@code target/classes}), the application folder above it: its {@code lib/<platform>/}, where Fiji's update site
 * installs it ({@code lib/linux64/}, {@code lib/win64/}, {@code lib/macos-arm64/}), then {@code jars/<platform>/}
 * and {@code plugins/jars/} (a hand-made ImageJ 1 install). The update site keeps the jar under {@code lib/}, not
 * {@code jars/}, so that it stays off Fiji's class path: there JavaCPP would unpack a second copy of its 600 MB.</p>
 *
 * <p>The jar is read as untrusted: only plain file names directly in its platform folder are unpacked, each
 * checked against the jar's CRC-32 and size as it is written, into a temporary folder that becomes the cache entry
 * in one move (a crash or a second Fiji leaves no half-written entry). {@code TENSORFLOW_LIBRARY_PATH}, when set,
 * names an unpacked folder and wins over all of this (the CUDA natives of {@code install-cuda} on Linux).</p>
 */
public final class TensorFlowNatives {

  /** TensorFlow Java's version whose natives we ship: TensorFlow 2.16. */
  public static final String VERSION = "1.0.0";
  /** The Maven artifact, {@code org.tensorflow:tensorflow-core-native}. */
  public static final String ARTIFACT = "tensorflow-core-native";
  /** TensorFlow Java's class that JavaCPP loads the libraries for. */
  static final String GLOBAL_CLASS = "org.tensorflow.internal.c_api.global.tensorflow";
  /** The file in an unpacked folder that lists what was unpacked (name, size, CRC-32 per line). */
  static final String MANIFEST = ".unpacked";

  private TensorFlowNatives() {}

  /** The natives jar's file name: {@code tensorflow-core-native-1.0.0-windows-x86_64.jar}. */
  public static String jarName(NativePlatform p) {
    return ARTIFACT + "-" + VERSION + "-" + p.classifier() + ".jar";
  }

  /** Where the update site installs it, relative to {@code Fiji.app}: {@code lib/win64/tensorflow-core-native-...jar}. */
  public static String appPath(NativePlatform p) {
    return "lib/" + p.fijiName() + "/" + jarName(p);
  }

  /** The folder of the libraries inside the jar. */
  static String folderInJar(NativePlatform p) {
    return "org/tensorflow/internal/c_api/" + p.classifier() + "/";
  }

  /**
   * The libraries that TensorFlow Java's loader (JavaCPP) must find on {@code p}, read from TensorFlow Java's own
   * annotations rather than written here: the JNI library and every {@code link} library. Each is given as the file
   * names JavaCPP accepts for it there ({@code libtensorflow_cc.so.2}, {@code libtensorflow_cc.2.dylib},
   * {@code tensorflow.dll}, ...); any one present satisfies it. The {@code preload} libraries (Windows' C runtime) are
   * optional for JavaCPP and not listed, nor are system libraries that JavaCPP leaves to the operating system.
   */
  public static List<List<String>> requiredLibraries(NativePlatform p) {
    Properties platform = Loader.loadProperties(p.classifier(), null);
    ClassProperties props;
    try {
      props = Loader.loadProperties(Class.forName(GLOBAL_CLASS, false, TensorFlowNatives.class.getClassLoader()), platform, true);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("TensorFlow Java's API (" + GLOBAL_CLASS + ") is not on the class path", e);
    }
    List<String> names = new ArrayList<>();
    String jni = props.getProperty("platform.library");
    names.add(jni == null || jni.isEmpty() ? "jnitensorflow" : jni);
    names.addAll(props.get("platform.link"));
    String prefix = platform.getProperty("platform.library.prefix", "");
    String[] suffixes = platform.getProperty("platform.library.suffix", "").split("[:;]");
    List<List<String>> out = new ArrayList<>();
    for (String name : names) {
      // "name#": a system library JavaCPP leaves to the operating system (Windows' psapi), never one of ours
      if (!name.trim().endsWith("#") || name.trim().endsWith("##")) out.add(fileNames(name, prefix, suffixes));
    }
    return out;
  }

  /** JavaCPP's file names for a library {@code name@version} (Loader.findLibrary's Linux, macOS and plain styles). */
  static List<String> fileNames(String spec, String prefix, String[] suffixes) {
    String s = spec.endsWith("!") ? spec.substring(0, spec.length() - 1) : spec;
    String[] parts = s.split("#")[0].split("@");
    String name = parts[0], version = parts.length > 1 ? parts[parts.length - 1] : "";
    Set<String> out = new LinkedHashSet<>();
    for (String suffix : suffixes) {
      if (!version.isEmpty()) {
        out.add(prefix + name + suffix + version);
        out.add(prefix + name + version + suffix);
      }
      out.add(prefix + name + suffix);
    }
    return List.copyOf(out);
  }

  /** The places {@link #find} looks, in order (they need not exist). */
  static List<Path> candidates(NativePlatform p) {
    Set<Path> out = new LinkedHashSet<>();
    String dir = System.getProperty("mflag.natives");
    if (dir != null && !dir.isBlank()) out.add(Path.of(dir).resolve(jarName(p)));
    for (String entry : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
      try {
        Path e = Path.of(entry);
        if (!entry.isEmpty() && e.getFileName() != null && e.getFileName().toString().equals(jarName(p))) out.add(e);
      } catch (java.nio.file.InvalidPathException ignored) {
        // a class-path entry that is no path of this file system holds no natives
      }
    }
    applicationFolder().ifPresent(app -> {
      out.add(app.resolve(appPath(p)));
      out.add(app.resolve("jars").resolve(p.fijiName()).resolve(jarName(p)));
      out.add(app.resolve("plugins").resolve("jars").resolve(jarName(p)));
    });
    return List.copyOf(out);
  }

  /**
   * The folder above the one holding our classes: {@code Fiji.app} for {@code Fiji.app/plugins/mflag_fiji.jar} or
   * {@code Fiji.app/jars/...}, {@code target} for the build's {@code target/classes}.
   */
  static Optional<Path> applicationFolder() {
    CodeSource src = TensorFlowNatives.class.getProtectionDomain().getCodeSource();
    if (src == null || src.getLocation() == null) return Optional.empty();
    try {
      Path here = Path.of(src.getLocation().toURI()).toAbsolutePath();
      // a jar: the folder above its own (plugins/, jars/); a class folder (target/classes): the folder above it
      Path app = Files.isDirectory(here) ? here.getParent() : here.getParent() == null ? null : here.getParent().getParent();
      return Optional.ofNullable(app);
    } catch (URISyntaxException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
      return Optional.empty();
    }
  }

  /** The natives jar for {@code p}: the first of {@link #candidates} that is a regular file. */
  public static Optional<Path> find(NativePlatform p) {
    for (Path c : candidates(p)) {
      if (Files.isRegularFile(c)) return Optional.of(c);
    }
    return Optional.empty();
  }

  /**
   * The folder to load TensorFlow from on this machine: unpacked from the natives jar on first use (once per jar:
   * about 600 MB, a few seconds), then reused. Fails with one line that says what is missing and where it looked.
   */
  public static Path libraryFolder(Path cacheRoot, Consumer<String> log) {
    NativePlatform p = NativePlatform.current().orElseThrow(() -> new TensorFlowUnavailableException(noNativesMessage()));
    Path jar = find(p).orElseThrow(() -> new TensorFlowUnavailableException("TensorFlow's natives for " + p.description() + " ("
        + jarName(p) + ") are not installed: Fiji's updater puts them into Fiji.app/" + appPath(p)
        + " (Help > Update..., update site M-FLAG); looked in " + candidates(p)));
    try {
      return unpacked(jar, p, cacheRoot, log);
    } catch (IOException e) {
      throw new TensorFlowUnavailableException(jar + ": TensorFlow's natives cannot be unpacked into " + cacheRoot + " (" + e.getMessage()
          + "); run Fiji's updater again if the file is damaged", e);
    }
  }

  /** The one line where TensorFlow Java serves no natives: which commands stop and which work. */
  public static String noNativesMessage() {
    return "TensorFlow has no natives for " + NativePlatform.describeCurrent() + " (TensorFlow Java " + VERSION
        + " serves Linux x86_64, Windows x86_64 and macOS on Apple silicon): training and applying models need it;"
        + " export, DICOM reading and package checks work here. To train or apply models, run on one of those platforms"
        + " (an Intel Mac can reach a Linux machine or a cluster: see docs/scaling-out.md), or point TENSORFLOW_LIBRARY_PATH"
        + " at a folder holding libtensorflow 2.16 built for this platform";
  }

  /** The default cache root: {@code mflag.natives.cache} (a system property), else {@code ~/.cache/mflag/natives}. */
  public static Path defaultCacheRoot() {
    String custom = System.getProperty("mflag.natives.cache");
    if (custom != null && !custom.isBlank()) return Path.of(custom);
    return org.mflag.config.CacheFolder.defaultFolder().resolve("natives");
  }

  /**
   * {@code jar}'s libraries for {@code p}, unpacked into {@code cacheRoot/<jar name>-<size>-<crc of its entries>}
   * unless a complete copy is there already. A complete copy is one whose {@link #MANIFEST} lists exactly the jar's
   * entries with their sizes, and whose files have those sizes.
   */
  static Path unpacked(Path jar, NativePlatform p, Path cacheRoot, Consumer<String> log) throws IOException {
    try (ZipFile zip = openZip(jar)) {
      List<ZipEntry> entries = libraryEntries(zip, jar, p);
      String manifest = manifestOf(entries);
      CRC32 id = new CRC32();
      id.update(manifest.getBytes(StandardCharsets.UTF_8));
      String name = jarName(p).replace(".jar", "") + "-" + Long.toHexString(id.getValue());
      Path target = cacheRoot.resolve(name);
      if (isComplete(target, entries, manifest)) return target;
      Files.createDirectories(cacheRoot);
      long bytes = entries.stream().mapToLong(ZipEntry::getSize).sum();
      log.accept(String.format(Locale.ROOT, "unpacking TensorFlow's natives (%d files, %.0f MB, once) from %s into %s", entries.size(),
          bytes / 1e6, jar, target));
      Path tmp = Files.createTempDirectory(cacheRoot, name + ".tmp");
      try {
        for (ZipEntry e : entries) copyChecked(zip, e, jar, tmp.resolve(fileName(e)));
        Files.writeString(tmp.resolve(MANIFEST), manifest, StandardCharsets.UTF_8);
        if (isComplete(target, entries, manifest)) return target; // another process unpacked it meanwhile
        if (Files.exists(target)) Archives.deleteTree(target); // incomplete: replaced whole
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException raced) {
          if (!isComplete(target, entries, manifest)) throw raced; // another process unpacked it meanwhile
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, target);
        }
      } finally {
        if (Files.exists(tmp)) Archives.deleteTree(tmp);
      }
      return target;
    }
  }

  private static ZipFile openZip(Path jar) throws IOException {
    try {
      return new ZipFile(jar.toFile());
    } catch (ZipException e) {
      throw new IOException("not a readable jar (" + e.getMessage() + ")", e);
    }
  }

  /** The jar's files directly in {@code p}'s folder, by plain name; a jar without the JNI library is refused. */
  public static List<ZipEntry> libraryEntries(ZipFile zip, Path jar, NativePlatform p) throws IOException {
    String folder = folderInJar(p);
    List<ZipEntry> out = new ArrayList<>();
    for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
      ZipEntry e = en.nextElement();
      String n = e.getName();
      if (e.isDirectory() || !n.startsWith(folder)) continue;
      String file = n.substring(folder.length());
      if (file.isEmpty() || file.contains("/") || file.contains("\\") || file.equals(".") || file.equals("..") || file.equals(MANIFEST)
          || file.chars().anyMatch(c -> c < 0x20)) {
        throw new IOException("entry '" + n + "' is not a plain file name in " + folder);
      }
      if (e.getSize() < 0 || e.getCrc() < 0) throw new IOException("entry '" + n + "' has no recorded size or CRC");
      out.add(e);
    }
    out.sort(java.util.Comparator.comparing(ZipEntry::getName));
    if (out.isEmpty()) throw new IOException("holds no libraries in " + folder + " (a natives jar of another platform?)");
    return out;
  }

  private static String fileName(ZipEntry e) {
    return e.getName().substring(e.getName().lastIndexOf('/') + 1);
  }

  private static String manifestOf(List<ZipEntry> entries) {
    StringBuilder sb = new StringBuilder();
    for (ZipEntry e : entries) sb.append(fileName(e)).append('\t').append(e.getSize()).append('\t').append(Long.toHexString(e.getCrc())).append('\n');
    return sb.toString();
  }

  private static boolean isComplete(Path dir, List<ZipEntry> entries, String manifest) throws IOException {
    Path m = dir.resolve(MANIFEST);
    if (!Files.isRegularFile(m) || !Files.readString(m, StandardCharsets.UTF_8).equals(manifest)) return false;
    for (ZipEntry e : entries) {
      Path f = dir.resolve(fileName(e));
      if (!Files.isRegularFile(f) || Files.size(f) != e.getSize()) return false;
    }
    return true;
  }

  private static void copyChecked(ZipFile zip, ZipEntry e, Path jar, Path to) throws IOException {
    CRC32 crc = new CRC32();
    long n = 0;
    try (InputStream in = zip.getInputStream(e); OutputStream out = Files.newOutputStream(to)) {
      byte[] buf = new byte[1 << 16];
      for (int r; (r = in.read(buf)) > 0; ) {
        crc.update(buf, 0, r);
        out.write(buf, 0, r);
        n += r;
      }
    } catch (ZipException ze) {
      throw new IOException("entry '" + e.getName() + "' is damaged (" + ze.getMessage() + ")", ze);
    }
    if (n != e.getSize() || crc.getValue() != e.getCrc()) {
      throw new IOException("entry '" + e.getName() + "' is damaged: " + n + " bytes with CRC " + Long.toHexString(crc.getValue())
          + ", the jar records " + e.getSize() + " bytes with CRC " + Long.toHexString(e.getCrc()));
    }
    to.toFile().setExecutable(true, true);
  }
}
