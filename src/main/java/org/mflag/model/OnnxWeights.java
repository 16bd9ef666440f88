package org.mflag.model;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mflag.io.Archives;
import org.mflag.onnx.OnnxExport;
import org.mflag.onnx.OnnxModel;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/**
 * A package's ONNX weights: {@value #FILE}, the {@code serving_default} signature of its SavedModel (image in, the
 * package's outputs out), and for an encoder {@value #TEXT_FILE}, its {@code text} signature (report embeddings in,
 * their projection out), written by {@link OnnxExport} from the SavedModel's graph and variables. The inputs and
 * outputs are named and shaped as {@code rdf.yaml} describes them ({@link #ports}), which is what a reader checks.
 */
public final class OnnxWeights {

  public static final String FILE = "weights.onnx";
  public static final String TEXT_FILE = "text_projector.onnx";
  /** Larger than any SavedModel graph of this program (a few hundred KiB without its variables). */
  private static final long MAX_GRAPH_BYTES = 64L << 20;

  private OnnxWeights() {}

  /** The graph and signatures of the SavedModel in {@code savedModelDir} ({@code saved_model.pb}, tag {@code serve}). */
  static MetaGraphDef metaGraph(Path savedModelDir) throws IOException {
    Path pb = savedModelDir.resolve("saved_model.pb");
    if (Files.size(pb) > MAX_GRAPH_BYTES) throw new IOException(pb + ": larger than a SavedModel graph of this program");
    try (InputStream in = Files.newInputStream(pb)) {
      SavedModel saved;
      try {
        saved = SavedModel.parseFrom(in);
      } catch (InvalidProtocolBufferException e) {
        throw new IOException(pb + ": not a SavedModel (" + e.getMessage() + ")", e);
      }
      for (MetaGraphDef m : saved.getMetaGraphsList()) if (m.getMetaInfoDef().getTagsList().contains("serve")) return m;
      throw new IOException(pb + ": no graph tagged serve");
    }
  }

  /** The names of the graph's variables, whose values the ONNX initializers take. */
  static List<String> variableNames(GraphDef g) {
    List<String> out = new ArrayList<>();
    for (NodeDef n : g.getNodeList()) if (n.getOp().equals("VariableV2")) out.add(n.getName());
    return out;
  }

  /** What a tensor described by {@code axes} is as an ONNX input or output named {@code id}: fixed sizes, -1 for the batch. */
  static OnnxExport.Port port(String id, String tensor, List<Rdf.Axis> axes) {
    long[] shape = new long[axes.size()];
    for (int i = 0; i < shape.length; i++) {
      Long s = axes.get(i).expectedSize();
      shape[i] = s == null ? -1 : s;
    }
    return new OnnxExport.Port(id, tensor, shape);
  }

  /** The ports of {@value #FILE}: the package's described inputs and outputs. */
  static List<List<OnnxExport.Port>> ports(Rdf rdf) {
    List<OnnxExport.Port> in = new ArrayList<>(), out = new ArrayList<>();
    for (Rdf.Tensor t : rdf.inputs()) in.add(port(t.id(), t.id(), t.axes()));
    for (Rdf.Tensor t : rdf.outputs()) out.add(port(t.id(), t.id(), t.axes()));
    return List.of(in, out);
  }

  /** The ports of {@value #TEXT_FILE}: embeddings of {@code textDimension} in, projections of {@code projection} out. */
  static List<List<OnnxExport.Port>> textPorts(MflagConfig c) {
    MflagConfig.TextSignature s = c.textSignature();
    int text = c.textDimension() != null ? c.textDimension() : (int) RdfYaml.TEXT_DIMENSION.defaultNumber();
    int projection = c.projectionSize() != null ? c.projectionSize() : (int) RdfYaml.PROJECTION_SIZE.defaultNumber();
    return List.of(List.of(new OnnxExport.Port(s.input(), s.input(), -1, text)), List.of(new OnnxExport.Port(s.output(), s.output(), -1, projection)));
  }

  /**
   * Writes signature {@code key} of the SavedModel {@code meta} as the ONNX model {@code file}, its ports named and
   * shaped as {@code ports} ({@link #ports}; their tensors are looked up in the signature), then checks what was
   * written as a reader will ({@link OnnxModel#verify}).
   */
  static void write(MetaGraphDef meta, Map<String, float[]> variables, String key, List<List<OnnxExport.Port>> ports, String description,
      Path file) throws IOException {
    SignatureDef sig = meta.getSignatureDefMap().get(key);
    if (sig == null) throw new IOException("the SavedModel has no signature " + key + " (it has " + meta.getSignatureDefMap().keySet() + ")");
    List<OnnxExport.Port> in = tensors(sig.getInputsMap(), ports.get(0), key), out = tensors(sig.getOutputsMap(), ports.get(1), key);
    byte[] bytes = OnnxExport.export(meta.getGraphDef(), variables, in, out, description).toByteArray();
    Archives.writeAtomically(file, bytes);
    OnnxModel.verify(file, ports.get(0), ports.get(1));
  }

  private static List<OnnxExport.Port> tensors(Map<String, TensorInfo> signature, List<OnnxExport.Port> ports, String key) throws IOException {
    List<OnnxExport.Port> out = new ArrayList<>();
    for (OnnxExport.Port p : ports) {
      TensorInfo t = signature.get(p.name());
      if (t == null) throw new IOException("signature " + key + " has no tensor " + p.name() + " (it has " + signature.keySet() + ")");
      out.add(new OnnxExport.Port(p.name(), t.getName(), p.shape()));
    }
    return out;
  }

  /** The values of {@code names} read from a session holding them. */
  static Map<String, float[]> read(org.tensorflow.Session session, List<String> names) {
    Map<String, float[]> out = new LinkedHashMap<>();
    if (names.isEmpty()) return out;
    org.tensorflow.Session.Runner r = session.runner();
    for (String n : names) r.fetch(n);
    try (org.tensorflow.Result res = r.run()) {
      for (int i = 0; i < names.size(); i++) out.put(names.get(i), org.mflag.nn.Tensors.toArray(res.get(i)));
    }
    return out;
  }
}
