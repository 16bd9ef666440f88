package org.mflag.nn;

import java.nio.file.Path;
import org.mflag.config.KeyValues;
import org.mflag.data.DataKeys;

/** An {@code import-weights} run: the package file the user fetched (null: fetch it with npm) and the cache it goes to. */
public final class ImportConfig {

  private final Path file;
  private final Path cacheDir;

  private ImportConfig(Path file, Path cacheDir) {
    this.file = file;
    this.cacheDir = cacheDir;
  }

  /** Reads {@link ImageNetImport#KEYS}. */
  public static ImportConfig of(KeyValues kv) {
    return new ImportConfig(kv.path(ImageNetImport.FILE), kv.path(DataKeys.CACHE_DIR));
  }

  /** The downloaded {@code .tgz}, or null to fetch it. */
  public Path file() {
    return file;
  }

  public Path cacheDir() {
    return cacheDir;
  }
}
