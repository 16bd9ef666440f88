package org.mflag.data;

import java.util.SplittableRandom;

/**
 * Pre-training batches of image-report pairs: the order of an epoch is a permutation drawn from (seed,
 * epoch) and each image's augmentation from (seed, epoch, position), so a batch depends only on its
 * global step. The last incomplete batch of an epoch is dropped (batch norm and the orthogonality loss
 * need full batches).
 */
public final class PairBatches implements Batches<PairBatches.Batch> {

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
  private final BatchLoader.EpochOrders orders;

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
    float[] images = new float[batchSize * n];
    int[] indices = new int[batchSize];
    for (int b = 0; b < batchSize; b++) {
      int pos = first + b;
      int i = order[pos];
      indices[b] = i;
      float[] x = Augmentation.train(data.image(i), data.storedSize(), imageSize, new SplittableRandom(BatchLoader.mix(seed, epoch, pos)));
      System.arraycopy(x, 0, images, b * n, n);
    }
    return new Batch(step, images, indices);
  }
}
