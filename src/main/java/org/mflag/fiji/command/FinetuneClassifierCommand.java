package org.mflag.fiji.command;

import org.mflag.config.Task;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/** M-FLAG Fine-tune Classifier: linear probe or full fine-tuning on a pre-trained encoder. */
@Plugin(type = Command.class, headless = true, label = "M-FLAG Fine-tune Classifier")
public class FinetuneClassifierCommand extends FinetuneCommand {

  @Parameter(label = "Label column", persist = false)
  private String label_column = "label";
  @Parameter(label = "Label columns (multi-label, comma-separated, persist = false)", required = false)
  private String label_columns = "";
  @Parameter(label = "Classes (empty = found, persist = false)", required = false)
  private String classes = "";
  @Parameter(label = "Mode", choices = {"linear", "finetune"}, persist = false)
  private String mode = "linear";
  @Parameter(label = "Class weights", choices = {"none", "balanced"}, persist = false)
  private String class_weights = "none";

  @Override
  protected Task task() {
    return Task.CLASSIFICATION;
  }
}
