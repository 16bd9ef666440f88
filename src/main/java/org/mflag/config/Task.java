package org.mflag.config;


/** The downstream tasks a pre-trained encoder is fine-tuned for (MFLAG.md, "Downstream protocols"). */
public enum Task {
  SEGMENTATION("segmenter", "dice"),
  CLASSIFICATION("classifier", "auroc_macro"),
  DETECTION("detector", "map");

  private final String model;
  private final String metric;

  Task(String model, String metric) {
    this.model = model;
    this.metric = metric;
  }

  public String key() {
    return Choices.key(this);
  }

  /** The model's name in commands: {@code finetune-segmenter}, ... */
  public String modelName() {
    return model;
  }

  /**
   * The validation metric that early stopping follows (higher is better): Dice, mAP, or macro AUROC for
   * classification, single-label too. (MGCA reports accuracy for multi-class COVIDx; on skewed labels
   * accuracy rewards the majority class and barely moves, so we select on AUROC and report both.)
   */
  public String primaryMetric() {
    return metric;
  }

  public static Task fromKey(String key) {
    return Choices.parse(Task.class, "task", key);
  }
}
