package org.mflag.text;

import java.nio.file.Path;
import org.mflag.config.KeyValues;
import org.mflag.data.DataKeys;

/** An {@code install-language-model} run: the jar the user fetched (null: download it) and the cache it goes to. */
public final class InstallConfig {

  private final Path file;
  private final Path cacheDir;

  private InstallConfig(KeyValues kv) {
    file = kv.path(LanguageModelInstall.FILE);
    cacheDir = kv.path(DataKeys.CACHE_DIR);
  }

  /** Reads {@link LanguageModelInstall#KEYS}. */
  public static InstallConfig of(KeyValues kv) {
    return new InstallConfig(kv);
  }

  /** The downloaded jar, or null to download it. */
  public Path file() {
    return file;
  }

  public Path cacheDir() {
    return cacheDir;
  }
}
