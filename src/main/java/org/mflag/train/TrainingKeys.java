package org.mflag.train;

import org.mflag.config.Key;
import org.mflag.nn.Architecture;
import org.mflag.nn.Precision;

/**
 * The keys every training command takes (pre-training and each fine-tuning task), declared once; a
 * command whose protocol has another default says so with {@link Key#withDefault} or
 * {@link Key#orAuto} where it lists its keys.
 */
public final class TrainingKeys {

  public static final Key ENCODER = Key.choice("encoder", "resnet50", "image encoder: torchvision's ResNets, or resnet50_v1 (Keras' ResNet50, for the ImageNet weights of import-weights)", Architecture.keys());
  public static final Key IMAGE_SIZE = Key.integer("image_size", "224", "network input size in pixels").atLeast(32);
  public static final Key BATCH_SIZE = Key.integer("batch_size", "16", "images per training step (batch norm needs two)").atLeast(2);
  public static final Key EPOCHS = Key.integer("epochs", "50", "passes over the training data").atLeast(1);
  public static final Key LR = Key.number("lr", "2e-5", "peak learning rate of AdamW (betas 0.9/0.999, eps 1e-8)").above(0);
  public static final Key WEIGHT_DECAY = Key.number("weight_decay", "0.05", "AdamW's decoupled weight decay, on all trainable parameters")
      .atLeast(0);
  public static final Key PRECISION = Key.choice("precision", "fp32", "fp32; mixed: convolutions and matrix products in "
      + "bfloat16, weights, batch norm, loss and AdamW in fp32 (fast on GPUs from Ampere on and CPUs with AVX512_BF16 or AMX); "
      + "mixed_fp16: the same in float16 with dynamic loss scaling (for Volta and Turing GPUs, which lack bfloat16); "
      + "checkpoints and packages stay fp32", Precision.keys());
  public static final Key SEED = Key.integer("seed", "42",
      "seed of everything random: initialisation, drawn splits and label fractions, data order and augmentation");
  public static final Key RESUME = Key.bool("resume", "false", "continue from the newest valid checkpoint (in the output's .checkpoints folder)")
      .operational();
  public static final Key LOG_EVERY = Key.integer("log_every", "10", "steps between log lines").atLeast(1).operational();
  public static final Key MAX_STEPS = Key.integer("max_steps", "0",
      "stop (with a checkpoint) after this global step; 0 = run all epochs").atLeast(0).operational();

  private TrainingKeys() {}
}
