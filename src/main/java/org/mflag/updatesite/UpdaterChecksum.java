package org.mflag.updatesite;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.mflag.io.Hashing;

/**
 * A file's checksum exactly as Fiji's updater computes it (imagej/imagej-updater {@code UpdaterUtil.getDigest} and
 * {@code getJarDigest(file, true, true, true)}, read at ea5f12e), so that the records of our {@code db.xml.gz} match
 * what the updater computes for the installed files.
 *
 * <ul>
 * <li>A file whose path ends with {@code .jar}: SHA-1 over its entries (directories included) sorted by name, each
 * contributing its name (ASCII) and its bytes; {@code *.properties} entries without their {@code #} comment lines
 * (the build date of {@code pom.properties}), and {@code META-INF/MANIFEST.MF} with no bytes at all: the updater's
 * manifest filter keeps only lines whose upper-cased text starts with the mixed-case {@code "Main-Class:"}, which
 * none does. So rebuilding a jar with the same classes gives the same checksum.</li>
 * <li>Any other file: SHA-1 over its path relative to {@code Fiji.app} (ASCII, {@code /} separators) followed by its
 * bytes.</li>
 * </ul>
 */
public final class UpdaterChecksum {

  private UpdaterChecksum() {}

  /** The checksum of {@code file}, recorded under {@code path} (relative to Fiji.app: {@code jars/foo-1.0.jar}). */
  public static String of(String path, Path file) throws IOException {
    return path.endsWith(".jar") ? jar(file) : plain(path, file);
  }

  static String plain(String path, Path file) throws IOException {
    MessageDigest sha = sha1();
    sha.update(ascii(path));
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) sha.update(buf, 0, n);
    }
    return Hashing.hex(sha.digest());
  }

  /** A jar's checksum; a file that is not a readable jar fails with an IOException that says so. */
  static String jar(Path file) throws IOException {
    MessageDigest sha = sha1();
    try (ZipFile zip = open(file)) {
      List<ZipEntry> entries = new ArrayList<>();
      for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) entries.add(e.nextElement());
      entries.sort(Comparator.comparing(ZipEntry::getName));
      for (ZipEntry e : entries) {
        sha.update(ascii(e.getName()));
        if (e.getName().equals("META-INF/MANIFEST.MF")) continue;
        byte[] data;
        try (InputStream in = zip.getInputStream(e)) {
          data = in.readAllBytes();
        } catch (ZipException z) {
          throw new IOException("entry '" + e.getName() + "' cannot be read (" + z.getMessage() + ")", z);
        }
        sha.update(e.getName().endsWith(".properties") ? withoutHashedLines(data) : data);
      }
    }
    return Hashing.hex(sha.digest());
  }

  private static ZipFile open(Path file) throws IOException {
    try {
      return new ZipFile(file.toFile());
    } catch (ZipException e) {
      throw new IOException("not a readable jar (" + e.getMessage() + ")", e);
    }
  }

  /**
   * imagej-updater's {@code SkipHashedLines}, byte for byte: at the start of a line, a {@code #} drops everything up
   * to the next line feed and is replaced by the character read after it (itself checked again only if the line feed
   * was followed by a new line start, as the original's recursion does).
   */
  static byte[] withoutHashedLines(byte[] in) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
    int[] pos = {0};
    boolean[] atLineStart = {true};
    for (int ch; (ch = read(in, pos, atLineStart)) != -1; ) out.write(ch);
    return out.toByteArray();
  }

  private static int read(byte[] in, int[] pos, boolean[] atLineStart) {
    int ch = pos[0] < in.length ? in[pos[0]++] & 0xff : -1;
    if (atLineStart[0]) {
      if (ch == '#') {
        while (ch != '\n' && ch != -1) ch = read(in, pos, atLineStart);
      } else {
        atLineStart[0] = false;
      }
    } else if (ch == '\n') {
      atLineStart[0] = true;
    }
    return ch;
  }

  /** The updater's {@code String.getBytes("ASCII")}: each character outside ASCII becomes {@code ?}. */
  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static MessageDigest sha1() {
    try {
      return MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
