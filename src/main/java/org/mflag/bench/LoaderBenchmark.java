package org.mflag.bench;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.mflag.config.CommonKeys;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.data.BatchLoader;
import org.mflag.data.ImageDecoder;
import org.mflag.data.Manifest;
import org.mflag.data.PairDataset;
import org.mflag.data.PreprocessedCache;
import org.mflag.data.Preprocessing;
import org.mflag.loss.MFlagLoss;
import org.mflag.nn.Architecture;
import org.mflag.train.PretrainGraph;
import org.scijava.log.Logger;

/**
 * Is the data loader ever the bottleneck? Measures, in one process, the loader's throughput (read the
 * preprocessed image, augment, assemble batches, {@code workers} threads) and the training step's
 * demand (images per second of the encoder's fwd + bwd + AdamW at the same size and batch), and
 * prints their ratio. Target: at least 1.5.
 */
public final class LoaderBenchmark {

  public static final List<Key> KEYS = Collections.unmodifiableList(Arrays.asList(
      Key.of("manifest", "samples/cxr/manifest.csv", "image-report manifest whose images are loaded"),
      CommonKeys.IMAGE_COLUMN,
      CommonKeys.TEXT_COLUMN,
      Key.of("encoder", "resnet50", "encoder of the training step"),
      Key.of("image_size", "224", "network input size"),
      Key.of("batch_size", "16", "batch size"),
      CommonKeys.WORKERS,
      Key.of("steps", "6", "timed training steps (after one warm-up step)"),
      CommonKeys.CACHE_DIR));

  /** The measured rates. */
  public static final class Result {
    public final double loaderImagesPerSecond;
    public final double stepImagesPerSecond;

    Result(double loader, double step) {
      this.loaderImagesPerSecond = loader;
      this.stepImagesPerSecond = step;
    }

    public double ratio() {
      return loaderImagesPerSecond / stepImagesPerSecond;
    }
  }

  private LoaderBenchmark() {}

  public static Result run(KeyValues kv, ImageDecoder decoder, Logger log) throws Exception {
    int size = kv.integer("image_size", 32), batch = kv.integer("batch_size", 2), workers = kv.integer("workers", 1);
    int steps = kv.integer("steps", 1);
    Architecture arch = Architecture.fromKey(kv.string("encoder"));
    int stored = Preprocessing.storedSize(size);
    Manifest m = Manifest.read(kv.path("manifest"), "id", kv.string("image_column"));
    PairDataset data = PairDataset.open(m, PairDataset.Options.storedSize(stored).optColumns(kv.string("image_column"),
        kv.string("text_column")).optWorkers(workers).optCache(new PreprocessedCache(kv.path("cache_dir").resolve("images"))), decoder, log);

    int loaderBatches = Math.max(steps, 4 * workers);
    double loaderRate;
    try (BatchLoader loader = new BatchLoader(data, batch, size, 1, workers)) {
      loader.start(0, 1);
      loader.next(); // warm-up: classes loaded, caches touched
      long t0 = System.nanoTime();
      loader.start(1, 1 + loaderBatches);
      for (int i = 0; i < loaderBatches; i++) loader.next();
      loaderRate = loaderBatches * batch / ((System.nanoTime() - t0) / 1e9);
    }
    log.info(String.format("loader: %.1f images/s (%d workers, %d px, batch %d)", loaderRate, workers, size, batch));

    double stepRate;
    try (PretrainGraph g = new PretrainGraph(arch, batch, size, 768, new MFlagLoss(1f, MFlagLoss.OrthVariant.OFFICIAL), 0.05)) {
      g.parameters().assign(g.session(), g.parameters().initialValues(1), "init");
      Random r = new Random(1);
      float[] x = new float[batch * size * size];
      float[] t = new float[batch * 768];
      for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
      for (int i = 0; i < t.length; i++) t[i] = (float) r.nextGaussian();
      g.step(x, t, 1e-5f);
      long t0 = System.nanoTime();
      for (int i = 0; i < steps; i++) g.step(x, t, 1e-5f);
      stepRate = steps * batch / ((System.nanoTime() - t0) / 1e9);
    }
    log.info(String.format("training step (%s, %d px, batch %d): %.1f images/s", arch.key(), size, batch, stepRate));
    Result res = new Result(loaderRate, stepRate);
    log.info(String.format("loader throughput / training-step demand = %.2f (target >= 1.5)", res.ratio()));
    return res;
  }
}
