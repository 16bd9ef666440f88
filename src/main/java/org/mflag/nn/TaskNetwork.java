package org.mflag.nn;

import java.util.ArrayList;
import java.util.List;
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
    return head(task, head, arch, ResNet.build(encoder, arch, image), size, classes);
  }

  /** Raw head outputs of {@code task} on encoder features (from the encoder, or fed from a cache: {@link #headInputs}). */
  public static Operand<TFloat32> head(Task task, Layers head, Architecture arch, ResNet.Features f, int size, int classes) {
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

  /** One encoder output a task head reads: its name and its shape for one image. */
  public static final class HeadInput {
    /** stem, stage1 .. stage4 (layer1 .. layer4), or pooled. */
    public final String name;
    public final long[] shape;

    HeadInput(String name, long... shape) {
      this.name = name;
      this.shape = shape;
    }

    /** Values per image. */
    public int size() {
      long n = 1;
      for (long d : shape) n *= d;
      return Math.toIntExact(n);
    }

    /** This endpoint of {@code f}. */
    public Operand<TFloat32> of(ResNet.Features f) {
      return name.equals("pooled") ? f.pooled : name.equals("stem") ? f.stem : f.stages[name.charAt(5) - '1'];
    }
  }

  /**
   * The encoder outputs that {@link #head} reads for {@code task}, in a fixed order: what a frozen encoder's
   * feature cache keeps per image, so that the head can train without running the encoder again.
   */
  public static List<HeadInput> headInputs(Task task, Architecture arch, int size) {
    List<HeadInput> out = new ArrayList<>();
    switch (task) {
      case CLASSIFICATION:
        out.add(new HeadInput("pooled", arch.embeddingSize()));
        break;
      case SEGMENTATION:
        out.add(new HeadInput("stem", size / 2, size / 2, 64));
        for (int s = 1; s <= 4; s++) out.add(new HeadInput("stage" + s, size >> (s + 1), size >> (s + 1), arch.stageChannels(s)));
        break;
      case DETECTION:
        for (int s = 2; s <= 4; s++) out.add(new HeadInput("stage" + s, size >> (s + 1), size >> (s + 1), arch.stageChannels(s)));
        break;
      default:
        throw new IllegalArgumentException("unknown task " + task);
    }
    return out;
  }

  /** Features holding {@code values} at the endpoints {@code inputs} names (the others null): a head's input from a cache. */
  @SuppressWarnings("unchecked")
  public static ResNet.Features features(List<HeadInput> inputs, List<Operand<TFloat32>> values) {
    Operand<TFloat32> stem = null, pooled = null;
    Operand<TFloat32>[] stages = new Operand[4];
    for (int i = 0; i < inputs.size(); i++) {
      String n = inputs.get(i).name;
      if (n.equals("pooled")) pooled = values.get(i);
      else if (n.equals("stem")) stem = values.get(i);
      else stages[n.charAt(5) - '1'] = values.get(i);
    }
    return new ResNet.Features(stem, stages, pooled);
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
