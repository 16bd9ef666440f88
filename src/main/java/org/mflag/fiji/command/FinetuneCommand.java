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

  @Parameter(label = "Manifest (CSV, persist = false)", style = "open", persist = false)
  protected File manifest;
  @Parameter(label = "Image column", persist = false)
  protected String image_column = "image";
  @Parameter(label = "Row id column", persist = false)
  protected String id_column = "id";
  @Parameter(label = "Split column (train/val/test, persist = false)")
  protected String split_column = "split";
  @Parameter(label = "Group column for a drawn split (e.g. patient, persist = false)", required = false)
  protected String group_column = "";
  @Parameter(label = "Validation share of a drawn split", persist = false)
  protected double val_fraction = 0.15;
  @Parameter(label = "Test share of a drawn split", persist = false)
  protected double test_fraction = 0.15;
  @Parameter(label = "Pre-trained encoder (folder, or random, persist = false)")
  protected String encoder_model = "random";
  @Parameter(label = "Encoder (for random, persist = false)", choices = {"resnet18", "resnet34", "resnet50"})
  protected String encoder = "resnet50";
  @Parameter(label = "Output folder", style = "directory", persist = false)
  protected File output;
  @Parameter(label = "Image size (px, multiple of 32, persist = false)", min = "32")
  protected int image_size = 224;
  @Parameter(label = "Batch size", min = "2", persist = false)
  protected int batch_size = 16;
  @Parameter(label = "Epochs (most, persist = false)", min = "1")
  protected int epochs = 50;
  @Parameter(label = "Early-stopping patience (epochs, persist = false)", min = "1")
  protected int patience = 10;
  @Parameter(label = "Learning rate (auto, persist = false)")
  protected String lr = "auto";
  @Parameter(label = "Weight decay (auto, persist = false)")
  protected String weight_decay = "auto";
  @Parameter(label = "Label fraction of the training split", persist = false)
  protected double fraction = 1.0;
  @Parameter(label = "Seed", persist = false)
  protected long seed = 42;
  @Parameter(label = "Resume from last checkpoint", persist = false)
  protected boolean resume;
  @Parameter(label = "Loader threads", min = "1", persist = false)
  protected int workers = 2;
  @Parameter(label = "Bad images", choices = {"skip", "fail"}, persist = false)
  protected String on_bad_input = "skip";
  @Parameter(label = "Log every (steps, persist = false)", min = "1")
  protected int log_every = 10;
  @Parameter(label = "Stop after step (0 = no limit, persist = false)", min = "0")
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
