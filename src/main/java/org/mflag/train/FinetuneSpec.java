package org.mflag.train;

import java.util.Arrays;
import org.mflag.config.Task;
import org.mflag.nn.Architecture;
import org.mflag.nn.Precision;
import org.mflag.runtime.Devices;

/**
 * What shapes a fine-tuning graph and its batches: task, encoder, input size, batch, classes, most boxes
 * per image, whether the encoder trains, class weights and weight decay. Immutable; from
 * {@link #builder}, whose {@code opt...} values default to a single class, one box, a trained encoder,
 * weights of 1 and no weight decay.
 */
final class FinetuneSpec {

  final Task task;
  final Architecture arch;
  final int size;
  final int batch;
  final int classes;
  final boolean multiLabel;
  final int maxBoxes;
  final boolean freezeEncoder;
  final float[] classWeights;
  final double weightDecay;
  /** Where the sessions compute; TensorFlow's default placement when null. */
  final Devices.Plan devices;
  final Precision precision;

  private FinetuneSpec(Builder b) {
    task = b.task;
    arch = b.arch;
    size = b.size;
    batch = b.batch;
    classes = b.classes;
    multiLabel = b.multiLabel;
    maxBoxes = b.maxBoxes;
    freezeEncoder = b.freezeEncoder;
    classWeights = b.classWeights != null ? b.classWeights.clone() : ones(b.classes);
    weightDecay = b.weightDecay;
    devices = b.devices;
    precision = b.precision;
  }

  /** The loss scaling of the step: {@link LossScale}'s defaults for {@link Precision#MIXED_FP16}, else none. */
  LossScale lossScale() {
    return precision.needsLossScaling() ? new LossScale() : null;
  }

  static Builder builder(Task task, Architecture arch, int size, int batch) {
    return new Builder(task, arch, size, batch);
  }

  private static float[] ones(int n) {
    float[] w = new float[n];
    Arrays.fill(w, 1f);
    return w;
  }

  static final class Builder {
    private final Task task;
    private final Architecture arch;
    private final int size;
    private final int batch;
    private int classes = 1;
    private boolean multiLabel;
    private int maxBoxes = 1;
    private boolean freezeEncoder;
    private float[] classWeights;
    private double weightDecay;
    private Devices.Plan devices;
    private Precision precision = Precision.FP32;

    private Builder(Task task, Architecture arch, int size, int batch) {
      this.task = task;
      this.arch = arch;
      this.size = size;
      this.batch = batch;
    }

    Builder optClasses(int n, boolean multi) {
      classes = n;
      multiLabel = multi;
      return this;
    }

    Builder optMaxBoxes(int n) {
      maxBoxes = n;
      return this;
    }

    Builder optFreezeEncoder(boolean v) {
      freezeEncoder = v;
      return this;
    }

    Builder optClassWeights(float[] w) {
      classWeights = w;
      return this;
    }

    Builder optWeightDecay(double v) {
      weightDecay = v;
      return this;
    }

    Builder optDevices(Devices.Plan v) {
      devices = v;
      return this;
    }

    Builder optPrecision(Precision v) {
      precision = v;
      return this;
    }

    FinetuneSpec build() {
      if (classWeights != null && classWeights.length != classes) {
        throw new IllegalArgumentException(classWeights.length + " class weights for " + classes + " classes");
      }
      return new FinetuneSpec(this);
    }
  }
}
