package org.mflag.fiji.command;

import java.util.List;
import org.mflag.config.Key;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.train.PretrainConfig;
import org.mflag.train.Pretrainer;
import org.mflag.train.TrainingListener;
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
public class PretrainCommand extends TrainingCommand {
  @Parameter(persist = false)
  private String text_column;
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
  private double lambda_contrastive;
  @Parameter(persist = false)
  private double contrastive_temperature;
  @Parameter(persist = false)
  private int checkpoint_every;
  @Parameter(persist = false)
  private String text_model;
  @Parameter(persist = false)
  private String init_weights;
  @Parameter(persist = false)
  private String cache_dir;
  @Parameter(persist = false)
  private String cluster;
  @Parameter(persist = false)
  private String rank;
  @Parameter(persist = false)
  private int cluster_port;
  @Parameter(persist = false)
  private int cluster_timeout;

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
  protected TrainingResult train(TrainingListener listener) throws Exception {
    return new Pretrainer(PretrainConfig.fromKeyValues(keyValues()), new ImageFileDecoder(), logger()).run(listener, this::isCanceled);
  }

  @Override
  protected void finished(TrainingResult r) {
    final_loss = r.lastLoss;
  }

  public double getFinalLoss() {
    return final_loss;
  }
}
