package org.mflag.fiji.command;

import java.io.File;
import org.mflag.train.TrainingListener;
import org.mflag.train.TrainingResult;
import org.scijava.ItemIO;
import org.scijava.plugin.Parameter;

/**
 * The base of the commands that train (pre-training and the three fine-tuning commands): the keys they
 * share, and one way to run the core trainer with progress in the status bar, the live loss plot and
 * cancel (Esc, or the SciJava cancel), which stops after the current step with a checkpoint.
 */
public abstract class TrainingCommand extends KeyCommand {

  @Parameter(style = "open", persist = false)
  protected File manifest;
  @Parameter(persist = false)
  protected String image_column;
  @Parameter(persist = false)
  protected String id_column;
  @Parameter(style = "directory", persist = false)
  protected File output;
  @Parameter(persist = false)
  protected String encoder;
  @Parameter(persist = false)
  protected int image_size;
  @Parameter(persist = false)
  protected int batch_size;
  @Parameter(persist = false)
  protected int epochs;
  @Parameter(persist = false)
  protected String lr;
  @Parameter(persist = false)
  protected String weight_decay;
  @Parameter(persist = false)
  protected long seed;
  @Parameter(persist = false)
  protected boolean resume;
  @Parameter(persist = false)
  protected String precision;
  @Parameter(persist = false)
  protected String device;
  @Parameter(persist = false)
  protected int workers;
  @Parameter(persist = false)
  protected String on_bad_input;
  @Parameter(persist = false)
  protected int log_every;
  @Parameter(persist = false)
  protected long max_steps;
  @Parameter(persist = false, required = false)
  protected String author;
  @Parameter(persist = false, required = false)
  protected String affiliation;
  @Parameter(persist = false, required = false)
  protected String orcid;
  @Parameter(persist = false, required = false)
  protected String github_user;

  @Parameter(type = ItemIO.OUTPUT, label = "Model folder")
  protected File model;

  /** Runs the core trainer with this command's checked keys. */
  protected abstract TrainingResult train(TrainingListener listener) throws Exception;

  /** After a run: the command's own outputs. */
  protected void finished(TrainingResult r) {}

  @Override
  public void run() {
    try {
      TrainingResult r = train(trainingProgress());
      model = r.outcome == TrainingResult.Outcome.COMPLETED ? r.modelPackage.toFile() : null;
      finished(r);
      clearProgress();
    } catch (Exception e) {
      throw failure(e);
    }
  }

  public File getModel() {
    return model;
  }

  public void setManifest(File manifest) {
    this.manifest = manifest;
  }

  public void setOutput(File output) {
    this.output = output;
  }
}
