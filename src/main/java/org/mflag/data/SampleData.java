package org.mflag.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mflag.config.Key;
import org.mflag.io.Archives;
import org.scijava.log.Logger;

/**
 * The sample chest X-rays the plugin carries ({@code samples/cxr} of the repository, in the jar under
 * {@code org/mflag/samples/cxr/}): 48 X-rays with case notes, lung masks, lung boxes, their report embeddings
 * and licences, written into a folder so that a Fiji user reaches a first result with no data of their own.
 * Writing is idempotent: files already there with the same bytes are kept, and a folder holding other files under
 * the same names is refused before anything is written (nothing of the user's is overwritten).
 */
public final class SampleData {

  public static final Key OUTPUT = Key.path("output", "~/mflag-samples",
      "folder to write the 48 sample chest X-rays into (manifest.csv, images/, masks/, lung-boxes.json, report-embeddings.csv)")
      .directory();
  public static final List<Key> KEYS = List.of(OUTPUT);

  /** Where the samples lie in the plugin jar. */
  static final String RESOURCES = "/org/mflag/samples/cxr/";
  static final String MANIFEST = "manifest.csv";
  /** The files beside the manifest; images and masks are the ones it names. */
  static final List<String> FILES = Arrays.asList(MANIFEST, "README.md", "lung-boxes.json", "report-embeddings.csv");

  private SampleData() {}

  /** Writes the samples into {@code folder} and returns its {@code manifest.csv}. */
  public static Path write(Path folder, Logger log) throws IOException, DatasetException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (String f : FILES) files.put(f, resource(f));
    Path index = Files.createTempFile("mflag-samples", ".csv");
    Manifest m;
    try {
      Files.write(index, files.get(MANIFEST));
      m = Manifest.read(index, "id", "image");
    } finally {
      Files.deleteIfExists(index);
    }
    for (Manifest.Row r : m.rows()) {
      for (String column : new String[] {"image", "mask"}) files.put(r.get(column), resource(r.get(column)));
    }
    Path out = folder.toAbsolutePath().normalize();
    List<String> differ = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      Path f = out.resolve(e.getKey());
      if (Files.exists(f) && !Arrays.equals(Files.readAllBytes(f), e.getValue())) differ.add(e.getKey());
    }
    if (!differ.isEmpty()) {
      throw new IOException(out + ": already holds other files under the samples' names (" + String.join(", ", differ.subList(0,
          Math.min(3, differ.size()))) + (differ.size() > 3 ? ", ..." : "") + "): choose another output; nothing was written");
    }
    int written = 0;
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      Path f = out.resolve(e.getKey());
      if (Files.exists(f)) continue;
      Files.createDirectories(f.getParent());
      Archives.writeAtomically(f, e.getValue());
      written++;
    }
    log.info(String.format("sample data: %d X-rays with case notes, lung masks and boxes in %s (%d files written, %d already there);"
        + " manifest %s", m.size(), out, written, files.size() - written, out.resolve(MANIFEST)));
    return out.resolve(MANIFEST);
  }

  /** The first sample X-ray of a folder {@link #write} filled. */
  public static Path firstImage(Path manifest) throws DatasetException {
    Manifest m = Manifest.read(manifest, "id", "image");
    return m.locate(m.rows().get(0).get("image"));
  }

  private static byte[] resource(String name) throws IOException {
    if (name.isEmpty() || name.contains("..") || name.startsWith("/")) throw new IOException("sample data: bad file name '" + name + "'");
    try (InputStream in = SampleData.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) throw new IOException("sample data: " + RESOURCES + name + " is missing from the plugin jar (a damaged install: run Fiji's updater again)");
      return in.readAllBytes();
    }
  }
}
