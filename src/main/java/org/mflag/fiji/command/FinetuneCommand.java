package org.mflag.fiji.command;

import java.io.File;
import java.util.List;
import org.mflag.config.Key;
import org.mflag.config.Task;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.train.Finetuner;
import org.mflag.train.FinetuneConfig;
import org.mflag.train.TrainingResult;
import org.scijava.ItemIO;
import org.scijava.plugin.Parameter;

/**
 * The fields every fine-tune command shares (the keys of {@link FinetuneConfig#keys}); the three
 * subclasses add their task's keys. Runs {@link Finetuner} with progress, the loss plot and cancel.
 */
public abstract class FinetuneCommand extends KeyCommand {

  @Parameter(style = "open", persist = false)
  protected File manifest;
  @Parameter(persist = false)
  protected String image_column;
  @Parameter(persist = false)
  protected String id_column;
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
  protected String encoder;
  @Parameter(style = "directory", persist = false)
  protected File output;
  @Parameter(persist = false)
  protected int image_size;
  @Parameter(persist = false)
  protected int batch_size;
  @Parameter(persist = false)
  protected int epochs;
  @Parameter(persist = false)
  protected int patience;
  @Parameter(persist = false)
  protected String lr;
  @Parameter(persist = false)
  protected String weight_decay;
  @Parameter(persist = false)
  protected double fraction;
  @Parameter(persist = false)
  protected long seed;
  @Parameter(persist = false)
  protected boolean resume;
  @Parameter(persist = false)
  protected int workers;
  @Parameter(persist = false)
  protected String on_bad_input;
  @Parameter(persist = false)
  protected int log_every;
  @Parameter(persist = false)
  protected long max_steps;

  @Parameter(type = ItemIO.OUTPUT, label = "Model folder")
  protected File model;

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
  public void run() {
    try {
      FinetuneConfig cfg = FinetuneConfig.of(task(), keyValues());
      TrainingResult r = new Finetuner(cfg, new ImageFileDecoder(), logger()).run(trainingProgress(), this::isCanceled);
      model = r.outcome == TrainingResult.Outcome.COMPLETED ? cfg.output().toFile() : null;
      clearProgress();
    } catch (Exception e) {
      throw failure(e);
    }
  }

  public File getModel() {
    return model;
  }
}
