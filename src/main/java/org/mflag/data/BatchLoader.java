package org.mflag.data;

import java.util.ArrayDeque;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Turns a dataset into training batches that depend only on (seed, global step): the order of an
 * epoch is a permutation drawn from (seed, epoch) and each image's augmentation from (seed, epoch,
 * position). A resumed run therefore sees exactly the batches the uninterrupted run would have seen,
 * with no random state to save. Batches are built ahead of the training step by {@code workers}
 * threads. The last incomplete batch of an epoch is dropped (batch norm and the orthogonality loss
 * need full batches).
 */
public final class BatchLoader implements AutoCloseable {

  /** A batch: images [B, size, size, 1] normalised, and the dataset indices of its pairs. */
  public static final class Batch {
    public final long step;
    public final float[] images;
    public final int[] indices;

    Batch(long step, float[] images, int[] indices) {
      this.step = step;
      this.images = images;
      this.indices = indices;
    }
  }

  private final PairDataset data;
  private final int batchSize;
  private final int imageSize;
  private final long seed;
  private final ExecutorService pool;
  private final int depth;
  private final ArrayDeque<Future<Batch>> ahead = new ArrayDeque<>();
  private long nextToSubmit = -1;
  private int cachedEpoch = -1;
  private int[] cachedOrder;
  private long endStep;

  public BatchLoader(PairDataset data, int batchSize, int imageSize, long seed, int workers) {
    if (batchSize < 2) throw new IllegalArgumentException("batch_size must be >= 2 (batch norm), got " + batchSize);
    if (data.size() < batchSize) {
      throw new IllegalArgumentException("batch_size " + batchSize + " is larger than the dataset (" + data.size() + " pairs)");
    }
    if (imageSize > data.storedSize()) {
      throw new IllegalArgumentException("image_size " + imageSize + " exceeds the stored size " + data.storedSize());
    }
    this.data = data;
    this.batchSize = batchSize;
    this.imageSize = imageSize;
    this.seed = seed;
    int w = Math.max(1, workers);
    this.pool = Executors.newFixedThreadPool(w, PairDataset.daemon("mflag-loader"));
    this.depth = w + 1;
  }

  public int stepsPerEpoch() {
    return data.size() / batchSize;
  }

  /** The dataset indices in the order of epoch {@code epoch} (Fisher-Yates from a seeded stream). */
  public int[] order(int epoch) {
    return permutation(data.size(), mix(seed, epoch, -1));
  }

  /**
   * 0..n-1 shuffled by Fisher-Yates from a {@link SplittableRandom} seeded with {@code streamSeed}: the one
   * seeded shuffle of the project (epoch orders, drawn splits, label fractions).
   */
  public static int[] permutation(int n, long streamSeed) {
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) idx[i] = i;
    SplittableRandom r = new SplittableRandom(streamSeed);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    return idx;
  }

  private synchronized int[] orderCached(int epoch) {
    if (epoch != cachedEpoch) {
      cachedOrder = order(epoch);
      cachedEpoch = epoch;
    }
    return cachedOrder;
  }

  /** Builds the batch of a global step (0-based) in the calling thread. */
  public Batch build(long step) {
    int spe = stepsPerEpoch();
    int epoch = (int) (step / spe);
    int first = (int) (step % spe) * batchSize;
    int[] order = orderCached(epoch);
    int n = imageSize * imageSize;
    float[] images = new float[batchSize * n];
    int[] indices = new int[batchSize];
    for (int b = 0; b < batchSize; b++) {
      int pos = first + b;
      int i = order[pos];
      indices[b] = i;
      float[] x = Augmentation.train(data.image(i), data.storedSize(), imageSize, new SplittableRandom(mix(seed, epoch, pos)));
      System.arraycopy(x, 0, images, b * n, n);
    }
    return new Batch(step, images, indices);
  }

  /** Batches for steps {@code from} (inclusive) to {@code to} (exclusive) will be asked for in order. */
  public void start(long from, long to) {
    cancelPending();
    nextToSubmit = from;
    endStep = to;
    fill();
  }

  /** The next batch of the range given to {@link #start}; waits for it if needed. */
  public Batch next() throws InterruptedException {
    Future<Batch> f = ahead.poll();
    if (f == null) throw new IllegalStateException("no batch pending: call start(from, to) first");
    try {
      Batch b = f.get();
      fill();
      return b;
    } catch (ExecutionException e) {
      throw new IllegalStateException("building a batch failed: " + e.getCause(), e.getCause());
    }
  }

  private void fill() {
    while (ahead.size() < depth && nextToSubmit < endStep) {
      long s = nextToSubmit++;
      ahead.add(pool.submit(() -> build(s)));
    }
  }

  private void cancelPending() {
    for (Future<Batch> f : ahead) f.cancel(true);
    ahead.clear();
  }

  @Override
  public void close() {
    cancelPending();
    pool.shutdownNow();
  }

  /** SplitMix-style mixing of (seed, epoch, position) into one stream seed. */
  public static long mix(long seed, long epoch, long pos) {
    long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + pos * 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
