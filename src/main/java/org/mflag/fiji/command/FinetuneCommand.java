package org.mflag.fiji.command;

import java.util.List;
import org.mflag.config.Key;
import org.mflag.config.Task;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.train.FinetuneConfig;
import org.mflag.train.Finetuner;
import org.mflag.train.TrainingListener;
import org.mflag.train.TrainingResult;
import org.scijava.plugin.Parameter;

/**
 * The fields every fine-tune command shares (the keys of {@link FinetuneConfig#keys}); the three
 * subclasses add their task's keys. Runs {@link Finetuner} with progress, the loss plot and cancel.
 */
public abstract class FinetuneCommand extends TrainingCommand {

  @Parameter(persist = false)
  protected String split_column;
  @Parameter(persist = false)
  protected String group_column;
  @Parameter(persist = false)
  protected double val_fraction;
  @Parameter(persist = false)
  protected double test_fraction;
  @Parameter(persist = false)
  protected String encoder_model;
  @Parameter(persist = false)
  protected int patience;
  @Parameter(persist = false)
  protected double fraction;
  @Parameter(persist = false)
  protected String cache_dir;

  protected abstract Task task();

  @Override
  public List<Key> keys() {
    return FinetuneConfig.keys(task());
  }

  @Override
  public String title() {
    switch (task()) {
      case SEGMENTATION:
        return "M-FLAG Fine-tune Segmenter";
      case CLASSIFICATION:
        return "M-FLAG Fine-tune Classifier";
      default:
        return "M-FLAG Fine-tune Detector";
    }
  }

  @Override
  protected TrainingResult train(TrainingListener listener) throws Exception {
    return new Finetuner(FinetuneConfig.of(task(), keyValues()), new ImageFileDecoder(), logger()).run(listener, this::isCanceled);
  }
}
