package org.mflag.bench;

import java.nio.file.Path;
import org.mflag.data.BatchLoader;
import org.mflag.data.ImageDecoder;
import org.mflag.data.Manifest;
import org.mflag.data.PairBatches;
import org.mflag.data.PairDataset;
import org.mflag.data.PreprocessedCache;
import org.mflag.data.Preprocessing;
import org.scijava.log.Logger;

/**
 * The data loader's throughput as pre-training uses it: real images from the manifest (decoded and
 * preprocessed once into the cache, as training does), then per batch read, augmented (random crop,
 * flip, affine, normalise) and assembled by {@code workers} threads. {@link Benchmark} divides it by
 * the training step's demand.
 */
final class LoaderBenchmark {

  private LoaderBenchmark() {}

  /** Images per second over {@code batches} batches after one warm-up batch. */
  static double imagesPerSecond(Path manifest, String imageColumn, String textColumn, int size, int batch, int workers, int batches,
      Path cacheDir, ImageDecoder decoder, Logger log) throws Exception {
    Manifest m = Manifest.read(manifest, "id", imageColumn);
    PairDataset data = PairDataset.open(m, PairDataset.Options.storedSize(Preprocessing.storedSize(size)).optColumns(imageColumn, textColumn)
        .optWorkers(workers).optCache(new PreprocessedCache(cacheDir.resolve("images"))), decoder, log);
    try (BatchLoader<PairBatches.Batch> loader = new BatchLoader<>(new PairBatches(data, batch, size, 1), workers)) {
      loader.start(0, 1);
      loader.next(); // warm-up: classes loaded, caches touched
      long t0 = System.nanoTime();
      loader.start(1, 1 + batches);
      for (int i = 0; i < batches; i++) loader.next();
      return batches * batch / ((System.nanoTime() - t0) / 1e9);
    }
  }
}
