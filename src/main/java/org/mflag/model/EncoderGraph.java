package org.mflag.model;

import java.util.LinkedHashMap;
import java.util.Map;
import org.mflag.nn.Architecture;
import org.mflag.nn.Layers;
import org.mflag.nn.MFlagNetwork;
import org.mflag.nn.Mode;
import org.mflag.nn.Parameters;
import org.mflag.nn.Tensors;
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
 * The pre-trained model for inference: encoder and image projector on images, text projector on
 * language-model embeddings, batch norm with its moving statistics, no optimiser. This graph is
 * what the model package's SavedModel holds (signature {@code serving_default} for images,
 * {@code text} for reports), so that zero-shot classification and retrieval can use both sides.
 */
public final class EncoderGraph implements AutoCloseable {

  public static final String INPUT_IMAGE = "image";
  public static final String INPUT_TEXT = "text_embedding";
  public static final String OUTPUT_EMBEDDING = "embedding";
  public static final String OUTPUT_PROJECTION = "projection";
  public static final String TEXT_SIGNATURE = "text";

  private final Graph graph;
  private final Session session;
  private final Parameters params;
  private final Placeholder<TFloat32> image;
  private final Placeholder<TFloat32> text;
  private final Operand<TFloat32> embedding;
  private final Operand<TFloat32> projection;
  private final Operand<TFloat32> textProjection;
  private final int size;
  private final int textDim;

  /** Builds the graph and loads {@code weights} (every trainable and buffer variable must be there). */
  public EncoderGraph(Architecture arch, int size, int textDim, Map<String, float[]> weights) {
    TensorFlowRuntime.ensureLoaded();
    this.size = size;
    this.textDim = textDim;
    graph = new Graph();
    Ops tf = Ops.create(graph);
    params = new Parameters(tf);
    Layers l = new Layers(params, Mode.INFER);
    image = tf.withName(INPUT_IMAGE).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, size, size, 1)));
    MFlagNetwork.ImageOutputs out = MFlagNetwork.image(l, arch, image);
    embedding = tf.withName(OUTPUT_EMBEDDING).identity(out.embedding);
    projection = tf.withName(OUTPUT_PROJECTION).identity(out.projection);
    text = tf.withName(INPUT_TEXT).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, textDim)));
    textProjection = tf.withName("text_projection").identity(MFlagNetwork.text(l, text, textDim));
    params.seal();
    session = new Session(graph);
    Map<String, float[]> mine = new LinkedHashMap<>();
    for (Parameters.Entry e : params.all()) {
      float[] v = weights.get(e.name);
      if (v == null) throw new IllegalArgumentException("weights lack parameter " + e.name);
      mine.put(e.name, v);
    }
    params.assign(session, mine, "weights");
  }

  public Session session() {
    return session;
  }

  public Signature imageSignature() {
    return Signature.builder().key(Signature.DEFAULT_KEY).input(INPUT_IMAGE, image)
        .output(OUTPUT_EMBEDDING, embedding).output(OUTPUT_PROJECTION, projection).build();
  }

  public Signature textSignature() {
    return Signature.builder().key(TEXT_SIGNATURE).input(INPUT_TEXT, text).output(OUTPUT_PROJECTION, textProjection).build();
  }

  /** {embedding [n, D], projection [n, 1024]} of n normalised images [n, size, size, 1]. */
  public float[][] images(float[] batch, int n) {
    try (Tensor x = Tensors.floats(batch, n, size, size, 1);
        Result r = session.runner().feed(image, x).fetch(embedding).fetch(projection).run()) {
      return new float[][] {Tensors.toArray(r.get(0)), Tensors.toArray(r.get(1))};
    }
  }

  /** Projected text [n, 1024] of n language-model embeddings. */
  public float[] texts(float[] batch, int n) {
    try (Tensor x = Tensors.floats(batch, n, textDim);
        Result r = session.runner().feed(text, x).fetch(textProjection).run()) {
      return Tensors.toArray(r.get(0));
    }
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
