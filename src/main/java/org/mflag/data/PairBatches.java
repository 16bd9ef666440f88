package org.mflag.data;

import java.util.SplittableRandom;

/**
 * Pre-training batches of image-report pairs: the order of an epoch is a permutation drawn from (seed,
 * epoch) and each image's augmentation from (seed, epoch, position), so a batch depends only on its
 * global step. The last incomplete batch of an epoch is dropped (batch norm and the orthogonality loss
 * need full batches).
 */
public final class PairBatches implements Batches<PairBatches.Batch> {

  /** A batch: images [B, size, size, 1] normalised (or this shard's rows of them), and the dataset indices of all its pairs. */
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
  private final BatchLoader.EpochOrders orders;
  private int shard;
  private int shards = 1;

  public PairBatches(PairDataset data, int batchSize, int imageSize, long seed) {
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
    this.orders = new BatchLoader.EpochOrders(data.size(), seed);
  }

  /**
   * Prepares only shard {@code index} of {@code count} equal shares of each batch's images (one task of a cluster
   * decodes and augments its rows alone); the indices still name the whole batch's pairs. Returns this.
   */
  public PairBatches optShard(int index, int count) {
    if (count < 1 || index < 0 || index >= count || batchSize % count != 0) {
      throw new IllegalArgumentException("shard " + index + " of " + count + " of a batch of " + batchSize);
    }
    shard = index;
    shards = count;
    return this;
  }

  @Override
  public int batchSize() {
    return batchSize;
  }

  @Override
  public int stepsPerEpoch() {
    return data.size() / batchSize;
  }

  /** The batch of a global step (0-based). */
  @Override
  public Batch batch(long step) {
    int spe = stepsPerEpoch();
    int epoch = (int) (step / spe);
    int first = (int) (step % spe) * batchSize;
    int[] order = orders.of(epoch);
    int n = imageSize * imageSize;
    int rows = batchSize / shards;
    float[] images = new float[rows * n];
    int[] indices = new int[batchSize];
    for (int b = 0; b < batchSize; b++) indices[b] = order[first + b];
    for (int b = shard * rows; b < (shard + 1) * rows; b++) {
      int pos = first + b;
      float[] x = Augmentation.train(data.image(indices[b]), data.storedSize(), imageSize,
          new SplittableRandom(BatchLoader.mix(seed, epoch, pos)));
      System.arraycopy(x, 0, images, (b - shard * rows) * n, n);
    }
    return new Batch(step, images, indices);
  }
}
