package org.mflag.config;

import java.nio.file.Path;

/**
 * The per-user folder where M-FLAG keeps what it computes or unpacks once: preprocessed images, report
 * embeddings, the unpacked language model, imported ImageNet weights ({@code cache_dir}), and TensorFlow's
 * natives. Its default is declared here and nowhere else.
 */
public final class CacheFolder {

  /** {@code cache_dir}'s default, as a user writes it ({@code ~} is the home folder). */
  public static final String DEFAULT = "~/.cache/mflag";

  private CacheFolder() {}

  /** The default folder, {@link #DEFAULT} with the home folder filled in. */
  public static Path defaultFolder() {
    return expand(DEFAULT);
  }

  /** A path as a user writes it: a leading {@code ~/} (or {@code ~} alone) is the home folder. */
  public static Path expand(String path) {
    String home = System.getProperty("user.home");
    if (path.equals("~")) return Path.of(home);
    return path.startsWith("~/") || path.startsWith("~\\") ? Path.of(home, path.substring(2)) : Path.of(path);
  }
}
