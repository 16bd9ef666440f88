package org.mflag.fiji.command;

import org.mflag.config.Task;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/** M-FLAG Fine-tune Classifier: linear probe or full fine-tuning on a pre-trained encoder. */
@Plugin(type = Command.class, headless = true, label = "M-FLAG Fine-tune Classifier")
public class FinetuneClassifierCommand extends FinetuneCommand {

  @Parameter(persist = false)
  private String label_column;
  @Parameter(persist = false)
  private String label_columns;
  @Parameter(persist = false)
  private String classes;
  @Parameter(persist = false)
  private String mode;
  @Parameter(persist = false)
  private String class_weights;

  @Override
  protected Task task() {
    return Task.CLASSIFICATION;
  }
}
