package org.mflag.onnx;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.mflag.TestData;
import org.mflag.config.Task;
import org.mflag.data.Preprocessing;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.model.EncoderGraph;
import org.mflag.model.ModelPackage;
import org.mflag.model.TaskGraph;
import org.mflag.model.TaskPackage;
import org.mflag.nn.Architecture;
import org.mflag.nn.Parameters;

/**
 * Packages of every kind written in seconds, without training: a ResNet-18 at 64 px with the seeded initial weights
 * (batch-norm statistics moved off their 0/1 start, so that folding them is tested), exported as the fine-tuning and
 * pre-training runs export theirs.
 */
final class OnnxPackages {

  static final int SIZE = 64;

  private OnnxPackages() {}

  /** A real X-ray of samples/, whole image stretched to 0..255 and resized to {@code size}. */
  static float[] xray(int size) throws Exception {
    Path f;
    try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(TestData.manifest().getParent().resolve("images"))) {
      f = files.sorted().findFirst().orElseThrow();
    }
    return Preprocessing.grey(Preprocessing.whole(new ImageFileDecoder().read(f), size));
  }

  /** Seeded weights with batch-norm statistics that are not the identity. */
  static Map<String, float[]> weights(Parameters params, long seed) {
    Map<String, float[]> w = params.initialValues(seed);
    java.util.Random r = new java.util.Random(seed);
    for (Map.Entry<String, float[]> e : w.entrySet()) {
      float[] v = e.getValue();
      if (e.getKey().endsWith("running_mean")) for (int i = 0; i < v.length; i++) v[i] = (float) (0.1 * r.nextGaussian());
      if (e.getKey().endsWith("running_var")) for (int i = 0; i < v.length; i++) v[i] = (float) (0.5 + r.nextDouble());
    }
    return w;
  }

  /** A fine-tuned package of {@code task} in {@code dir}: 3 classes for classification and detection. */
  static Path task(Path dir, Task task, boolean multiLabel) throws Exception {
    int classes = task == Task.SEGMENTATION ? 1 : 3;
    try (TaskGraph g = new TaskGraph(task, Architecture.RESNET18, SIZE, classes, multiLabel)) {
      g.load(weights(g.parameters(), 7), "seeded weights");
      TaskPackage.Facts f = TaskPackage.Facts.of(task, Architecture.RESNET18, SIZE).setDecision(0.5, 0.25, 0.45)
          .optRun(c -> c.optEncoderModel("imagenet", false).optFraction(1.0))
          .setClasses(task == Task.SEGMENTATION ? List.of("lung") : List.of("a", "b", "c"), multiLabel);
      TaskPackage.export(dir, f, g, xray(SIZE), "2.16.1");
    }
    return dir;
  }

  /** A pre-trained encoder package in {@code dir} (text dimension 32). */
  static Path encoder(Path dir) throws Exception {
    org.mflag.nn.Layers l;
    Map<String, float[]> w;
    try (org.tensorflow.Graph graph = new org.tensorflow.Graph()) {
      org.mflag.runtime.TensorFlowRuntime.ensureLoaded();
      Parameters p = new Parameters(org.tensorflow.op.Ops.create(graph));
      l = new org.mflag.nn.Layers(p, org.mflag.nn.Mode.INFER);
      org.tensorflow.op.Ops tf = p.tf();
      org.mflag.nn.MFlagNetwork.image(l, Architecture.RESNET18, tf.placeholder(org.tensorflow.types.TFloat32.class,
          org.tensorflow.op.core.Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, SIZE, SIZE, 1))));
      org.mflag.nn.MFlagNetwork.text(l, tf.placeholder(org.tensorflow.types.TFloat32.class,
          org.tensorflow.op.core.Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, 32))), 32);
      w = weights(p, 11);
    }
    ModelPackage.Description d = ModelPackage.Description.builder().setName("M-FLAG resnet18 encoder (test)").setDescription("seeded weights")
        .setConfig(org.mflag.model.MflagConfig.builder(ModelPackage.PRETRAIN, Architecture.RESNET18, SIZE).build()).build();
    float[] x = xray(SIZE);
    ModelPackage.export(dir, d, Preprocessing.storedSize(SIZE), 32, w, x, "2.16.1");
    return dir;
  }

  static String outputOf(Task task) {
    return TaskGraph.outputName(task);
  }

  static final String IMAGE = EncoderGraph.INPUT_IMAGE;
}
