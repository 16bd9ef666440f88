package org.mflag.updatesite;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.mflag.io.Archives;
import org.mflag.updatesite.SiteIndex.Dependency;
import org.mflag.updatesite.SiteIndex.FileRecord;
import org.mflag.updatesite.SiteIndex.Version;
import org.scijava.util.FileUtils;

/**
 * Writes the M-FLAG update site as Fiji's updater publishes one ({@code mvn package} runs it): each file of the
 * plugin under its Fiji.app path, stored on the site as {@code <path>-<timestamp>}, and {@code db.xml.gz} with one
 * record per file (checksum as the updater computes it, timestamp, size, platforms, description, links, authors, and
 * the plugin's dependencies on its jars).
 *
 * <p>The site keeps its history as the updater's uploader does: a file whose checksum is unchanged keeps its record
 * and stored file; a changed one gets a new version with this build's timestamp, and its old version becomes a
 * {@code previous-version} (its stored file stays, so older installs still match their record and are offered the
 * update). Files are matched across versions by their name without version ({@code jars/api-0.36.0.jar} and
 * {@code jars/api-0.37.0.jar} are one record), with scijava-common's {@code FileUtils.stripFilenameVersion}, which
 * the updater uses. A file the build no longer ships keeps its record without a current version: the updater then
 * removes it from Fiji.app.</p>
 *
 * <p>Platform-specific files live in {@code lib/<platform>/} or {@code jars/<platform>/} ({@code linux64},
 * {@code win64}, {@code macos-arm64}, ...); their record names the platform, which is what the updater reads: each
 * Fiji installs only its own platform's files.</p>
 */
public final class UpdateSiteBuild {

  /** imagej-updater's platform names ({@code Platforms.known()} at ea5f12e). */
  static final Set<String> PLATFORMS = Set.of("linux-arm64", "linux32", "linux64", "macos-arm64", "macos64", "win-arm64", "win32", "win64");

  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

  /** What the plugin's own record says. */
  public static final class About {
    final String pluginFolder;
    final String description;
    final List<String> links;
    final List<String> authors;

    /** {@code pluginFolder}: the site folder whose jars are the plugin (plugins/); the rest are what it needs. */
    public About(String pluginFolder, String description, List<String> links, List<String> authors) {
      this.pluginFolder = pluginFolder;
      this.description = description;
      this.links = List.copyOf(links);
      this.authors = List.copyOf(authors);
    }
  }

  /** What a build changed. */
  public static final class Summary {
    public final int files;
    public final List<String> newVersions;
    public final List<String> removed;

    Summary(int files, List<String> newVersions, List<String> removed) {
      this.files = files;
      this.newVersions = List.copyOf(newVersions);
      this.removed = List.copyOf(removed);
    }
  }

  private UpdateSiteBuild() {}

  /** This moment as the site's timestamps write it (UTC). */
  public static long now() {
    return Long.parseLong(ZonedDateTime.now(ZoneOffset.UTC).format(STAMP));
  }

  /**
   * Updates (or creates) the site in {@code site} so that it offers exactly {@code files} (Fiji.app path to the local
   * file), with {@code timestamp} for every new version.
   */
  public static Summary build(Path site, Map<String, Path> files, About about, long timestamp) throws IOException {
    // the update site carries only the product: refused before anything is written
    for (Map.Entry<String, Path> f : files.entrySet()) {
      String notPlugin = isPlugin(f.getKey(), about) ? SiteCheck.notThePlugin(f.getKey(), f.getValue()) : null;
      if (notPlugin != null) throw new IllegalArgumentException("update site: " + f.getValue() + ": " + notPlugin);
    }
    Map<String, FileRecord> old = new LinkedHashMap<>();
    for (FileRecord r : SiteIndex.read(site)) old.put(key(r.filename), r);
    Map<String, Version> versions = new TreeMap<>();
    Map<String, List<Version>> previous = new LinkedHashMap<>();
    List<String> changed = new ArrayList<>();
    Set<String> keys = new java.util.HashSet<>();
    for (Map.Entry<String, Path> f : new TreeMap<>(files).entrySet()) {
      String path = f.getKey();
      String unsafe = SiteCheck.unsafePath(path);
      if (unsafe != null) throw new IllegalArgumentException("update site: '" + path + "' " + unsafe);
      String sum = UpdaterChecksum.of(path, f.getValue());
      if (!keys.add(key(path))) throw new IllegalArgumentException("update site: two files are one record for the updater (" + key(path) + "): " + path);
      FileRecord was = old.remove(key(path));
      List<Version> before = new ArrayList<>();
      Version v;
      if (was != null && was.current != null && was.current.checksum.equals(sum) && was.current.filename.equals(path)) {
        v = was.current;
        before.addAll(was.previous);
      } else {
        v = new Version(path, sum, timestamp, Files.size(f.getValue()), 0);
        changed.add(path);
        if (was != null) {
          if (was.current != null) before.add(obsolete(was.current, timestamp));
          before.addAll(was.previous);
        }
      }
      store(site, v, f.getValue());
      versions.put(path, v);
      previous.put(path, before);
    }
    List<FileRecord> records = new ArrayList<>();
    for (Map.Entry<String, Version> e : versions.entrySet()) {
      String path = e.getKey();
      FileRecord.Builder b = FileRecord.builder(path).setCurrent(e.getValue());
      platformOf(path).ifPresent(b::optPlatform);
      if (isPlugin(path, about)) {
        b.optDescription(about.description);
        about.links.forEach(b::optLink);
        about.authors.forEach(b::optAuthor);
        for (Map.Entry<String, Version> d : versions.entrySet()) {
          // the plugin needs every library; platform files are not dependencies (a dependency would be installed on
          // every platform), each Fiji takes its own platform's from the site
          if (!isPlugin(d.getKey(), about) && platformOf(d.getKey()).isEmpty()) b.optDependency(new Dependency(d.getKey(), d.getValue().timestamp));
        }
      } else {
        b.optDescription(describe(path, files.get(path)));
      }
      previous.get(path).forEach(b::optPrevious);
      records.add(b.build());
    }
    List<String> removed = new ArrayList<>();
    for (FileRecord r : old.values()) {
      FileRecord.Builder b = FileRecord.builder(r.filename);
      r.platforms.forEach(b::optPlatform);
      if (r.current != null) {
        removed.add(r.filename);
        b.optPrevious(obsolete(r.current, timestamp));
      }
      r.previous.forEach(b::optPrevious);
      records.add(b.build());
    }
    records.sort(java.util.Comparator.comparing(r -> r.filename));
    SiteIndex.write(records, site);
    List<String> problems = SiteCheck.problems(site);
    if (!problems.isEmpty()) throw new IOException("the update site just written fails its check:\n" + String.join("\n", problems));
    return new Summary(versions.size(), changed, removed);
  }

  /** The record key: the path without its version, as the updater matches files. */
  static String key(String path) {
    return FileUtils.stripFilenameVersion(path);
  }

  private static Version obsolete(Version v, long since) {
    return new Version(v.filename, v.checksum, v.timestamp, v.filesize, since);
  }

  private static boolean isPlugin(String path, About about) {
    return path.startsWith(about.pluginFolder + "/") && path.endsWith(".jar");
  }

  /** {@code lib/win64/x} and {@code jars/win64/x} are win64's. */
  static java.util.Optional<String> platformOf(String path) {
    String[] parts = path.split("/");
    if (parts.length >= 3 && (parts[0].equals("lib") || parts[0].equals("jars")) && PLATFORMS.contains(parts[1])) {
      return java.util.Optional.of(parts[1]);
    }
    return java.util.Optional.empty();
  }

  /** Copies {@code file} to the site as {@code v.siteName()}, unless the site has it; a different file there is refused. */
  private static void store(Path site, Version v, Path file) throws IOException {
    Path target = site.resolve(v.siteName());
    if (Files.exists(target)) {
      if (Files.size(target) == v.filesize && UpdaterChecksum.of(v.filename, target).equals(v.checksum)) return;
      throw new IOException(target + ": already on the site with other content; a new version needs a new timestamp");
    }
    Archives.writeAtomically(target, tmp -> Files.copy(file, tmp));
  }

  /** A library's description: its Maven coordinates (from the jar's pom.properties) and why it is on the site. */
  static String describe(String path, Path file) throws IOException {
    String name = path.substring(path.lastIndexOf('/') + 1);
    if (name.startsWith("tensorflow-core-native-")) {
      String platform = platformOf(path).orElse("this platform");
      return "TensorFlow 2.16 native libraries for " + platform + " (org.tensorflow:tensorflow-core-native:"
          + name.replaceFirst("^tensorflow-core-native-([^-]+)-(.+)\\.jar$", "$1:$2")
          + "): M-FLAG unpacks them once into " + org.mflag.config.CacheFolder.DEFAULT + "/natives to train and apply models";
    }
    String coordinates = null;
    if (name.endsWith(".jar")) {
      try (ZipFile zip = new ZipFile(file.toFile())) {
        List<? extends ZipEntry> poms = zip.stream().filter(e -> e.getName().startsWith("META-INF/maven/") && e.getName().endsWith("/pom.properties"))
            .collect(Collectors.toList());
        if (poms.size() == 1) {
          Properties p = new Properties();
          try (InputStream in = zip.getInputStream(poms.get(0))) {
            p.load(in);
          }
          coordinates = p.getProperty("groupId") + ":" + p.getProperty("artifactId") + ":" + p.getProperty("version");
        } else if (zip.getEntry("META-INF/MANIFEST.MF") != null) {
          // jars built without Maven (DJL's): the module name and version their manifest gives
          java.util.jar.Manifest m;
          try (InputStream in = zip.getInputStream(zip.getEntry("META-INF/MANIFEST.MF"))) {
            m = new java.util.jar.Manifest(in);
          }
          String module = m.getMainAttributes().getValue("Automatic-Module-Name");
          String version = m.getMainAttributes().getValue("Specification-Version");
          if (module != null && version != null) coordinates = module + " " + version;
        }
      }
    }
    return (coordinates == null ? name : coordinates) + ": a library of M-FLAG for Fiji that Fiji does not ship";
  }

  /**
   * {@code site=DIR description=TEXT [link=URL ...] [author=NAME ...] add=SITE_FOLDER:LOCAL_FOLDER ...}: every file
   * under each LOCAL_FOLDER becomes SITE_FOLDER/its relative path; the plugin is what {@code add=plugins:...} holds.
   */
  public static void main(String[] args) throws IOException {
    Path site = null;
    String description = null;
    List<String> links = new ArrayList<>(), authors = new ArrayList<>();
    Map<String, Path> files = new TreeMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq < 0) throw new IllegalArgumentException("update site: '" + a + "' is not key=value");
      String k = a.substring(0, eq), v = a.substring(eq + 1);
      switch (k) {
        case "site": site = Path.of(v); break;
        case "description": description = v.replaceAll("\\s+", " ").trim(); break;
        case "link": links.add(v); break;
        case "author": authors.add(v); break;
        case "add": {
          int colon = v.indexOf(':');
          if (colon < 0) throw new IllegalArgumentException("update site: add=" + v + " is not SITE_FOLDER:LOCAL_FOLDER");
          String folder = v.substring(0, colon);
          Path local = Path.of(v.substring(colon + 1));
          if (!Files.isDirectory(local)) throw new IllegalArgumentException("update site: " + local + " is not a folder");
          try (Stream<Path> s = Files.walk(local)) {
            for (Path f : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
              files.put(folder + "/" + local.relativize(f).toString().replace('\\', '/'), f);
            }
          }
          break;
        }
        default: throw new IllegalArgumentException("update site: unknown key '" + k + "' (site, description, link, author, add)");
      }
    }
    if (site == null || description == null || files.isEmpty()) throw new IllegalArgumentException("update site: needs site=, description= and add=");
    Summary s = build(site, files, new About("plugins", description, links, authors), now());
    System.out.println("update site " + site + ": " + s.files + " files, " + s.newVersions.size() + " new versions"
        + (s.newVersions.isEmpty() ? "" : " " + s.newVersions) + (s.removed.isEmpty() ? "" : ", removed " + s.removed)
        + "; db.xml.gz checked against every file");
  }
}
