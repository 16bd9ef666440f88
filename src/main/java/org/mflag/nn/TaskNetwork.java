package org.mflag.nn;

import org.mflag.config.Task;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The networks of the downstream tasks: the ResNet encoder (torchvision parameter names, so a
 * pre-trained encoder loads by name) with a task head:
 * <ul>
 *   <li>segmentation: {@link UNet}, logits [B, S, S, 1];</li>
 *   <li>classification: one linear layer on the pooled features ({@code classifier.*}), logits [B, C];</li>
 *   <li>detection: {@link YoloHead}, raw outputs [B, N, 5 + C].</li>
 * </ul>
 * The encoder and the head get their own {@link Layers}: a frozen encoder is built in
 * {@link Mode#INFER} (its batch norm uses, and keeps, the pre-trained statistics) while the head
 * trains.
 */
public final class TaskNetwork {

  public static final String CLASSIFIER = "classifier";

  private TaskNetwork() {}

  /** Raw head outputs (logits) of {@code task} on normalised grey images [B, size, size, 1]. */
  public static Operand<TFloat32> build(Task task, Layers encoder, Layers head, Architecture arch, Operand<TFloat32> image,
      int size, int classes) {
    ResNet.Features f = ResNet.build(encoder, arch, image);
    switch (task) {
      case SEGMENTATION:
        return UNet.build(head, arch, f, size);
      case CLASSIFICATION:
        return head.linear(CLASSIFIER, f.pooled, arch.embeddingSize(), classes, true);
      case DETECTION:
        return YoloHead.build(head, arch, f, size, classes);
      default:
        throw new IllegalArgumentException("unknown task " + task);
    }
  }

  /**
   * What a model package outputs: segmentation probabilities [B, S, S, 1]; class probabilities
   * [B, C] (softmax for single-label, sigmoid for multi-label); decoded boxes [B, N, 5 + C]
   * ({@link YoloHead#decode}).
   */
  public static Operand<TFloat32> predictions(Ops tf, Task task, Operand<TFloat32> raw, int size, int classes, boolean multiLabel) {
    switch (task) {
      case SEGMENTATION:
        return tf.math.sigmoid(raw);
      case CLASSIFICATION:
        return multiLabel ? tf.math.sigmoid(raw) : tf.nn.softmax(raw);
      case DETECTION:
        return YoloHead.decode(tf, raw, new YoloLayout(size), classes);
      default:
        throw new IllegalArgumentException("unknown task " + task);
    }
  }

  /** True for the encoder's parameters (not the head's): the ones {@code freeze_encoder} keeps fixed. */
  public static boolean isEncoderParameter(String name) {
    return !name.startsWith(UNet.PREFIX) && !name.startsWith(UNet.HEAD + ".") && !name.startsWith(CLASSIFIER + ".")
        && !name.startsWith(YoloHead.PREFIX);
  }
}
