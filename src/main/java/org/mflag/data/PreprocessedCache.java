package org.mflag.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.mflag.io.Archives;
import org.mflag.io.Hashing;

/**
 * Preprocessed images on disk, as the paper's offline preprocessing: one file of
 * {@code storedSize^2} bytes per image in {@code <dir>/<2 hex>/<key>.u8}. The key is the SHA-256 of
 * the image's real location (every link followed), its file identity where the system has one (device and
 * inode), size and modification time, the stored size and {@link #PREPROCESSING_VERSION}. So one file named
 * by two paths (a link, {@code ..}, an absolute and a relative path, two manifests) has one entry; a link
 * pointed at another file, a file replaced by another, an image that changes or a change of a preprocessing
 * parameter misses the cache and is preprocessed again. Entries are written atomically. Delete the folder to
 * clear the cache.
 */
public final class PreprocessedCache {

  /** Bump when {@link Preprocessing} changes what it produces. */
  public static final int PREPROCESSING_VERSION = 1;

  private final Path dir;

  public PreprocessedCache(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  /** The cache file of an image at a stored size (it may not exist yet). */
  public Path entry(Path image, int storedSize) throws IOException {
    Path real = image.toRealPath();
    BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class);
    Object identity = a.fileKey();
    String key = Hashing.sha256(real + "|" + (identity == null ? "" : identity) + "|" + a.size() + "|"
        + a.lastModifiedTime().toMillis() + "|" + storedSize + "|v" + PREPROCESSING_VERSION);
    return dir.resolve(key.substring(0, 2)).resolve(key + ".u8");
  }

  /** The cached bytes, or null when absent or incomplete. */
  public static byte[] load(Path entry, int storedSize) throws IOException {
    try {
      byte[] b = Files.readAllBytes(entry);
      return b.length == storedSize * storedSize ? b : null;
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  public static void store(Path entry, byte[] pixels) throws IOException {
    Files.createDirectories(entry.getParent());
    Archives.writeAtomically(entry, pixels);
  }
}
