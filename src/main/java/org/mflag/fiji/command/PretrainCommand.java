package org.mflag.fiji.command;

import java.io.File;
import java.util.List;
import org.mflag.config.Key;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.train.PretrainConfig;
import org.mflag.train.Pretrainer;
import org.mflag.train.TrainingResult;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/**
 * M-FLAG Pretrain: the {@code pretrain} launcher command as a SciJava command. Field names are the
 * launcher's keys (snake_case, as ImageJ macros spell them), so that
 * {@code run("M-FLAG Pretrain", "manifest=[...] output=[...] epochs=2")} and
 * {@code ./mflag pretrain manifest=... output=... epochs=2} mean the same; the values go through the
 * same {@link PretrainConfig#fromKeyValues} checks. Nothing here touches AWT, so it runs headless.
 */
@Plugin(type = Command.class, headless = true, label = "M-FLAG Pretrain")
public class PretrainCommand extends KeyCommand {
  @Parameter(label = "Manifest (CSV, persist = false)", style = "open", persist = false)
  private File manifest;
  @Parameter(label = "Image column", persist = false)
  private String image_column = "image";
  @Parameter(label = "Report column", persist = false)
  private String text_column = "report";
  @Parameter(label = "Row id column", persist = false)
  private String id_column = "id";
  @Parameter(label = "Output folder", style = "directory", persist = false)
  private File output;
  @Parameter(label = "Encoder", choices = {"resnet18", "resnet34", "resnet50"}, persist = false)
  private String encoder = "resnet50";
  @Parameter(label = "Image size (px, persist = false)", min = "32")
  private int image_size = 224;
  @Parameter(label = "Batch size", min = "2", persist = false)
  private int batch_size = 16;
  @Parameter(label = "Epochs", min = "1", persist = false)
  private int epochs = 50;
  @Parameter(label = "Learning rate", persist = false)
  private double lr = 2e-5;
  @Parameter(label = "Weight decay", persist = false)
  private double weight_decay = 0.05;
  @Parameter(label = "Warm-up steps (auto = 5%, persist = false)")
  private String warmup_steps = "auto";
  @Parameter(label = "Schedule", choices = {"cosine", "restarts"}, persist = false)
  private String schedule = "cosine";
  @Parameter(label = "Restart period (steps, auto, persist = false)")
  private String restart_period = "auto";
  @Parameter(label = "Minimum learning rate", persist = false)
  private double min_lr = 1e-8;
  @Parameter(label = "Orthogonality weight (lambda, persist = false)")
  private double lambda_orth = 1;
  @Parameter(label = "Orthogonality variant", choices = {"official", "normalized"}, persist = false)
  private String orth_variant = "official";
  @Parameter(label = "Seed", persist = false)
  private long seed = 42;
  @Parameter(label = "Resume from last checkpoint", persist = false)
  private boolean resume;
  @Parameter(label = "Checkpoint every (steps, persist = false)", min = "1")
  private int checkpoint_every = 100;
  @Parameter(label = "Language model", persist = false)
  private String text_model = "bert-base-uncased";
  @Parameter(label = "Initial encoder weights (.npz, persist = false)", required = false, persist = false)
  private String init_weights = "";
  @Parameter(label = "Loader threads", min = "1", persist = false)
  private int workers = 2;
  @Parameter(label = "Bad pairs", choices = {"skip", "fail"}, persist = false)
  private String on_bad_input = "skip";
  @Parameter(label = "Cache folder", persist = false)
  private String cache_dir = "~/.cache/mflag";
  @Parameter(label = "Log every (steps, persist = false)", min = "1")
  private int log_every = 10;
  @Parameter(label = "Stop after step (0 = all, persist = false)", min = "0")
  private long max_steps;

  @Parameter(type = ItemIO.OUTPUT, label = "Model folder")
  private File model;
  @Parameter(type = ItemIO.OUTPUT, label = "Final loss")
  private double final_loss;

  @Override
  public List<Key> keys() {
    return PretrainConfig.KEYS;
  }

  @Override
  public String title() {
    return "M-FLAG Pretrain";
  }

  @Override
  public void run() {
    try {
      PretrainConfig cfg = PretrainConfig.fromKeyValues(keyValues());
      TrainingResult r = new Pretrainer(cfg, new ImageFileDecoder(), logger()).run(trainingProgress(), this::isCanceled);
      model = r.outcome == TrainingResult.Outcome.COMPLETED ? cfg.output().toFile() : null;
      final_loss = r.lastLoss;
      clearProgress();
    } catch (Exception e) {
      throw failure(e);
    }
  }

  public File getModel() {
    return model;
  }

  public double getFinalLoss() {
    return final_loss;
  }

  public void setManifest(File manifest) {
    this.manifest = manifest;
  }

  public void setOutput(File output) {
    this.output = output;
  }
}
