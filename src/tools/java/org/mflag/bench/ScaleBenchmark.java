package org.mflag.bench;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.mflag.data.BatchLoader;
import org.mflag.data.Manifest;
import org.mflag.data.PairBatches;
import org.mflag.data.PairDataset;
import org.mflag.data.PreprocessedCache;
import org.mflag.data.Preprocessing;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.io.Archives;
import org.mflag.text.Report;
import org.mflag.text.ReportEmbedder;
import org.mflag.text.TextModels;
import org.scijava.log.Logger;

/**
 * Pre-training's data path at archive scale on one machine: manifests of many pairs made of hard links to the sample
 * X-rays (distinct paths, so every link is decoded and cached as its own image) and a few hundred distinct reports. Per
 * manifest, in a JVM of its own so that the peak resident memory is that manifest's: reading the manifest; preprocessing
 * every image into a fresh cache (and the cache's largest folder); opening the dataset again from the warm cache;
 * embedding the reports (each distinct text once) and looking them all up again from the embedding cache; and the
 * loader's rate (read, augment, batch), which must not depend on the manifest's size. The training step itself does
 * not depend on it either: it sees batches only.
 */
final class ScaleBenchmark {

  /** One manifest's figures. */
  static final class Result {
    int pairs;
    int distinctReports;
    int imageSize;
    int workers;
    double manifestReadSeconds;
    long residentAfterManifestBytes;
    double preprocessSeconds;
    double preprocessImagesPerSecond;
    long cacheFiles;
    long largestCacheFolderFiles;
    long cacheBytes;
    double warmOpenSeconds;
    double embedFirstSeconds;
    double embedLookupSeconds;
    double loaderImagesPerSecond;
    /** The time to the first step with warm caches: manifest read, dataset opened, reports looked up, first batch. */
    double warmStartSeconds;
    long peakResidentBytes;
    long heapMaxBytes;
    /** Live heap after a full collection: with the manifest read, the dataset open, the embeddings looked up. */
    long liveAfterManifestBytes;
    long liveAfterDatasetBytes;
    long liveAfterEmbeddingsBytes;
  }

  /** The heap's live bytes after a full collection (what the data holds, garbage left out). */
  private static long liveBytes() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 2; i++) System.gc();
    return rt.totalMemory() - rt.freeMemory();
  }

  private ScaleBenchmark() {}

  /**
   * Child: {@code ScaleBenchmark <manifest> <cache dir> <image size> <workers> <distinct reports> <language model cache>}
   * (the cache dir starts empty; the language model is unpacked once into the last).
   */
  public static void main(String[] args) throws Exception {
    if (args.length == 0) { // by hand: ScaleBenchmark with no arguments runs 10^4 and 10^5 pairs of the samples
      run(Path.of("samples/cxr/manifest.csv"), new int[] {10_000, 100_000}, 288, 128, 2, Path.of(System.getProperty("user.home"), ".cache",
          "mflag"), new org.scijava.log.StderrLogService());
      return;
    }
    Path manifest = Path.of(args[0]), cache = Path.of(args[1]), models = Path.of(args[5]);
    Result r = new Result();
    r.imageSize = Integer.parseInt(args[2]);
    r.workers = Integer.parseInt(args[3]);
    r.distinctReports = Integer.parseInt(args[4]);
    r.heapMaxBytes = Runtime.getRuntime().maxMemory();
    Logger log = new org.scijava.log.StderrLogService();
    ImageFileDecoder decoder = new ImageFileDecoder();
    PairDataset.Options o = PairDataset.Options.storedSize(Preprocessing.storedSize(r.imageSize)).optColumns("image", "report")
        .optWorkers(r.workers).optCache(new PreprocessedCache(cache.resolve("images")));

    long t0 = System.nanoTime();
    Manifest m = Manifest.read(manifest, "id", "image");
    r.manifestReadSeconds = seconds(t0);
    r.pairs = m.size();
    r.residentAfterManifestBytes = ProcessMemory.residentBytes();
    r.liveAfterManifestBytes = liveBytes();

    long t1 = System.nanoTime();
    PairDataset data = PairDataset.open(m, o, decoder, log);
    r.preprocessSeconds = seconds(t1);
    r.preprocessImagesPerSecond = r.pairs / r.preprocessSeconds;
    try (Stream<Path> folders = Files.list(cache.resolve("images"))) {
      for (Path f : (Iterable<Path>) folders::iterator) {
        try (Stream<Path> files = Files.list(f)) {
          long n = 0;
          for (Path x : (Iterable<Path>) files::iterator) {
            n++;
            r.cacheBytes += Files.size(x);
          }
          r.cacheFiles += n;
          r.largestCacheFolderFiles = Math.max(r.largestCacheFolderFiles, n);
        }
      }
    }

    List<Report> reports = new ArrayList<>(data.size());
    for (PairDataset.Pair p : data.pairs()) reports.add(new Report(p.id, p.report));
    try (ReportEmbedder lm = TextModels.open(TextModels.DEFAULT, models, cache.resolve("embeddings"), log)) {
      long t2 = System.nanoTime();
      lm.embed(reports);
      r.embedFirstSeconds = seconds(t2);
    }

    // a second start, as a resumed or repeated run makes it: everything from the caches
    long t3 = System.nanoTime();
    m = null; // the first open's manifest and dataset are garbage now: the live heap below is the second start's alone
    data = null;
    Manifest again = Manifest.read(manifest, "id", "image");
    long t4 = System.nanoTime();
    PairDataset warm = PairDataset.open(again, o, decoder, log);
    r.warmOpenSeconds = seconds(t4);
    r.liveAfterDatasetBytes = liveBytes();
    Map<String, float[]> embeddings;
    try (ReportEmbedder lm = TextModels.open(TextModels.DEFAULT, models, cache.resolve("embeddings"), log)) {
      long t5 = System.nanoTime();
      embeddings = lm.embed(reports);
      r.embedLookupSeconds = seconds(t5);
    }
    r.liveAfterEmbeddingsBytes = liveBytes();
    if (embeddings.size() != warm.size()) throw new IllegalStateException(embeddings.size() + " embeddings for " + warm.size() + " pairs");
    int batch = 16, batches = 20;
    try (BatchLoader<PairBatches.Batch> loader = new BatchLoader<>(new PairBatches(warm, batch, r.imageSize, 1), r.workers)) {
      loader.start(0, 1 + batches);
      loader.next();
      r.warmStartSeconds = seconds(t3);
      long t6 = System.nanoTime();
      for (int i = 0; i < batches; i++) loader.next();
      r.loaderImagesPerSecond = batches * batch / ((System.nanoTime() - t6) / 1e9);
    }
    r.peakResidentBytes = ProcessMemory.peakBytes();
    ChildJvm.reply(r);
  }

  /**
   * For each size: a manifest of {@code pairs} hard links to the images of {@code samples} (cycled) with {@code reports}
   * distinct reports (the samples' own, cycled, each made distinct by a suffix), run in a child JVM.
   */
  static List<Result> run(Path samples, int[] sizes, int reports, int imageSize, int workers, Path modelCache, Logger log) throws Exception {
    Manifest m = Manifest.read(samples, "id", "image");
    List<Path> images = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    for (Manifest.Row row : m.rows()) {
      images.add(m.locate(row.get("image")));
      texts.add(row.get("report"));
    }
    List<Result> out = new ArrayList<>();
    for (int pairs : sizes) {
      Path dir = Files.createTempDirectory("mflag-bench-scale");
      try {
        Path links = Files.createDirectories(dir.resolve("images"));
        Path csv = dir.resolve("manifest.csv");
        long t0 = System.nanoTime();
        try (BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
          w.write("id,image,report\n");
          for (int i = 0; i < pairs; i++) {
            Path source = images.get(i % images.size());
            String name = String.format("%07d-%s", i, source.getFileName());
            Files.createLink(links.resolve(name), source);
            String text = texts.get(i % texts.size()) + " (report " + (i % reports) / texts.size() + ")";
            w.write("p" + i + ",images/" + name + "," + Manifest.csvField(text) + "\n");
          }
        }
        log.info(String.format(java.util.Locale.ROOT, "scale: %,d pairs written as hard links in %.1f s; preprocessing them at %d px with %d workers",
            pairs, seconds(t0), imageSize, workers));
        Result r = ChildJvm.run(ScaleBenchmark.class, List.of(csv.toString(), dir.resolve("cache").toString(), String.valueOf(imageSize),
            String.valueOf(workers), String.valueOf(Math.min(reports, pairs)), modelCache.toString()), null, Map.of(), Result.class);
        log.info(String.format(java.util.Locale.ROOT, "scale: %,d pairs (%d distinct reports): manifest read %.2f s (RSS %.0f MB); preprocessing"
            + " %.1f s = %.0f img/s, cache %,d files (%.0f MB), largest folder %,d files; embeddings %.1f s, looked up again %.2f s; warm start"
            + " to the first batch %.1f s (dataset %.1f s); loader %.0f img/s; peak RSS %.2f GiB (heap limit %.1f GiB); live heap: manifest"
            + " %.0f MB, + dataset %.0f MB, + embeddings %.0f MB", r.pairs, r.distinctReports,
            r.manifestReadSeconds, r.residentAfterManifestBytes / 1e6, r.preprocessSeconds, r.preprocessImagesPerSecond, r.cacheFiles,
            r.cacheBytes / 1e6, r.largestCacheFolderFiles, r.embedFirstSeconds, r.embedLookupSeconds, r.warmStartSeconds, r.warmOpenSeconds,
            r.loaderImagesPerSecond, r.peakResidentBytes / 1073741824.0, r.heapMaxBytes / 1073741824.0, r.liveAfterManifestBytes / 1e6,
            r.liveAfterDatasetBytes / 1e6, r.liveAfterEmbeddingsBytes / 1e6));
        out.add(r);
      } finally {
        Archives.deleteTree(dir);
      }
    }
    return out;
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
