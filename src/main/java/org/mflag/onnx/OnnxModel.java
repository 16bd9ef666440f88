package org.mflag.onnx;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.mflag.onnx.proto.OnnxProto.ModelProto;
import org.mflag.onnx.proto.OnnxProto.NodeProto;
import org.mflag.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.mflag.onnx.proto.OnnxProto.TensorProto;
import org.mflag.onnx.proto.OnnxProto.TensorShapeProto;
import org.mflag.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * The checks an ONNX file of a model package passes before any runtime sees it: it parses as an ONNX model of the
 * default domain at an opset this program writes, every node is one of the ops {@link OnnxExport} writes
 * ({@link #OPS}), its weights are inside the file (no external data, which could name a file outside the package),
 * and its inputs and outputs are the ones the package's {@code rdf.yaml} describes, by name, type and shape.
 */
public final class OnnxModel {

  /** Every ONNX op {@link OnnxExport} writes; a package's ONNX file may hold no other. */
  public static final Set<String> OPS = new TreeSet<>(Arrays.asList("Add", "Concat", "Conv", "Div", "Exp", "Identity", "LeakyRelu", "Max",
      "MatMul", "MaxPool", "Mul", "Pad", "Reciprocal", "ReduceMean", "Relu", "Reshape", "Resize", "Sigmoid", "Slice", "Softmax", "Sqrt",
      "Sub", "Tile", "Transpose"));
  /** Larger than any network here in fp32 (ResNet-50 with a U-Net: about 130 MB), below protobuf's 2 GiB. */
  static final long MAX_BYTES = 1L << 30;

  private OnnxModel() {}

  /**
   * Reads {@code file} and checks it against the inputs and outputs it must have ({@code -1}: any size, the batch).
   *
   * @throws OnnxException naming the file and the reason
   */
  public static ModelProto verify(Path file, List<OnnxExport.Port> inputs, List<OnnxExport.Port> outputs) {
    ModelProto m = read(file);
    check(m, file, inputs, outputs);
    return m;
  }

  static ModelProto read(Path file) {
    try {
      long size = Files.size(file);
      if (size > MAX_BYTES) throw new OnnxException(file + ": " + size + " bytes, larger than an ONNX model of this program can be");
      try (InputStream in = Files.newInputStream(file)) {
        CodedInputStream c = CodedInputStream.newInstance(in);
        c.setSizeLimit((int) Math.min(Integer.MAX_VALUE, MAX_BYTES));
        return ModelProto.parseFrom(c);
      }
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new OnnxException(file + ": not an ONNX model (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new OnnxException(file + ": cannot be read (" + e.getMessage() + ")", e);
    }
  }

  static void check(ModelProto m, Path file, List<OnnxExport.Port> inputs, List<OnnxExport.Port> outputs) {
    if (!m.hasGraph()) throw new OnnxException(file + ": not an ONNX model (no graph)");
    long opset = -1;
    for (OperatorSetIdProto o : m.getOpsetImportList()) {
      if (!o.getDomain().isEmpty() && !o.getDomain().equals("ai.onnx")) {
        throw new OnnxException(file + ": imports the operator domain '" + o.getDomain() + "', which this program does not write");
      }
      opset = o.getVersion();
    }
    if (opset != OnnxExport.OPSET) throw new OnnxException(file + ": opset " + opset + ", this program writes and runs opset " + OnnxExport.OPSET);
    Set<String> unknown = new TreeSet<>();
    for (NodeProto n : m.getGraph().getNodeList()) {
      if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) unknown.add(n.getDomain() + "." + n.getOpType());
      else if (!OPS.contains(n.getOpType())) unknown.add(n.getOpType());
    }
    if (!unknown.isEmpty()) throw new OnnxException(file + ": holds the op(s) " + unknown + ", which this program does not write (it writes "
        + String.join(", ", OPS) + ")");
    for (TensorProto t : m.getGraph().getInitializerList()) {
      if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0) {
        throw new OnnxException(file + ": initializer " + t.getName() + " keeps its data in another file; this program writes weights inside the model");
      }
    }
    Set<String> initializers = new TreeSet<>();
    for (TensorProto t : m.getGraph().getInitializerList()) initializers.add(t.getName());
    List<ValueInfoProto> graphInputs = new ArrayList<>();
    for (ValueInfoProto v : m.getGraph().getInputList()) if (!initializers.contains(v.getName())) graphInputs.add(v);
    ports(file, "inputs", graphInputs, inputs);
    ports(file, "outputs", m.getGraph().getOutputList(), outputs);
  }

  private static void ports(Path file, String what, List<ValueInfoProto> have, List<OnnxExport.Port> want) {
    List<String> haveNames = new ArrayList<>(), wantNames = new ArrayList<>();
    for (ValueInfoProto v : have) haveNames.add(v.getName());
    for (OnnxExport.Port p : want) wantNames.add(p.name);
    if (!new TreeSet<>(haveNames).equals(new TreeSet<>(wantNames)) || haveNames.size() != wantNames.size()) {
      throw new OnnxException(file + ": its " + what + " are " + haveNames + ", rdf.yaml describes " + wantNames);
    }
    for (OnnxExport.Port p : want) {
      ValueInfoProto v = have.get(haveNames.indexOf(p.name));
      if (v.getType().getTensorType().getElemType() != TensorProto.DataType.FLOAT_VALUE) {
        throw new OnnxException(file + ": " + what + " " + p.name + " is not float32, as rdf.yaml describes");
      }
      List<TensorShapeProto.Dimension> dims = v.getType().getTensorType().getShape().getDimList();
      if (dims.size() != p.shape.length) {
        throw new OnnxException(file + ": " + what + " " + p.name + " has " + dims.size() + " axes, rdf.yaml describes " + p.shape.length);
      }
      for (int i = 0; i < dims.size(); i++) {
        TensorShapeProto.Dimension d = dims.get(i);
        boolean fixed = d.getValueCase() == TensorShapeProto.Dimension.ValueCase.DIM_VALUE;
        if (p.shape[i] >= 0 ? !fixed || d.getDimValue() != p.shape[i] : fixed) {
          throw new OnnxException(file + ": " + what + " " + p.name + " axis " + i + " is " + (fixed ? String.valueOf(d.getDimValue()) : d.getDimParam())
              + ", rdf.yaml describes " + (p.shape[i] < 0 ? "any size" : String.valueOf(p.shape[i])));
        }
      }
    }
  }
}
