import java.io.File;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Helper of scripts/check-update-site.sh, run with the real imagej-updater on the class path (java's single-file
 * launch; it uses no code of ours, so what it checks is what the updater does):
 * <ul>
 * <li>{@code as OS_NAME OS_ARCH COMMAND...}: the updater's command line as it runs on that platform (os.name and
 * os.arch set before the updater reads them, after the JDK has set up its sockets for the real platform; setting them
 * with -D breaks the JDK's networking);</li>
 * <li>{@code verify SITE APP PLATFORM}: every record of SITE/db.xml.gz for PLATFORM (no platform, or that one) landed
 * in APP with the checksum the updater's own {@code UpdaterUtil.getDigest} computes equal to the record, and nothing
 * else landed (no other platform's files). Prints one line per file; exits 1 on any difference.</li>
 * </ul>
 */
public class UpdaterCheck {
  public static void main(String[] args) throws Exception {
    if (args[0].equals("as")) {
      // the JDK picks its platform's socket options once, from the real os.name: let it, before pretending
      try (java.net.Socket s = new java.net.Socket()) {
        s.supportedOptions();
      }
      System.out.println("JDK socket options: " + jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE.name());
      System.setProperty("os.name", args[1]);
      System.setProperty("os.arch", args[2]);
      Class.forName("net.imagej.updater.CommandLine").getMethod("main", String[].class)
          .invoke(null, (Object) Arrays.copyOfRange(args, 3, args.length));
      return;
    }
    Path site = Path.of(args[1]), app = Path.of(args[2]);
    String platform = args[3];
    Method digest = Class.forName("net.imagej.updater.util.UpdaterUtil").getMethod("getDigest", String.class, File.class);
    Element root;
    try (InputStream in = new GZIPInputStream(Files.newInputStream(site.resolve("db.xml.gz")))) {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
      root = f.newDocumentBuilder().parse(in).getDocumentElement();
    }
    List<String> problems = new ArrayList<>();
    TreeSet<String> expected = new TreeSet<>();
    NodeList plugins = root.getElementsByTagName("plugin");
    for (int i = 0; i < plugins.getLength(); i++) {
      Element p = (Element) plugins.item(i);
      String name = p.getAttribute("filename");
      NodeList versions = p.getElementsByTagName("version");
      if (versions.getLength() == 0) continue; // removed from the site
      List<String> platforms = new ArrayList<>();
      NodeList ps = p.getElementsByTagName("platform");
      for (int j = 0; j < ps.getLength(); j++) platforms.add(ps.item(j).getTextContent().trim());
      if (!platforms.isEmpty() && !platforms.contains(platform)) continue;
      expected.add(name);
      String recorded = ((Element) versions.item(0)).getAttribute("checksum");
      File installed = app.resolve(name).toFile();
      if (!installed.isFile()) {
        problems.add(name + ": not installed");
        continue;
      }
      String computed = (String) digest.invoke(null, name, installed);
      System.out.println(platform + "\t" + name + "\t" + installed.length() + " bytes\tupdater " + computed
          + (computed.equals(recorded) ? " = " : " != ") + "db.xml.gz " + recorded);
      if (!computed.equals(recorded)) problems.add(name + ": the updater computes " + computed + ", db.xml.gz records " + recorded);
    }
    try (Stream<Path> s = Files.walk(app)) {
      for (Path f : s.filter(Files::isRegularFile).collect(Collectors.toList())) {
        String rel = app.relativize(f).toString().replace(File.separatorChar, '/');
        if (rel.equals("db.xml.gz") || rel.equals(".checksums")) continue; // the updater's own local index and cache
        if (!expected.contains(rel)) problems.add(rel + ": installed, but not a file of " + platform);
      }
    }
    for (String p : problems) System.out.println("PROBLEM " + platform + ": " + p);
    System.out.println(platform + ": " + expected.size() + " files installed as recorded" + (problems.isEmpty() ? "" : ", " + problems.size() + " problems"));
    if (!problems.isEmpty()) System.exit(1);
  }
}
