package org.mflag.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mflag.config.Task;
import org.mflag.nn.Architecture;
import org.mflag.nn.Layers;
import org.mflag.nn.Mode;
import org.mflag.nn.Parameters;
import org.mflag.nn.TaskNetwork;
import org.mflag.nn.Tensors;
import org.mflag.runtime.Devices;
import org.mflag.runtime.TensorFlowRuntime;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * A fine-tuned network for inference: encoder and head with batch norm on its moving statistics,
 * ending in what the model package outputs ({@link TaskNetwork#predictions}). Used for validation
 * during training (weights copied in each epoch), for export, and for in-process prediction.
 */
public final class TaskGraph implements AutoCloseable {

  private final Graph graph;
  private final Session session;
  private final Parameters params;
  private final Placeholder<TFloat32> image;
  private final Operand<TFloat32> output;
  private final Task task;
  private final int size;

  /** What the inference graph is: task, encoder, input size, classes (and whether multi-label), and where it computes. */
  public static final class Spec {
    final Task task;
    final Architecture arch;
    final int size;
    int classes = 1;
    boolean multiLabel;
    Devices.Plan devices;

    private Spec(Task task, Architecture arch, int size) {
      this.task = task;
      this.arch = arch;
      this.size = size;
    }

    public static Spec of(Task task, Architecture arch, int size) {
      return new Spec(task, arch, size);
    }

    public Spec optClasses(int n, boolean multi) {
      classes = n;
      multiLabel = multi;
      return this;
    }

    /** Where the session computes; TensorFlow's default placement when not given. */
    public Spec optDevices(Devices.Plan v) {
      devices = v;
      return this;
    }
  }

  public TaskGraph(Task task, Architecture arch, int size, int classes, boolean multiLabel) {
    this(Spec.of(task, arch, size).optClasses(classes, multiLabel));
  }

  public TaskGraph(Spec spec) {
    TensorFlowRuntime.ensureLoaded();
    Task task = spec.task;
    Architecture arch = spec.arch;
    int size = spec.size;
    int classes = spec.classes;
    boolean multiLabel = spec.multiLabel;
    this.task = task;
    this.size = size;
    graph = new Graph();
    Ops tf = Ops.create(graph);
    params = new Parameters(tf);
    Layers l = new Layers(params, Mode.INFER);
    image = tf.withName(EncoderGraph.INPUT_IMAGE).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, size, size, 1)));
    Operand<TFloat32> raw = TaskNetwork.build(task, l, l, arch, image, size, classes);
    output = tf.withName(outputName(task)).identity(TaskNetwork.predictions(tf, task, raw, size, classes, multiLabel));
    params.seal();
    session = spec.devices == null ? new Session(graph) : spec.devices.open(graph);
  }

  /** The package output of a task: {@code probability}, {@code class_probability} or {@code detections}. */
  public static String outputName(Task task) {
    switch (task) {
      case SEGMENTATION:
        return "probability";
      case CLASSIFICATION:
        return "class_probability";
      default:
        return "detections";
    }
  }

  /** The package output, for counting the arithmetic behind it. */
  public Operand<TFloat32> output() {
    return output;
  }

  public Parameters parameters() {
    return params;
  }

  public Session session() {
    return session;
  }

  /** Loads weights; every variable of this graph must be in {@code weights} (extra entries are ignored). */
  public void load(Map<String, float[]> weights, String source) {
    Map<String, float[]> mine = new LinkedHashMap<>();
    for (Parameters.Entry e : params.all()) {
      float[] v = weights.get(e.name);
      if (v == null) throw new IllegalArgumentException(source + " lacks parameter " + e.name);
      mine.put(e.name, v);
    }
    params.assign(session, mine, source);
  }

  public Signature signature() {
    return Signature.builder().key(Signature.DEFAULT_KEY).input(EncoderGraph.INPUT_IMAGE, image).output(outputName(task), output).build();
  }

  public List<Signature> signatures() {
    return List.of(signature());
  }

  /** Predictions for n normalised images [n, size, size, 1], flattened. */
  public float[] predict(float[] images, int n) {
    try (Tensor x = Tensors.floats(images, n, size, size, 1);
        Result r = session.runner().feed(image, x).fetch(output).run()) {
      return Tensors.toArray(r.get(0));
    }
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
