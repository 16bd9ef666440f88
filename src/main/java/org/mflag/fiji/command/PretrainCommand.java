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
  @Parameter(style = "open", persist = false)
  private File manifest;
  @Parameter(persist = false)
  private String image_column;
  @Parameter(persist = false)
  private String text_column;
  @Parameter(persist = false)
  private String id_column;
  @Parameter(style = "directory", persist = false)
  private File output;
  @Parameter(persist = false)
  private String encoder;
  @Parameter(persist = false)
  private int image_size;
  @Parameter(persist = false)
  private int batch_size;
  @Parameter(persist = false)
  private int epochs;
  @Parameter(persist = false)
  private double lr;
  @Parameter(persist = false)
  private double weight_decay;
  @Parameter(persist = false)
  private String warmup_steps;
  @Parameter(persist = false)
  private String schedule;
  @Parameter(persist = false)
  private String restart_period;
  @Parameter(persist = false)
  private double min_lr;
  @Parameter(persist = false)
  private double lambda_orth;
  @Parameter(persist = false)
  private String orth_variant;
  @Parameter(persist = false)
  private long seed;
  @Parameter(persist = false)
  private boolean resume;
  @Parameter(persist = false)
  private int checkpoint_every;
  @Parameter(persist = false)
  private String text_model;
  @Parameter(persist = false)
  private String init_weights;
  @Parameter(persist = false)
  private int workers;
  @Parameter(persist = false)
  private String on_bad_input;
  @Parameter(persist = false)
  private String cache_dir;
  @Parameter(persist = false)
  private int log_every;
  @Parameter(persist = false)
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
