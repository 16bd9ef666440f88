package org.mflag.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * NumPy's {@code .npz}: a zip of {@code name.npy} entries, readable with {@code numpy.load}. Extra
 * non-array entries (such as a checkpoint's metadata) may be stored alongside.
 */
public final class Npz {

  private Npz() {}

  /** Writes arrays (and optional text entries) as an uncompressed zip. */
  public static void write(Map<String, NdArray> arrays, Map<String, String> textEntries, OutputStream os) throws IOException {
    write(arrays, digest -> textEntries, os);
  }

  /**
   * Writes the arrays, then the text entries that {@code textEntries} makes from the SHA-256 of the
   * arrays' {@code .npy} bytes (in order): how a file carries a checksum of its own content, checked by
   * {@link #read(Path, MessageDigest)}.
   */
  public static void write(Map<String, NdArray> arrays, Function<String, Map<String, String>> textEntries, OutputStream os)
      throws IOException {
    ZipOutputStream zip = new ZipOutputStream(os);
    zip.setLevel(java.util.zip.Deflater.NO_COMPRESSION);
    MessageDigest md = Hashing.newSha256();
    OutputStream digesting = new DigestOutputStream(zip, md);
    for (Map.Entry<String, NdArray> a : arrays.entrySet()) {
      zip.putNextEntry(new ZipEntry(a.getKey() + ".npy"));
      Npy.write(a.getValue(), digesting);
      zip.closeEntry();
    }
    for (Map.Entry<String, String> t : textEntries.apply(Hashing.hex(md.digest())).entrySet()) {
      zip.putNextEntry(new ZipEntry(t.getKey()));
      zip.write(t.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      zip.closeEntry();
    }
    zip.finish();
  }

  /** All {@code .npy} entries by name (without the extension). */
  public static Map<String, NdArray> read(Path file) throws IOException {
    return read(file, null);
  }

  /** As {@link #read(Path)}, feeding the entries' bytes (in file order) to {@code digest} when not null. */
  public static Map<String, NdArray> read(Path file, MessageDigest digest) throws IOException {
    Map<String, NdArray> out = new LinkedHashMap<>();
    try (ZipFile zip = new ZipFile(file.toFile())) {
      Enumeration<? extends ZipEntry> en = zip.entries();
      while (en.hasMoreElements()) {
        ZipEntry e = en.nextElement();
        if (!e.getName().endsWith(".npy")) continue;
        try (InputStream raw = zip.getInputStream(e)) {
          InputStream in = new java.io.BufferedInputStream(digest == null ? raw : new DigestInputStream(raw, digest), 1 << 16);
          out.put(e.getName().substring(0, e.getName().length() - 4), Npy.read(in, file + "!" + e.getName(), e.getSize()));
        }
      }
    } catch (java.util.zip.ZipException e) {
      throw new IOException(file + ": not a valid .npz (zip) file (" + e.getMessage() + ")", e);
    }
    return out;
  }

  /** A text entry, or null when absent. */
  public static String readText(Path file, String entry) throws IOException {
    try (ZipFile zip = new ZipFile(file.toFile())) {
      ZipEntry e = zip.getEntry(entry);
      if (e == null) return null;
      try (InputStream in = zip.getInputStream(e)) {
        return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      }
    } catch (java.util.zip.ZipException e) {
      throw new IOException(file + ": not a valid .npz (zip) file (" + e.getMessage() + ")", e);
    }
  }
}
