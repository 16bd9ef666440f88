package org.mflag.data;

/**
 * The batches of a run, by global step, with their size and how many make an epoch: what the training
 * loop's {@link BatchLoader} builds ahead. Pre-training's are {@link PairBatches}; fine-tuning's hold
 * each task's targets.
 *
 * @param <B> the batch type
 */
public interface Batches<B> extends BatchLoader.Source<B> {

  /** Examples per batch. */
  int batchSize();

  /** Full batches per epoch (the last incomplete one is dropped). */
  int stepsPerEpoch();
}
