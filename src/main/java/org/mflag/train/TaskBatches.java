package org.mflag.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.mflag.config.Task;
import org.mflag.data.Augmentation;
import org.mflag.data.BatchLoader;
import org.mflag.data.Batches;
import org.mflag.data.Box;
import org.mflag.data.Preprocessing;
import org.mflag.data.TaskDataset.Sample;
import org.mflag.data.TaskDataset;
import org.mflag.loss.YoloTargets;
import org.mflag.nn.YoloLayout;

/**
 * Fine-tuning batches: images and the task's targets (mask and weight; class vector; YOLO targets) of a
 * global step. The order of an epoch is a permutation drawn from (seed, epoch) and each image's
 * augmentation from (seed, epoch, position), as in pre-training, so a batch depends on its step alone
 * and the {@link BatchLoader} builds it ahead on its threads. The last incomplete batch is dropped.
 */
final class TaskBatches implements Batches<TaskBatches.Batch> {

  /** Images [B, S, S, 1] normalised, and the targets in the order {@link FinetuneGraph} feeds them. */
  static final class Batch {
    final float[] images;
    final List<float[]> targets;

    Batch(float[] images, List<float[]> targets) {
      this.images = images;
      this.targets = targets;
    }
  }

  private final FinetuneSpec spec;
  private final List<Sample> train;
  private final long seed;
  private final YoloLayout layout;
  private final BatchLoader.EpochOrders orders;

  TaskBatches(FinetuneSpec spec, List<Sample> train, long seed) {
    this.spec = spec;
    this.train = train;
    this.seed = seed;
    this.layout = spec.task == Task.DETECTION ? new YoloLayout(spec.size) : null;
    this.orders = new BatchLoader.EpochOrders(train.size(), seed);
  }

  @Override
  public int batchSize() {
    return spec.batch;
  }

  @Override
  public int stepsPerEpoch() {
    return train.size() / spec.batch;
  }

  @Override
  public Batch batch(long step) {
    int spe = stepsPerEpoch();
    int epoch = (int) (step / spe);
    int first = (int) (step % spe) * spec.batch;
    int[] order = orders.of(epoch);
    int px = spec.size * spec.size;
    List<Sample> picked = new ArrayList<>(spec.batch);
    float[] images = new float[spec.batch * px];
    List<byte[]> masks = new ArrayList<>();
    for (int b = 0; b < spec.batch; b++) {
      Sample s = train.get(order[first + b]);
      picked.add(s);
      SplittableRandom r = new SplittableRandom(BatchLoader.mix(seed, epoch, first + b));
      Augmentation.Augmented a = spec.task == Task.DETECTION // MFLAG.md: no augmentation for detection
          ? null : Augmentation.shiftScaleRotate(s.image, s.mask, spec.size, r);
      System.arraycopy(a == null ? Preprocessing.normalise(s.image) : a.image, 0, images, b * px, px);
      masks.add(a == null ? null : a.mask);
    }
    return new Batch(images, targets(spec, layout, picked, masks));
  }

  /**
   * The targets of {@code batch} in the order {@link FinetuneGraph} feeds them; {@code masks} are the
   * (augmented) segmentation masks of the batch, in order, {@code layout} the detector's (else null).
   */
  static List<float[]> targets(FinetuneSpec spec, YoloLayout layout, List<Sample> batch, List<byte[]> masks) {
    int n = batch.size();
    switch (spec.task) {
      case SEGMENTATION: {
        int px = spec.size * spec.size;
        float[] target = new float[n * px];
        float[] weight = new float[n * px];
        for (int b = 0; b < n; b++) {
          byte[] m = masks.get(b);
          for (int i = 0; i < px; i++) {
            target[b * px + i] = m[i] == 1 ? 1f : 0f;
            weight[b * px + i] = m[i] == TaskDataset.IGNORE ? 0f : 1f;
          }
        }
        return List.of(target, weight);
      }
      case CLASSIFICATION: {
        float[] y = new float[n * spec.classes];
        for (int b = 0; b < n; b++) System.arraycopy(batch.get(b).label, 0, y, b * spec.classes, spec.classes);
        return List.of(y);
      }
      default: {
        List<List<Box>> boxes = new ArrayList<>();
        for (Sample s : batch) boxes.add(s.boxes);
        YoloTargets t = new YoloTargets(layout, spec.classes, boxes, spec.maxBoxes);
        return List.of(t.assigned, t.box, t.scale, t.classes, t.truths);
      }
    }
  }
}
