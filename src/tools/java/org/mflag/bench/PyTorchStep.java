package org.mflag.bench;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.Arrays;

/**
 * The comparison side of the training-step benchmark: the same network trained by DJL's own PyTorch
 * engine with its Trainer, in its own JVM (thread pools are per process). ResNet-50 in torchvision's
 * layout (stride on the 3x3 convolution, no biases before batch norm; DJL's {@code ResNetV1} differs
 * and crashes in oneDNN, PLATFORM.md) on one grey channel, then M-FLAG's image projector
 * (2048-2048-BN-ReLU-1024-BN), an L2 loss against fixed targets and AdamW: the M-FLAG step without
 * the text projector (0.3% of the FLOPs) and with a simpler loss.
 *
 * <p>Replies to {@link PyTorchComparison} through {@link ChildJvm#reply}. Arguments: batch, image
 * size, timed steps.</p>
 */
public final class PyTorchStep {

  private PyTorchStep() {}

  public static void main(String[] args) throws Exception {
    int batch = Integer.parseInt(args[0]), size = Integer.parseInt(args[1]), steps = Integer.parseInt(args[2]);
    Engine engine = Engine.getEngine("PyTorch");
    try (Model model = Model.newInstance("resnet50-mflag", engine.getEngineName())) {
      model.setBlock(network());
      DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.l2Loss())
          .optOptimizer(Optimizer.adamW().optLearningRateTracker(Tracker.fixed(1e-5f)).optWeightDecays(0.05f).build());
      try (Trainer trainer = model.newTrainer(cfg)) {
        trainer.initialize(new Shape(batch, 1, size, size));
        NDManager m = trainer.getManager();
        NDArray x = m.randomNormal(new Shape(batch, 1, size, size));
        NDArray y = m.randomNormal(new Shape(batch, 1024));
        long t0 = System.nanoTime();
        step(trainer, x, y);
        double first = (System.nanoTime() - t0) / 1e9;
        double[] times = new double[steps];
        for (int i = 0; i < steps; i++) {
          long s0 = System.nanoTime();
          step(trainer, x, y);
          times[i] = (System.nanoTime() - s0) / 1e9;
        }
        PyTorchComparison.Result r = new PyTorchComparison.Result();
        r.engine = engine.getEngineName();
        r.version = engine.getVersion();
        r.batch = batch;
        r.imageSize = size;
        r.steps = steps;
        for (var p : model.getBlock().getParameters().values()) r.parameters += p.getArray().size();
        r.firstStepSeconds = first;
        r.stepSeconds = TrainStepBenchmark.median(times);
        r.imagesPerSecond = batch / r.stepSeconds;
        ChildJvm.reply(r);
      }
    }
  }

  private static void step(Trainer trainer, NDArray x, NDArray y) {
    try (NDManager sub = trainer.getManager().newSubManager()) {
      NDArray loss;
      try (GradientCollector gc = trainer.newGradientCollector()) {
        NDList pred = trainer.forward(new NDList(x));
        loss = trainer.getLoss().evaluate(new NDList(y), pred);
        gc.backward(loss);
        loss.attach(sub);
        pred.attach(sub);
      }
      trainer.step();
      loss.getFloat(); // waits for the step
    }
  }

  static Block network() {
    SequentialBlock net = new SequentialBlock()
        .add(conv(64, 7, 2, 3)).add(BatchNorm.builder().build()).add(Activation::relu)
        .add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)));
    int[] blocks = {3, 4, 6, 3};
    for (int s = 0; s < 4; s++) {
      int width = 64 << s;
      for (int b = 0; b < blocks[s]; b++) net.add(bottleneck(width, b == 0 && s > 0 ? 2 : 1, b == 0));
    }
    return net.add(Pool.globalAvgPool2dBlock()).add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(2048).build()).add(BatchNorm.builder().build()).add(Activation::relu)
        .add(Linear.builder().setUnits(1024).optBias(false).build()).add(BatchNorm.builder().optCenter(false).optScale(false).build());
  }

  private static Block conv(int filters, int kernel, int stride, int pad) {
    return Conv2d.builder().setFilters(filters).setKernelShape(new Shape(kernel, kernel)).optStride(new Shape(stride, stride))
        .optPadding(new Shape(pad, pad)).optBias(false).build();
  }

  private static Block bottleneck(int width, int stride, boolean project) {
    SequentialBlock main = new SequentialBlock()
        .add(conv(width, 1, 1, 0)).add(BatchNorm.builder().build()).add(Activation::relu)
        .add(conv(width, 3, stride, 1)).add(BatchNorm.builder().build()).add(Activation::relu)
        .add(conv(width * 4, 1, 1, 0)).add(BatchNorm.builder().build());
    // a 1x1 convolution with stride 2 is every second pixel through a 1x1 convolution: the same numbers
    // and FLOPs, written so because PyTorch 2.7.1's oneDNN dies (SIGFPE in brgemm_convolution_bwd_strided)
    // computing the input gradient of a strided 1x1 convolution on this CPU
    SequentialBlock shortcut = new SequentialBlock();
    if (stride == 2) shortcut.add(x -> new NDList(x.singletonOrThrow().get(":, :, ::2, ::2")));
    if (project) shortcut.add(conv(width * 4, 1, 1, 0)).add(BatchNorm.builder().build());
    else shortcut.add(Blocks.identityBlock());
    return new SequentialBlock()
        .add(new ParallelBlock(l -> new NDList(l.get(0).singletonOrThrow().add(l.get(1).singletonOrThrow())),
            Arrays.asList(main, shortcut)))
        .add(Activation::relu);
  }
}
