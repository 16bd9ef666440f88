package org.mflag.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A YOLOv3-style detection head on the encoder's stages 2, 3 and 4 (strides 8, 16, 32; MFLAG.md). As
 * in YOLOv3 the deepest map is processed first and fed top-down: each scale has a conv set
 * (1x1, 3x3, 1x1 with batch norm and LeakyReLU 0.1), an output branch (3x3 then a 1x1 convolution
 * with bias giving 3 anchors x (4 box + 1 objectness + C classes) per cell), and a 1x1 lateral
 * convolution upsampled x2 and concatenated with the next shallower stage.
 *
 * <p>Deviation from YOLOv3 (Darknet-53 neck): the conv sets have 3 convolutions instead of 5, and
 * the widths scale with the encoder (stage-4 channels / 4: 512 for ResNet-50 as in YOLOv3, 128 for
 * ResNet-18), to keep the head small next to the frozen encoder on a CPU; and the objectness bias
 * starts at a 1% prior ({@link #objectnessPrior}).</p>
 *
 * <p>The raw output is [B, N, 5 + C] in {@link YoloLayout} order: (tx, ty, tw, th, objectness, class
 * logits). Parameter names start with {@code yolo.}.</p>
 */
public final class YoloHead {

  public static final String PREFIX = "yolo.";
  static final float LEAK = 0.1f;

  private YoloHead() {}

  public static Operand<TFloat32> build(Layers l, Architecture arch, ResNet.Features f, int size, int classes) {
    YoloLayout layout = new YoloLayout(size);
    Ops tf = l.tf();
    long per = 5L + classes;
    long width = arch.stageChannels(4) / 4;
    Operand<TFloat32>[] outs = newArray(3);
    Operand<TFloat32> lateral = null;
    long lateralC = 0;
    for (int s = 2; s >= 0; s--) {
      int stage = s + 1; // stages[1..3] are layer2..layer4
      long g = layout.grid(s);
      long c = width >> (2 - s); // 512/256/128 for ResNet-50
      Operand<TFloat32> x = f.stages[stage];
      long inC = arch.stageChannels(stage + 1);
      if (lateral != null) {
        x = tf.concat(Arrays.asList(l.upsample2x(lateral, g / 2, g / 2, lateralC), x), tf.constant(3));
        inC += lateralC;
      }
      String n = PREFIX + "scale" + s + ".";
      x = l.convBnAct(n + "set0", x, inC, c, 1, LEAK);
      x = l.convBnAct(n + "set1", x, c, 2 * c, 3, LEAK);
      x = l.convBnAct(n + "set2", x, 2 * c, c, 1, LEAK);
      Operand<TFloat32> o = l.convBnAct(n + "out0", x, c, 2 * c, 3, LEAK);
      o = l.convWithBias(n + "out1", o, 2 * c, YoloLayout.ANCHORS_PER_SCALE * per, 1, objectnessPrior(2 * c, per));
      outs[s] = tf.reshape(o, tf.constant(new long[] {-1, g * g * YoloLayout.ANCHORS_PER_SCALE, per}));
      if (s > 0) {
        lateralC = c / 2;
        lateral = l.convBnAct(n + "lateral", x, c, lateralC, 1, LEAK);
      }
    }
    List<Operand<TFloat32>> ordered = new ArrayList<>(Arrays.asList(outs));
    return tf.concat(ordered, tf.constant(1));
  }

  /** The prior probability of an object at a prediction, for the objectness bias (see the class comment). */
  public static final double OBJECTNESS_PRIOR = 0.01;

  /**
   * Output bias: PyTorch's default for box and class channels, {@code log(p / (1 - p))} with
   * p = {@link #OBJECTNESS_PRIOR} for objectness, so that training does not start with thousands of
   * confident false positives (RetinaNet's prior; YOLOv5 does the same). Without it, YOLOv3's summed
   * objectness loss of the few-thousand negatives swamps the first epochs of a short run.
   */
  static Initializer objectnessPrior(long fanIn, long per) {
    Initializer uniform = Initializer.uniformFanIn(fanIn);
    float prior = (float) Math.log(OBJECTNESS_PRIOR / (1 - OBJECTNESS_PRIOR));
    return (shape, random) -> {
      float[] v = uniform.values(shape, random);
      for (int i = 4; i < v.length; i += (int) per) v[i] = prior;
      return v;
    };
  }

  /**
   * Decodes raw outputs to [B, N, 5 + C]: box centre x, y and width, height in input pixels,
   * objectness probability and class probabilities: {@code x = (sigmoid(tx) + cell) * stride},
   * {@code w = anchor * exp(tw)}.
   */
  public static Operand<TFloat32> decode(Ops tf, Operand<TFloat32> raw, YoloLayout layout, int classes) {
    int n = layout.count;
    Operand<TFloat32> cell = tf.constant(interleave(layout.cellX, layout.cellY, n));
    Operand<TFloat32> stride = tf.constant(interleave(layout.stride, layout.stride, n));
    Operand<TFloat32> anchor = tf.constant(interleave(layout.anchorW, layout.anchorH, n));
    Operand<TFloat32> xy = slice(tf, raw, 0, 2);
    Operand<TFloat32> wh = slice(tf, raw, 2, 2);
    Operand<TFloat32> rest = slice(tf, raw, 4, 1 + classes);
    Operand<TFloat32> centre = tf.math.mul(tf.math.add(tf.math.sigmoid(xy), cell), stride);
    Operand<TFloat32> size = tf.math.mul(tf.math.exp(wh), anchor);
    return tf.concat(Arrays.asList(centre, size, tf.math.sigmoid(rest)), tf.constant(2));
  }

  /** Columns {@code from .. from+count} of the last axis of [B, N, K]. */
  public static Operand<TFloat32> slice(Ops tf, Operand<TFloat32> x, int from, int count) {
    return tf.slice(x, tf.constant(new int[] {0, 0, from}), tf.constant(new int[] {-1, -1, count}));
  }

  private static float[][] interleave(float[] a, float[] b, int n) {
    float[][] out = new float[n][2];
    for (int i = 0; i < n; i++) {
      out[i][0] = a[i];
      out[i][1] = b[i];
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32>[] newArray(int n) {
    return new Operand[n];
  }
}
