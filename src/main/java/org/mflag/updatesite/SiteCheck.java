package org.mflag.updatesite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.mflag.updatesite.SiteIndex.Dependency;
import org.mflag.updatesite.SiteIndex.FileRecord;
import org.mflag.updatesite.SiteIndex.Version;

/**
 * Checks an update site as Fiji's updater will meet it: {@code db.xml.gz} is gzip'd XML of the updater's form, every
 * record names a path inside Fiji.app, and every current version's file is on the site under its timestamped name
 * with the recorded size and the checksum the updater computes ({@link UpdaterChecksum}). Earlier versions' files
 * are checked too where the site still has them; dependencies must name current files at their current timestamps.
 * The plugin's jars ({@code plugins/*.jar}) must hold nothing of {@link #NOT_IN_PLUGIN}: the update site carries only
 * the product. Each problem names the file and what is wrong.
 *
 * <p>{@code java -cp target/classes:... org.mflag.updatesite.SiteCheck update-site} (the build runs it on the site it
 * wrote); exit 1 lists the problems.</p>
 */
public final class SiteCheck {

  /**
   * What the plugin jar never holds: the developer tools of {@code src/tools} ({@code ./mflag bench}, {@code experiment},
   * {@code study}; compiled into {@code target/tools-classes}) and this build-time update-site writer (excluded by the
   * jar plugin).
   */
  static final List<String> NOT_IN_PLUGIN = List.of("org/mflag/bench/", "org/mflag/experiment/", "org/mflag/updatesite/");

  private SiteCheck() {}

  /** The site's problems; empty when the updater will install every file as recorded. */
  public static List<String> problems(Path site) {
    List<String> out = new ArrayList<>();
    List<FileRecord> records;
    try {
      records = SiteIndex.read(site);
    } catch (IOException e) {
      out.add(e.getMessage());
      return out;
    }
    if (!Files.isRegularFile(site.resolve(SiteIndex.NAME))) {
      out.add(site.resolve(SiteIndex.NAME) + ": missing (a site without its index offers nothing to the updater)");
      return out;
    }
    Map<String, Long> currentTimestamps = new HashMap<>();
    for (FileRecord r : records) if (r.current != null) currentTimestamps.put(r.filename, r.current.timestamp);
    for (FileRecord r : records) {
      String unsafe = unsafePath(r.filename);
      if (unsafe != null) {
        out.add(site.resolve(SiteIndex.NAME) + ": record '" + r.filename + "' " + unsafe);
        continue;
      }
      if (r.current != null) check(site, r.current, true, out);
      for (Version v : r.previous) {
        if (unsafePath(v.filename) == null && Files.exists(site.resolve(v.siteName()))) check(site, v, false, out);
      }
      if (r.current != null) {
        for (Dependency d : r.dependencies) {
          Long ts = currentTimestamps.get(d.filename);
          if (ts == null) out.add(site.resolve(SiteIndex.NAME) + ": " + r.filename + " depends on " + d.filename + ", which the site does not offer");
          else if (d.timestamp != 0 && d.timestamp != ts) {
            out.add(site.resolve(SiteIndex.NAME) + ": " + r.filename + " depends on " + d.filename + " of " + d.timestamp + ", the site has " + ts);
          }
        }
      }
    }
    return out;
  }

  /** Why {@code path} cannot be a file of Fiji.app (absolute, {@code ..}, backslashes, control characters), or null. */
  static String unsafePath(String path) {
    if (path.isEmpty() || path.startsWith("/") || path.matches("^[A-Za-z]:.*")) return "is not a path relative to Fiji.app";
    if (path.contains("\\")) return "holds a backslash";
    if (path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) return "holds a control character";
    for (String part : path.split("/")) if (part.isEmpty() || part.equals(".") || part.equals("..")) return "leaves its folder or has an empty part";
    return null;
  }

  private static void check(Path site, Version v, boolean current, List<String> out) {
    Path f = site.resolve(v.siteName());
    String what = current ? "" : " (an earlier version)";
    if (!Files.isRegularFile(f)) {
      out.add(f + ": missing" + what + "; db.xml.gz records it for " + v.filename);
      return;
    }
    try {
      long size = Files.size(f);
      if (v.filesize >= 0 && size != v.filesize) {
        out.add(f + ": " + size + " bytes" + what + ", db.xml.gz records " + v.filesize + " (cut short or replaced?)");
        return;
      }
      String sum = UpdaterChecksum.of(v.filename, f);
      if (!sum.equals(v.checksum)) out.add(f + ": checksum " + sum + what + ", db.xml.gz records " + v.checksum);
      else if (current && v.filename.startsWith("plugins/") && v.filename.endsWith(".jar")) {
        String extra = notThePlugin(v.filename, f);
        if (extra != null) out.add(f + ": " + extra);
      }
    } catch (IOException e) {
      out.add(f + ": " + e.getMessage() + what);
    }
  }

  /**
   * What the plugin jar {@code jar} (recorded as {@code filename}) holds that is no part of the plugin
   * ({@link #NOT_IN_PLUGIN}), as one line, or null when it holds only the plugin.
   */
  static String notThePlugin(String filename, Path jar) throws IOException {
    List<String> extra;
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      // files before folders, so that the line names one
      extra = zip.stream().map(ZipEntry::getName).filter(n -> NOT_IN_PLUGIN.stream().anyMatch(n::startsWith))
          .sorted(Comparator.comparing((String n) -> n.endsWith("/")).thenComparing(Comparator.naturalOrder())).collect(Collectors.toList());
    }
    if (extra.isEmpty()) return null;
    return "the plugin " + filename + " holds " + extra.get(0) + (extra.size() > 1 ? " and " + (extra.size() - 1) + " more" : "")
        + ", no part of it (the developer tools of src/tools, the update-site build; after building an older checkout,"
        + " mvn clean package)";
  }

  /** Checks the site in {@code args[0]}; prints each problem and exits 1 if there is one. */
  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: SiteCheck SITE_FOLDER");
      System.exit(2);
    }
    List<String> problems = problems(Path.of(args[0]));
    for (String p : problems) System.err.println("update site: " + p);
    if (!problems.isEmpty()) System.exit(1);
    System.out.println("update site " + args[0] + ": every record matches its file");
  }
}
