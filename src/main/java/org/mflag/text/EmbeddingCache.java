package org.mflag.text;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import org.mflag.io.Hashing;

/**
 * Report embeddings on disk, keyed by the SHA-256 of the report's text, one file per language model
 * ({@code <dir>/<model id>.emb}). The frozen model never changes, so an embedding computed once is
 * valid for every later epoch and run: that is where M-FLAG's speed comes from.
 *
 * <p>File: the magic {@code MFLAGEMB}, the model id and the dimension, then records of 32 bytes of
 * hash and {@code dimension} floats, appended and flushed per batch. A record cut short by a crash
 * is dropped (and overwritten) when the file is next opened.</p>
 */
public final class EmbeddingCache {

  private static final byte[] MAGIC = "MFLAGEMB".getBytes(StandardCharsets.US_ASCII);

  private final Path file;
  private final String modelId;
  private final int dimension;
  private final Map<String, float[]> entries = new HashMap<>();

  private EmbeddingCache(Path file, String modelId, int dimension) {
    this.file = file;
    this.modelId = modelId;
    this.dimension = dimension;
  }

  /** Opens (or creates) the cache of one model in {@code dir}. */
  public static EmbeddingCache open(Path dir, String modelId, int dimension) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve(modelId.replaceAll("[^A-Za-z0-9._-]", "_") + ".emb");
    EmbeddingCache c = new EmbeddingCache(file, modelId, dimension);
    if (Files.exists(file)) c.load();
    return c;
  }

  public Path file() {
    return file;
  }

  public int size() {
    return entries.size();
  }

  public float[] get(String text) {
    return entries.get(key(text));
  }

  /** Appends new embeddings (texts already cached are skipped). */
  public synchronized void putAll(Map<String, float[]> byText) throws IOException {
    boolean fresh = !Files.exists(file) || Files.size(file) == 0;
    try (OutputStream os = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(os))) {
      if (fresh) {
        out.write(MAGIC);
        out.writeUTF(modelId);
        out.writeInt(dimension);
      }
      for (Map.Entry<String, float[]> e : byText.entrySet()) {
        String k = key(e.getKey());
        if (entries.containsKey(k)) continue;
        if (e.getValue().length != dimension) {
          throw new IllegalArgumentException("embedding of size " + e.getValue().length + ", cache " + file + " holds " + dimension);
        }
        out.write(hexToBytes(k));
        for (float f : e.getValue()) out.writeFloat(f);
        entries.put(k, e.getValue().clone());
      }
    }
  }

  private void load() throws IOException {
    long valid;
    try (InputStream is = new java.io.BufferedInputStream(Files.newInputStream(file));
        DataInputStream in = new DataInputStream(is)) {
      byte[] magic = new byte[MAGIC.length];
      in.readFully(magic);
      String id = in.readUTF();
      int dim = in.readInt();
      if (!java.util.Arrays.equals(magic, MAGIC) || !id.equals(modelId) || dim != dimension) {
        throw new IOException("embedding cache " + file + " belongs to model '" + id + "' (dimension " + dim
            + "), not '" + modelId + "' (" + dimension + "); delete it to rebuild");
      }
      valid = MAGIC.length + 2 + id.getBytes(StandardCharsets.UTF_8).length + 4;
      byte[] hash = new byte[32];
      while (true) {
        float[] v = new float[dimension];
        try {
          in.readFully(hash);
          for (int i = 0; i < dimension; i++) v[i] = in.readFloat();
        } catch (EOFException e) {
          break;
        }
        entries.put(Hashing.hex(hash), v);
        valid += 32 + 4L * dimension;
      }
    } catch (EOFException e) {
      valid = 0; // header cut short: start over
      entries.clear();
    }
    if (valid < Files.size(file)) {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        ch.truncate(valid);
      }
    }
  }

  /** SHA-256 of the UTF-8 text, hex. */
  public static String key(String text) {
    return Hashing.sha256(text);
  }

  private static byte[] hexToBytes(String hex) {
    ByteBuffer bb = ByteBuffer.allocate(hex.length() / 2);
    for (int i = 0; i < hex.length(); i += 2) bb.put((byte) Integer.parseInt(hex.substring(i, i + 2), 16));
    return bb.array();
  }
}
