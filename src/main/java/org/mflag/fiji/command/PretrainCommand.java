package org.mflag.fiji.command;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import org.mflag.config.KeyValues;
import org.mflag.fiji.convert.ImageJDecoder;
import org.mflag.train.PretrainConfig;
import org.mflag.train.Pretrainer;
import org.mflag.train.TrainingEvent;
import org.mflag.train.TrainingListener;
import org.mflag.train.TrainingResult;
import org.scijava.ItemIO;
import org.scijava.app.StatusService;
import org.scijava.command.Command;
import org.scijava.command.ContextCommand;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/**
 * Plugins > M-FLAG > Pretrain: the {@code pretrain} launcher command as a SciJava command. Field
 * names are the launcher's keys (snake_case, as ImageJ macros spell them), so that
 * {@code run("M-FLAG Pretrain", "manifest=[...] output=[...] epochs=2")} and
 * {@code ./mflag pretrain manifest=... output=... epochs=2} mean the same; the values go through the
 * same {@link PretrainConfig#fromKeyValues} checks. Nothing here touches AWT, so it runs headless.
 */
@Plugin(type = Command.class, headless = true, menuPath = "Plugins>M-FLAG>Pretrain")
public class PretrainCommand extends ContextCommand {

  @Parameter(label = "Manifest (CSV)", style = "open", persist = false)
  private File manifest;
  @Parameter(label = "Image column")
  private String image_column = "image";
  @Parameter(label = "Report column")
  private String text_column = "report";
  @Parameter(label = "Row id column")
  private String id_column = "id";
  @Parameter(label = "Output folder", style = "directory", persist = false)
  private File output;
  @Parameter(label = "Encoder", choices = {"resnet18", "resnet34", "resnet50"})
  private String encoder = "resnet50";
  @Parameter(label = "Image size (px)", min = "32")
  private int image_size = 224;
  @Parameter(label = "Batch size", min = "2")
  private int batch_size = 16;
  @Parameter(label = "Epochs", min = "1")
  private int epochs = 50;
  @Parameter(label = "Learning rate")
  private double lr = 2e-5;
  @Parameter(label = "Weight decay")
  private double weight_decay = 0.05;
  @Parameter(label = "Warm-up steps (auto = 5%)")
  private String warmup_steps = "auto";
  @Parameter(label = "Schedule", choices = {"cosine", "restarts"})
  private String schedule = "cosine";
  @Parameter(label = "Restart period (steps, auto)")
  private String restart_period = "auto";
  @Parameter(label = "Minimum learning rate")
  private double min_lr = 1e-8;
  @Parameter(label = "Orthogonality weight (lambda)")
  private double lambda_orth = 1;
  @Parameter(label = "Orthogonality variant", choices = {"official", "normalized"})
  private String orth_variant = "official";
  @Parameter(label = "Seed")
  private long seed = 42;
  @Parameter(label = "Resume from last checkpoint")
  private boolean resume;
  @Parameter(label = "Checkpoint every (steps)", min = "1")
  private int checkpoint_every = 100;
  @Parameter(label = "Language model")
  private String text_model = "bert-base-uncased";
  @Parameter(label = "Initial encoder weights (.npz)", required = false, persist = false)
  private String init_weights = "";
  @Parameter(label = "Loader threads", min = "1")
  private int workers = 2;
  @Parameter(label = "Cache folder")
  private String cache_dir = "~/.cache/mflag";
  @Parameter(label = "Log every (steps)", min = "1")
  private int log_every = 10;
  @Parameter(label = "Stop after step (0 = all)", min = "0")
  private long max_steps;

  @Parameter(type = ItemIO.OUTPUT, label = "Model folder")
  private File model;
  @Parameter(type = ItemIO.OUTPUT, label = "Final loss")
  private double final_loss;

  @Parameter
  private LogService log;
  @Parameter(required = false)
  private StatusService status;

  /** The command's values as the launcher's {@code key=value} words. */
  List<String> keyValues() {
    List<String> kv = new ArrayList<>();
    add(kv, "manifest", manifest == null ? null : manifest.getPath());
    add(kv, "image_column", image_column);
    add(kv, "text_column", text_column);
    add(kv, "id_column", id_column);
    add(kv, "output", output == null ? null : output.getPath());
    add(kv, "encoder", encoder);
    add(kv, "image_size", image_size);
    add(kv, "batch_size", batch_size);
    add(kv, "epochs", epochs);
    add(kv, "lr", lr);
    add(kv, "weight_decay", weight_decay);
    add(kv, "warmup_steps", warmup_steps);
    add(kv, "schedule", schedule);
    add(kv, "restart_period", restart_period);
    add(kv, "min_lr", min_lr);
    add(kv, "lambda_orth", lambda_orth);
    add(kv, "orth_variant", orth_variant);
    add(kv, "seed", seed);
    add(kv, "resume", resume);
    add(kv, "checkpoint_every", checkpoint_every);
    add(kv, "text_model", text_model);
    add(kv, "init_weights", init_weights);
    add(kv, "workers", workers);
    add(kv, "cache_dir", cache_dir);
    add(kv, "log_every", log_every);
    add(kv, "max_steps", max_steps);
    return kv;
  }

  private static void add(List<String> kv, String key, Object value) {
    if (value != null) kv.add(key + "=" + value);
  }

  PretrainConfig config() {
    return PretrainConfig.fromKeyValues(KeyValues.parse("M-FLAG Pretrain", PretrainConfig.KEYS, keyValues()));
  }

  @Override
  public void run() {
    try {
      PretrainConfig cfg = config();
      TrainingResult r = new Pretrainer(cfg, new ImageJDecoder(), log.subLogger("pretrain")).run(new TrainingListener() {
        @Override
        public void onBatch(TrainingEvent e) {
          if (status != null) status.showStatus((int) e.step, (int) e.totalSteps, e.describe());
        }
      }, this::isCanceled);
      model = r.outcome == TrainingResult.Outcome.COMPLETED ? cfg.output().toFile() : null;
      final_loss = r.lastLoss;
      if (status != null) status.clearStatus();
    } catch (Exception e) {
      log.error("M-FLAG Pretrain: " + e.getMessage(), e);
      throw new IllegalStateException("M-FLAG Pretrain: " + e.getMessage(), e);
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
