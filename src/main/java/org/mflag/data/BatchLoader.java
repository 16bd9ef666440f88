package org.mflag.data;

import java.util.ArrayDeque;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Builds the batches of a run ahead of the training step, on {@code workers} threads, and hands them
 * out in step order. What a batch holds is up to its {@link Source}, which must depend only on the
 * global step (seed, epoch and position are derived from it): a resumed run then sees exactly the
 * batches the uninterrupted run would have seen, with no random state to save. Pre-training's pairs
 * ({@link PairBatches}) and every fine-tuning task's images and targets come through here.
 *
 * <p>Also the project's one seeded shuffle ({@link #permutation}) and seed mixing ({@link #mix}).</p>
 *
 * @param <B> the batch type
 */
public final class BatchLoader<B> implements AutoCloseable {

  /** The batch of a global step (0-based); called from loader threads, so it must not share mutable state unguarded. */
  @FunctionalInterface
  public interface Source<B> {
    B batch(long step) throws Exception;
  }

  private final Source<B> source;
  private final ExecutorService pool;
  private final int depth;
  private final ArrayDeque<Future<B>> ahead = new ArrayDeque<>();
  private long nextToSubmit = -1;
  private long endStep;

  public BatchLoader(Source<B> source, int workers) {
    this.source = source;
    int w = Math.max(1, workers);
    this.pool = Executors.newFixedThreadPool(w, PairDataset.daemon("mflag-loader"));
    this.depth = w + 1;
  }

  /** Batches for steps {@code from} (inclusive) to {@code to} (exclusive) will be asked for in order. */
  public void start(long from, long to) {
    cancelPending();
    nextToSubmit = from;
    endStep = to;
    fill();
  }

  /** The next batch of the range given to {@link #start}; waits for it if needed. */
  public B next() throws InterruptedException {
    Future<B> f = ahead.poll();
    if (f == null) throw new IllegalStateException("no batch pending: call start(from, to) first");
    try {
      B b = f.get();
      fill();
      return b;
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException) throw (RuntimeException) c;
      throw new IllegalStateException("building a batch failed: " + c, c);
    }
  }

  private void fill() {
    while (ahead.size() < depth && nextToSubmit < endStep) {
      long s = nextToSubmit++;
      ahead.add(pool.submit(() -> source.batch(s)));
    }
  }

  private void cancelPending() {
    for (Future<B> f : ahead) f.cancel(true);
    ahead.clear();
  }

  @Override
  public void close() {
    cancelPending();
    pool.shutdownNow();
  }

  /**
   * The order of each epoch of a run over {@code n} examples: a {@link #permutation} drawn from (seed, epoch),
   * kept for the epoch the loader threads are building (the same for every batch of it).
   */
  public static final class EpochOrders {
    private final int n;
    private final long seed;
    private int cachedEpoch = -1;
    private int[] cached;

    public EpochOrders(int n, long seed) {
      this.n = n;
      this.seed = seed;
    }

    /** The example indices in the order of {@code epoch}. */
    public synchronized int[] of(int epoch) {
      if (epoch != cachedEpoch) {
        cached = permutation(n, mix(seed, epoch, -1));
        cachedEpoch = epoch;
      }
      return cached;
    }
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

  /** SplitMix-style mixing of (seed, epoch, position) into one stream seed. */
  public static long mix(long seed, long epoch, long pos) {
    long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + pos * 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
