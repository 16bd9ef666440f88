package org.mflag.config;


/** The downstream tasks a pre-trained encoder is fine-tuned for (MFLAG.md, "Downstream protocols"). */
public enum Task {
  SEGMENTATION("segmenter", "dice", "segment"),
  CLASSIFICATION("classifier", "auroc_macro", "classify"),
  DETECTION("detector", "map", "detect");

  private final String model;
  private final String metric;
  private final String apply;

  Task(String model, String metric, String apply) {
    this.model = model;
    this.metric = metric;
    this.apply = apply;
  }

  /** The command that applies a model of this task: {@code segment}, {@code classify}, {@code detect}. */
  public String command() {
    return apply;
  }

  /** That command's Fiji menu entry: {@code M-FLAG Segment}, ... */
  public String menuEntry() {
    return "M-FLAG " + Character.toUpperCase(apply.charAt(0)) + apply.substring(1);
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
