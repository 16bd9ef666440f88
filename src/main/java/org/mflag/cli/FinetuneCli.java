package org.mflag.cli;

import java.util.List;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.config.Task;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.train.FinetuneConfig;
import org.mflag.train.Finetuner;
import org.mflag.train.TrainingListener;
import org.mflag.train.TrainingResult;
import org.scijava.log.Logger;

/** {@code ./mflag finetune-segmenter|finetune-classifier|finetune-detector key=value ...}. */
final class FinetuneCli implements CliCommand {

  private final Task task;

  FinetuneCli(Task task) {
    this.task = task;
  }

  @Override
  public String name() {
    return FinetuneConfig.command(task);
  }

  @Override
  public String summary() {
    switch (task) {
      case SEGMENTATION:
        return "train a U-Net on a (frozen) pre-trained encoder from images and masks";
      case CLASSIFICATION:
        return "train a linear probe (or fine-tune) on a pre-trained encoder from labelled images";
      default:
        return "train a YOLOv3-style detector on a (frozen) pre-trained encoder from COCO boxes";
    }
  }

  @Override
  public List<Key> keys() {
    return FinetuneConfig.keys(task);
  }

  @Override
  public int run(KeyValues args, Logger log, Cancellation cancel) throws Exception {
    TrainingResult r = new Finetuner(FinetuneConfig.of(task, args), new ImageFileDecoder(), log).run(new TrainingListener() {}, cancel);
    return r.outcome == TrainingResult.Outcome.COMPLETED || r.step > 0 ? 0 : 1;
  }
}
