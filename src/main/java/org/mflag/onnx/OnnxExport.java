package org.mflag.onnx;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mflag.onnx.proto.OnnxProto.AttributeProto;
import org.mflag.onnx.proto.OnnxProto.GraphProto;
import org.mflag.onnx.proto.OnnxProto.ModelProto;
import org.mflag.onnx.proto.OnnxProto.NodeProto;
import org.mflag.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.mflag.onnx.proto.OnnxProto.TensorProto;
import org.mflag.onnx.proto.OnnxProto.TensorShapeProto;
import org.mflag.onnx.proto.OnnxProto.TypeProto;
import org.mflag.onnx.proto.OnnxProto.ValueInfoProto;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * Writes a model package's network as an ONNX model (fp32, dynamic batch, opset {@value #OPSET}): the inference graph
 * that {@code model/EncoderGraph} and {@code model/TaskGraph} build from the network definitions of {@code nn/}
 * (ResNet, U-Net decoder, YOLO head, projectors, the grey-to-three-channel stem), walked back from the package's
 * outputs, with the weights of its variables. Each TensorFlow op those definitions write has its translation here
 * (the {@code case}s of {@link #translate}); any other op stops the export with its name, so a network a future
 * layer changes cannot be written wrongly.
 *
 * <p>The layers are known, so the graph is written as an ONNX runtime runs fastest, without an optimiser pass: feature
 * maps are NCHW inside (TensorFlow's are NHWC; the image input and the outputs keep the package's NHWC axes, one
 * Transpose each), batch norm is folded into the convolution before it, a bias add into its convolution, a symmetric
 * zero pad into the convolution's {@code pads} (and into the max pool's after a ReLU, where zero and -inf padding
 * agree), and the nearest-neighbour 2x upsampling that {@code nn/Layers.upsample2x} spells with concat and reshape is
 * one {@code Resize}. The ops written are {@link OnnxModel#OPS}.</p>
 */
public final class OnnxExport {

  /** The ONNX opset written: ONNX Runtime 1.14 and later, deepImageJ's and bioimage.io's runtimes, run it. */
  public static final int OPSET = 17;
  /** The IR version of opset 17 (ONNX 1.12). */
  public static final long IR_VERSION = 8;
  static final String BATCH = "batch";

  /** One graph input or output: its ONNX name, the TensorFlow tensor it is ({@code node:0}) and its shape (-1: any). */
  public static final class Port {
    final String name;
    final String tensor;
    final long[] shape;

    public Port(String name, String tensor, long... shape) {
      this.name = name;
      this.tensor = tensor;
      this.shape = shape.clone();
    }

    public String name() {
      return name;
    }

    public long[] shape() {
      return shape.clone();
    }
  }

  /** A tensor of the ONNX graph being written: its name (null for a constant not yet written), rank, layout. */
  private static final class Value {
    String name;
    final int rank;
    /** A rank-4 feature map in NCHW (else the axes are TensorFlow's). */
    final boolean nchw;
    /** A constant's values ({@code Const} or a variable), in TensorFlow's layout; null for computed values. */
    final Constant constant;

    Value(String name, int rank, boolean nchw) {
      this.name = name;
      this.rank = rank;
      this.nchw = nchw;
      this.constant = null;
    }

    Value(Constant c) {
      this.rank = c.shape.length;
      this.nchw = false;
      this.constant = c;
    }
  }

  /** A constant tensor: float or integer values with their shape. */
  private static final class Constant {
    final long[] shape;
    final float[] floats;
    final long[] longs;

    Constant(long[] shape, float[] floats, long[] longs) {
      this.shape = shape;
      this.floats = floats;
      this.longs = longs;
    }

    int count() {
      return Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b));
    }

    long[] ints(String where) {
      if (longs == null) throw new OnnxException(where + ": an integer constant expected");
      return longs;
    }
  }

  private static final int[] TO_NCHW = {0, 3, 1, 2};
  private static final int[] TO_NHWC = {0, 2, 3, 1};
  /** Where each NHWC axis lies in NCHW. */
  private static final int[] NCHW_AXIS = {0, 2, 3, 1};

  private final Map<String, NodeDef> nodes = new HashMap<>();
  private final Map<String, Integer> consumers = new HashMap<>();
  private final Map<String, float[]> variables;
  private final Map<String, Port> inputs = new HashMap<>();
  private final Map<String, Value> translated = new HashMap<>();
  private final GraphProto.Builder graph = GraphProto.newBuilder();
  private final Map<String, Integer> names = new HashMap<>();

  private OnnxExport(GraphDef def, Map<String, float[]> variables, List<Port> inputs) {
    this.variables = variables;
    for (NodeDef n : def.getNodeList()) {
      nodes.put(n.getName(), n);
      for (String in : n.getInputList()) if (!in.startsWith("^")) consumers.merge(nodeName(in), 1, Integer::sum);
    }
    for (Port p : inputs) this.inputs.put(nodeName(p.tensor), p);
  }

  /**
   * The ONNX model computing {@code outputs} from {@code inputs} of the TensorFlow graph {@code def}, whose variables
   * ({@code VariableV2} nodes) take their values from {@code variables} by node name.
   *
   * @throws OnnxException naming the node, when the graph holds an op this writer does not translate or a value it
   *     cannot write
   */
  public static ModelProto export(GraphDef def, Map<String, float[]> variables, List<Port> inputs, List<Port> outputs, String description) {
    OnnxExport w = new OnnxExport(def, variables, inputs);
    for (Port p : inputs) {
      w.graph.addInput(valueInfo(p));
    }
    for (Port p : outputs) {
      Value v = w.translate(p.tensor);
      if (v.constant != null) throw new OnnxException(p.tensor + ": output " + p.name + " is a constant");
      String name = v.nchw ? w.transpose(v.name, TO_NHWC) : v.name;
      w.node("Identity", List.of(name), p.name);
      w.graph.addOutput(valueInfo(p));
    }
    w.graph.setName("mflag");
    return ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("M-FLAG for Fiji").setDocString(description)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET)).setGraph(w.graph).build();
  }

  private static ValueInfoProto valueInfo(Port p) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (long d : p.shape) {
      shape.addDim(d < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH) : TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    TypeProto type = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE)
        .setShape(shape)).build();
    return ValueInfoProto.newBuilder().setName(p.name).setType(type).build();
  }

  private static String nodeName(String tensor) {
    String t = tensor.startsWith("^") ? tensor.substring(1) : tensor;
    int colon = t.indexOf(':');
    return colon < 0 ? t : t.substring(0, colon);
  }

  private NodeDef def(String tensor) {
    if (tensor.contains(":") && !tensor.endsWith(":0")) throw new OnnxException(tensor + ": only first outputs are translated");
    NodeDef n = nodes.get(nodeName(tensor));
    if (n == null) throw new OnnxException(tensor + ": no such node in the graph");
    return n;
  }

  private NodeDef inputDef(NodeDef n, int i) {
    return def(n.getInput(i));
  }

  /** Whether the node's output feeds exactly one op (so that it may be folded into it). */
  private boolean single(NodeDef n) {
    return consumers.getOrDefault(n.getName(), 0) == 1;
  }

  private Value translate(String tensor) {
    NodeDef n = def(tensor);
    Value v = translated.get(n.getName());
    if (v == null) {
      v = translate(n);
      translated.put(n.getName(), v);
    }
    return v;
  }

  private Value input(NodeDef n, int i) {
    return translate(n.getInput(i));
  }

  private Value translate(NodeDef n) {
    String op = n.getOp();
    switch (op) {
      case "Placeholder":
        return placeholder(n);
      case "Identity":
        return input(n, 0);
      case "Const":
        return new Value(constant(n));
      case "VariableV2":
        return new Value(variable(n));
      case "Tile":
        return tile(n);
      case "Add":
      case "AddV2":
        return elementwise(n, "Add");
      case "Sub":
        return elementwise(n, "Sub");
      case "Mul":
        return elementwise(n, "Mul");
      case "RealDiv":
        return elementwise(n, "Div");
      case "Maximum":
        return elementwise(n, "Max");
      case "Rsqrt":
        return rsqrt(n);
      case "Relu":
        return unary(n, "Relu");
      case "Sigmoid":
        return unary(n, "Sigmoid");
      case "Exp":
        return unary(n, "Exp");
      case "LeakyRelu":
        return unary(n, "LeakyRelu", AttributeProto.newBuilder().setName("alpha").setType(AttributeProto.AttributeType.FLOAT)
            .setF(n.getAttrOrThrow("alpha").getF()).build());
      case "Conv2D":
        return conv(n, null, null);
      case "FusedBatchNormV3":
      case "FusedBatchNorm":
        return batchNorm(n);
      case "BiasAdd":
        return biasAdd(n);
      case "Pad":
      case "PadV2":
        return pad(n);
      case "MaxPool":
      case "MaxPoolV2":
        return maxPool(n);
      case "Mean":
        return mean(n);
      case "MatMul":
        return matMul(n);
      case "Softmax":
        return softmax(n);
      case "ConcatV2":
        return concat(n);
      case "Reshape":
        return reshape(n);
      case "Slice":
        return slice(n);
      default:
        throw new OnnxException(n.getName() + ": TensorFlow op " + op + " has no ONNX translation here (ops written: "
            + String.join(", ", OnnxModel.OPS) + ")");
    }
  }

  // ---- graph inputs and constants

  private Value placeholder(NodeDef n) {
    Port p = inputs.get(n.getName());
    if (p == null) throw new OnnxException(n.getName() + ": a placeholder that is not an input of the exported signature");
    if (p.shape.length != 4) return new Value(p.name, p.shape.length, false);
    return new Value(transpose(p.name, TO_NCHW), 4, true);
  }

  private Constant variable(NodeDef n) {
    float[] values = variables.get(n.getName());
    if (values == null) throw new OnnxException(n.getName() + ": a variable without a value");
    long[] shape = n.getAttrOrThrow("shape").getShape().getDimList().stream().mapToLong(d -> d.getSize()).toArray();
    Constant c = new Constant(shape, values, null);
    if (c.count() != values.length) {
      throw new OnnxException(n.getName() + ": " + values.length + " values for shape " + Arrays.toString(shape));
    }
    return c;
  }

  private static Constant constant(NodeDef n) {
    org.tensorflow.proto.TensorProto t = n.getAttrOrThrow("value").getTensor();
    long[] shape = t.getTensorShape().getDimList().stream().mapToLong(d -> d.getSize()).toArray();
    int count = Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b));
    ByteBuffer content = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    DataType type = t.getDtype();
    if (type == DataType.DT_FLOAT) {
      float[] v = new float[count];
      if (!t.getTensorContent().isEmpty()) content.asFloatBuffer().get(v);
      else for (int i = 0; i < count; i++) v[i] = t.getFloatVal(Math.min(i, t.getFloatValCount() - 1));
      return new Constant(shape, v, null);
    }
    if (type == DataType.DT_INT32 || type == DataType.DT_INT64) {
      long[] v = new long[count];
      boolean wide = type == DataType.DT_INT64;
      if (!t.getTensorContent().isEmpty()) {
        for (int i = 0; i < count; i++) v[i] = wide ? content.getLong() : content.getInt();
      } else {
        int have = wide ? t.getInt64ValCount() : t.getIntValCount();
        for (int i = 0; i < count; i++) v[i] = wide ? t.getInt64Val(Math.min(i, have - 1)) : t.getIntVal(Math.min(i, have - 1));
      }
      return new Constant(shape, null, v);
    }
    throw new OnnxException(n.getName() + ": a constant of type " + type + " (only float32 and integer constants are written)");
  }

  /** The constant a node's input is (through Identity), or null when it is computed. */
  private Constant constantInput(NodeDef n, int i) {
    Value v = input(n, i);
    return v.constant;
  }

  private Constant requireConstant(NodeDef n, int i, String what) {
    Constant c = constantInput(n, i);
    if (c == null) throw new OnnxException(n.getName() + ": its " + what + " must be a constant");
    return c;
  }

  // ---- writing

  private String fresh(String base) {
    String clean = base.replaceAll("[^A-Za-z0-9_./-]", "_");
    int k = names.merge(clean, 1, Integer::sum);
    return k == 1 ? clean : clean + "_" + k;
  }

  private String node(String op, List<String> in, String out, AttributeProto... attrs) {
    graph.addNode(NodeProto.newBuilder().setOpType(op).setName(out).addAllInput(in).addOutput(out).addAllAttribute(Arrays.asList(attrs)));
    return out;
  }

  private String initializer(String base, float[] values, long... dims) {
    String name = fresh(base);
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
        .addAllDims(longs(dims)).setRawData(ByteString.copyFrom(b.array())));
    return name;
  }

  private String initializer(String base, long[] values, long... dims) {
    String name = fresh(base);
    graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
        .addAllDims(longs(dims)).addAllInt64Data(longs(values)));
    return name;
  }

  private static List<Long> longs(long[] v) {
    List<Long> out = new ArrayList<>(v.length);
    for (long x : v) out.add(x);
    return out;
  }

  private static AttributeProto ints(String name, long... v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS).addAllInts(longs(v)).build();
  }

  private static AttributeProto integer(String name, long v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
  }

  private static AttributeProto string(String name, String v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(v)).build();
  }

  private String transpose(String x, int[] perm) {
    return node("Transpose", List.of(x), fresh(x + (perm == TO_NCHW ? "/nchw" : "/nhwc")), ints("perm", Arrays.stream(perm).asLongStream().toArray()));
  }

  /** A value's name with TensorFlow's axes (a feature map transposed back to NHWC). */
  private String tfLayout(Value v, String base) {
    if (v.constant != null) return materialise(v, base);
    return v.nchw ? transpose(v.name, TO_NHWC) : v.name;
  }

  /** A constant's initializer in TensorFlow's layout. */
  private String materialise(Value v, String base) {
    if (v.name == null) {
      Constant c = v.constant;
      v.name = c.floats != null ? initializer(base, c.floats, c.shape) : initializer(base, c.longs, c.shape);
    }
    return v.name;
  }

  /** {@code v} as an operand next to an NCHW feature map: transposed, or a constant laid out for NCHW broadcasting. */
  private String nchwOperand(Value v, String base) {
    if (v.nchw) return v.name;
    if (v.constant == null) {
      if (v.rank != 4) throw new OnnxException(base + ": a computed rank-" + v.rank + " operand next to a feature map");
      return transpose(v.name, TO_NCHW);
    }
    Constant c = v.constant;
    if (c.floats == null) throw new OnnxException(base + ": an integer operand next to a feature map");
    if (c.shape.length > 4) throw new OnnxException(base + ": a rank-" + c.shape.length + " constant next to a feature map");
    long[] nhwc = new long[4];
    Arrays.fill(nhwc, 1);
    System.arraycopy(c.shape, 0, nhwc, 4 - c.shape.length, c.shape.length);
    float[] data = permute(c.floats, nhwc, TO_NCHW);
    long[] dims = {nhwc[0], nhwc[3], nhwc[1], nhwc[2]};
    return initializer(base, data, dims);
  }

  /** The values of a row-major tensor of {@code shape} with its axes in the order {@code perm}. */
  private static float[] permute(float[] v, long[] shape, int[] perm) {
    int r = shape.length;
    long[] outShape = new long[r];
    for (int i = 0; i < r; i++) outShape[i] = shape[perm[i]];
    long[] inStride = new long[r];
    long s = 1;
    for (int i = r - 1; i >= 0; i--) {
      inStride[i] = s;
      s *= shape[i];
    }
    float[] out = new float[v.length];
    int[] idx = new int[r];
    for (int o = 0; o < out.length; o++) {
      long src = 0;
      for (int i = 0; i < r; i++) src += idx[i] * inStride[perm[i]];
      out[o] = v[(int) src];
      for (int i = r - 1; i >= 0; i--) {
        if (++idx[i] < outShape[i]) break;
        idx[i] = 0;
      }
    }
    return out;
  }

  // ---- ops

  private Value unary(NodeDef n, String op, AttributeProto... attrs) {
    Value x = input(n, 0);
    if (x.constant != null) throw new OnnxException(n.getName() + ": " + n.getOp() + " of a constant");
    return new Value(node(op, List.of(x.name), fresh(n.getName()), attrs), x.rank, x.nchw);
  }

  private Value elementwise(NodeDef n, String op) {
    Value a = input(n, 0), b = input(n, 1);
    if (a.constant != null && b.constant != null) return new Value(fold(n, op, a.constant, b.constant));
    String out = fresh(n.getName());
    if (a.nchw || b.nchw) {
      return new Value(node(op, List.of(nchwOperand(a, out + "/a"), nchwOperand(b, out + "/b")), out), 4, true);
    }
    return new Value(node(op, List.of(materialise(a, out + "/a"), materialise(b, out + "/b")), out), Math.max(a.rank, b.rank), false);
  }

  /** An elementwise op of two constants (a variable plus an epsilon, say), computed here: shapes equal or one a scalar. */
  private static Constant fold(NodeDef n, String op, Constant a, Constant b) {
    if (a.floats == null || b.floats == null) throw new OnnxException(n.getName() + ": " + op + " of integer constants");
    int na = a.floats.length, nb = b.floats.length;
    if (na != nb && na != 1 && nb != 1) throw new OnnxException(n.getName() + ": " + op + " of constants of shapes "
        + Arrays.toString(a.shape) + " and " + Arrays.toString(b.shape));
    float[] out = new float[Math.max(na, nb)];
    for (int i = 0; i < out.length; i++) {
      float x = a.floats[na == 1 ? 0 : i], y = b.floats[nb == 1 ? 0 : i];
      out[i] = op.equals("Add") ? x + y : op.equals("Sub") ? x - y : op.equals("Mul") ? x * y : op.equals("Div") ? x / y : Math.max(x, y);
    }
    return new Constant(na >= nb ? a.shape : b.shape, out, null);
  }

  private Value rsqrt(NodeDef n) {
    Value x = input(n, 0);
    if (x.constant != null) {
      if (x.constant.floats == null) throw new OnnxException(n.getName() + ": Rsqrt of an integer constant");
      float[] v = x.constant.floats.clone();
      for (int i = 0; i < v.length; i++) v[i] = (float) (1 / Math.sqrt(v[i]));
      return new Value(new Constant(x.constant.shape, v, null));
    }
    String out = fresh(n.getName());
    return new Value(node("Reciprocal", List.of(node("Sqrt", List.of(x.name), out + "/sqrt")), out), x.rank, x.nchw);
  }

  private Value tile(NodeDef n) {
    Value x = input(n, 0);
    long[] m = requireConstant(n, 1, "multiples").ints(n.getName());
    if (x.nchw) m = new long[] {m[0], m[3], m[1], m[2]};
    String out = fresh(n.getName());
    return new Value(node("Tile", List.of(x.name, initializer(out + "/repeats", m, m.length)), out), x.rank, x.nchw);
  }

  /**
   * A convolution, NHWC with HWIO weights in TensorFlow, NCHW with OIHW weights here; {@code scale} and {@code shift}
   * (per output channel) fold a batch norm or a bias add into it.
   */
  private Value conv(NodeDef n, float[] scale, float[] shift) {
    requireNhwc(n);
    long[] strides = listOf(n, "strides");
    long[] dilations = n.containsAttr("dilations") ? listOf(n, "dilations") : new long[] {1, 1, 1, 1};
    if (strides[0] != 1 || strides[3] != 1 || Arrays.stream(dilations).anyMatch(d -> d != 1)) {
      throw new OnnxException(n.getName() + ": strides " + Arrays.toString(strides) + " / dilations " + Arrays.toString(dilations)
          + " are not written (stride on H and W only, no dilation)");
    }
    Constant w = requireConstant(n, 1, "kernel");
    if (w.shape.length != 4 || w.floats == null) throw new OnnxException(n.getName() + ": a 4-D float kernel expected");
    long kh = w.shape[0], kw = w.shape[1], co = w.shape[3];
    long[] pads = {0, 0, 0, 0};
    NodeDef x = inputDef(n, 0);
    Value in;
    if (isZeroPad(x) && single(x)) {
      long[] p = spatialPads(x);
      if (p != null) {
        pads = p;
        in = input(x, 0);
      } else {
        in = input(n, 0);
      }
    } else {
      in = input(n, 0);
    }
    String padding = n.getAttrOrThrow("padding").getS().toStringUtf8();
    if (padding.equals("SAME")) {
      if (strides[1] != 1 || strides[2] != 1 || kh % 2 == 0 || kw % 2 == 0) {
        throw new OnnxException(n.getName() + ": SAME padding is written for odd kernels at stride 1 only");
      }
      pads = new long[] {pads[0] + kh / 2, pads[1] + kw / 2, pads[2] + kh / 2, pads[3] + kw / 2};
    } else if (!padding.equals("VALID")) {
      throw new OnnxException(n.getName() + ": padding " + padding + " is not written");
    }
    float[] oihw = permute(w.floats, w.shape, new int[] {3, 2, 0, 1});
    if (scale != null) {
      int per = oihw.length / (int) co;
      for (int o = 0; o < co; o++) for (int k = 0; k < per; k++) oihw[o * per + k] *= scale[o];
    }
    String out = fresh(n.getName());
    List<String> ins = new ArrayList<>(List.of(nchwOperand(in, out + "/x"), initializer(out + "/weight", oihw, co, w.shape[2], kh, kw)));
    if (shift != null) ins.add(initializer(out + "/bias", shift, co));
    return new Value(node("Conv", ins, out, ints("kernel_shape", kh, kw), ints("strides", strides[1], strides[2]), ints("pads", pads),
        ints("dilations", 1, 1), integer("group", 1)), 4, true);
  }

  private static void requireNhwc(NodeDef n) {
    if (n.containsAttr("data_format") && !n.getAttrOrThrow("data_format").getS().toStringUtf8().equals("NHWC")) {
      throw new OnnxException(n.getName() + ": data_format " + n.getAttrOrThrow("data_format").getS().toStringUtf8() + " (NHWC expected)");
    }
  }

  private static long[] listOf(NodeDef n, String attr) {
    AttrValue a = n.getAttrOrThrow(attr);
    return a.getList().getIList().stream().mapToLong(Long::longValue).toArray();
  }

  private boolean isZeroPad(NodeDef n) {
    if (!n.getOp().equals("Pad") && !n.getOp().equals("PadV2")) return false;
    if (n.getOp().equals("Pad")) return true;
    Constant c = constantInput(n, 2);
    return c != null && c.floats != null && c.floats.length == 1 && c.floats[0] == 0f;
  }

  /** A pad's {top, left, bottom, right} when it pads only H and W, else null. */
  private long[] spatialPads(NodeDef pad) {
    Constant c = constantInput(pad, 1);
    if (c == null || c.longs == null || c.longs.length != 8) return null;
    long[] p = c.longs;
    if (p[0] != 0 || p[1] != 0 || p[6] != 0 || p[7] != 0) return null;
    return new long[] {p[2], p[4], p[3], p[5]};
  }

  private Value batchNorm(NodeDef n) {
    if (n.containsAttr("is_training") && n.getAttrOrThrow("is_training").getB()) {
      throw new OnnxException(n.getName() + ": batch norm in training mode (export the inference graph)");
    }
    requireNhwc(n);
    float epsilon = n.getAttrOrThrow("epsilon").getF();
    float[] gamma = floats(n, 1, "scale"), beta = floats(n, 2, "offset"), mean = floats(n, 3, "mean"), var = floats(n, 4, "variance");
    int c = gamma.length;
    float[] scale = new float[c], shift = new float[c];
    for (int i = 0; i < c; i++) {
      scale[i] = (float) (gamma[i] / Math.sqrt(var[i] + (double) epsilon));
      shift[i] = beta[i] - mean[i] * scale[i];
    }
    NodeDef x = inputDef(n, 0);
    if (x.getOp().equals("Conv2D") && single(x)) return conv(x, scale, shift);
    Value in = input(n, 0);
    String out = fresh(n.getName());
    return new Value(node("Add", List.of(node("Mul", List.of(nchwOperand(in, out + "/x"), initializer(out + "/scale", scale, c, 1, 1)),
        out + "/mul"), initializer(out + "/shift", shift, c, 1, 1)), out), 4, true);
  }

  private float[] floats(NodeDef n, int i, String what) {
    Constant c = requireConstant(n, i, what);
    if (c.floats == null) throw new OnnxException(n.getName() + ": its " + what + " must be float");
    return c.floats;
  }

  private Value biasAdd(NodeDef n) {
    requireNhwc(n);
    float[] bias = floats(n, 1, "bias");
    NodeDef x = inputDef(n, 0);
    if (x.getOp().equals("Conv2D") && single(x)) return conv(x, null, bias);
    Value in = input(n, 0);
    String out = fresh(n.getName());
    if (in.nchw) return new Value(node("Add", List.of(in.name, initializer(out + "/bias", bias, bias.length, 1, 1)), out), 4, true);
    return new Value(node("Add", List.of(in.name, initializer(out + "/bias", bias, bias.length)), out), in.rank, false);
  }

  private Value pad(NodeDef n) {
    Value x = input(n, 0);
    long[] p = requireConstant(n, 1, "paddings").ints(n.getName());
    int r = p.length / 2;
    long[] onnx = new long[2 * r];
    for (int i = 0; i < r; i++) {
      int axis = x.nchw ? NCHW_AXIS[i] : i;
      onnx[axis] = p[2 * i];
      onnx[r + axis] = p[2 * i + 1];
    }
    String out = fresh(n.getName());
    List<String> ins = new ArrayList<>(List.of(x.name, initializer(out + "/pads", onnx, onnx.length)));
    if (n.getOp().equals("PadV2")) ins.add(initializer(out + "/value", floats(n, 2, "constant value"), new long[0]));
    return new Value(node("Pad", ins, out), x.rank, x.nchw);
  }

  private Value maxPool(NodeDef n) {
    requireNhwc(n);
    long[] k = n.getOp().equals("MaxPool") ? listOf(n, "ksize") : requireConstant(n, 1, "ksize").ints(n.getName());
    long[] s = n.getOp().equals("MaxPool") ? listOf(n, "strides") : requireConstant(n, 2, "strides").ints(n.getName());
    if (k[0] != 1 || k[3] != 1 || s[0] != 1 || s[3] != 1) throw new OnnxException(n.getName() + ": pooling over batch or channels");
    if (!n.getAttrOrThrow("padding").getS().toStringUtf8().equals("VALID")) throw new OnnxException(n.getName() + ": only VALID max pooling is written");
    long[] pads = {0, 0, 0, 0};
    NodeDef x = inputDef(n, 0);
    Value in;
    long[] p = isZeroPad(x) && single(x) && inputDef(x, 0).getOp().equals("Relu") ? spatialPads(x) : null;
    if (p != null) {
      // zero padding after a ReLU is the -inf padding of ONNX's MaxPool: nothing padded can exceed a real value
      pads = p;
      in = input(x, 0);
    } else {
      in = input(n, 0);
    }
    String out = fresh(n.getName());
    return new Value(node("MaxPool", List.of(nchwOperand(in, out + "/x")), out, ints("kernel_shape", k[1], k[2]), ints("strides", s[1], s[2]),
        ints("pads", pads)), 4, true);
  }

  private Value mean(NodeDef n) {
    Value x = input(n, 0);
    long[] axes = requireConstant(n, 1, "axes").ints(n.getName()).clone();
    boolean keep = n.containsAttr("keep_dims") && n.getAttrOrThrow("keep_dims").getB();
    if (x.nchw) {
      for (int i = 0; i < axes.length; i++) axes[i] = NCHW_AXIS[(int) ((axes[i] + 4) % 4)];
      long[] sorted = axes.clone();
      Arrays.sort(sorted);
      if (!keep && !Arrays.equals(sorted, new long[] {2, 3})) {
        throw new OnnxException(n.getName() + ": a mean over NHWC axes other than H and W drops axes in another order");
      }
    }
    String out = fresh(n.getName());
    node("ReduceMean", List.of(x.name), out, ints("axes", axes), integer("keepdims", keep ? 1 : 0));
    return new Value(out, keep ? x.rank : x.rank - axes.length, keep && x.nchw);
  }

  private Value matMul(NodeDef n) {
    if ((n.containsAttr("transpose_a") && n.getAttrOrThrow("transpose_a").getB())
        || (n.containsAttr("transpose_b") && n.getAttrOrThrow("transpose_b").getB())) {
      throw new OnnxException(n.getName() + ": transposed MatMul operands are not written");
    }
    Value a = input(n, 0), b = input(n, 1);
    if (a.nchw || b.nchw) throw new OnnxException(n.getName() + ": MatMul of a feature map");
    String out = fresh(n.getName());
    return new Value(node("MatMul", List.of(materialise(a, out + "/a"), materialise(b, out + "/weight")), out), 2, false);
  }

  private Value softmax(NodeDef n) {
    Value x = input(n, 0);
    return new Value(node("Softmax", List.of(x.name), fresh(n.getName()), integer("axis", x.nchw ? 1 : -1)), x.rank, x.nchw);
  }

  private Value concat(NodeDef n) {
    int count = n.getInputCount() - 1;
    while (count > 0 && n.getInput(count).startsWith("^")) count--;
    long axis = requireConstant(n, count, "axis").ints(n.getName())[0];
    List<Value> values = new ArrayList<>();
    boolean nchw = false;
    for (int i = 0; i < count; i++) {
      Value v = input(n, i);
      values.add(v);
      nchw |= v.nchw;
    }
    int rank = values.get(0).rank;
    String out = fresh(n.getName());
    List<String> ins = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) ins.add(nchw ? nchwOperand(values.get(i), out + "/" + i) : materialise(values.get(i), out + "/" + i));
    if (axis < 0) axis += rank;
    return new Value(node("Concat", ins, out, integer("axis", nchw ? NCHW_AXIS[(int) axis] : axis)), rank, nchw);
  }

  private Value reshape(NodeDef n) {
    Value up = upsample2x(n);
    if (up != null) return up;
    Value x = input(n, 0);
    long[] shape = requireConstant(n, 1, "shape").ints(n.getName());
    String out = fresh(n.getName());
    node("Reshape", List.of(tfLayout(x, out + "/x"), initializer(out + "/shape", shape, shape.length)), out);
    return new Value(out, shape.length, false);
  }

  /**
   * {@code nn/Layers.upsample2x}'s nearest-neighbour upsampling, {@code reshape(concat([c, c], 2), [-1, 2h, 2w, C])} with
   * {@code c = reshape(concat([x, x], 3), [-1, h, 2w, C])}, as one {@code Resize}; null when {@code n} is not its end.
   */
  private Value upsample2x(NodeDef n) {
    NodeDef rows = inputDef(n, 0);
    if (!isSelfConcat(rows, 2) || !single(rows)) return null;
    NodeDef inner = inputDef(rows, 0);
    if (!inner.getOp().equals("Reshape") || consumers.getOrDefault(inner.getName(), 0) != 2) return null;
    NodeDef cols = inputDef(inner, 0);
    if (!isSelfConcat(cols, 3) || !single(cols)) return null;
    Constant outer = constantInput(n, 1), mid = constantInput(inner, 1);
    if (outer == null || mid == null || outer.longs == null || mid.longs == null || outer.longs.length != 4 || mid.longs.length != 4) return null;
    long h = mid.longs[1], w2 = mid.longs[2], c = mid.longs[3];
    if (outer.longs[1] != 2 * h || outer.longs[2] != w2 || outer.longs[3] != c) return null;
    Value x = input(cols, 0);
    if (x.rank != 4) return null;
    String out = fresh(n.getName());
    String scales = initializer(out + "/scales", new float[] {1, 1, 2, 2}, 4);
    return new Value(node("Resize", List.of(nchwOperand(x, out + "/x"), "", scales), out, string("mode", "nearest"),
        string("coordinate_transformation_mode", "asymmetric"), string("nearest_mode", "floor")), 4, true);
  }

  /** Whether {@code n} concatenates one tensor with itself along {@code axis}. */
  private boolean isSelfConcat(NodeDef n, long axis) {
    if (!n.getOp().equals("ConcatV2") || n.getInputCount() != 3 || !n.getInput(0).equals(n.getInput(1))) return false;
    Constant a = constantInput(n, 2);
    return a != null && a.longs != null && a.longs.length == 1 && a.longs[0] == axis;
  }

  private Value slice(NodeDef n) {
    Value x = input(n, 0);
    long[] begin = requireConstant(n, 1, "begin").ints(n.getName()), size = requireConstant(n, 2, "size").ints(n.getName());
    long[] end = new long[begin.length], axes = new long[begin.length];
    for (int i = 0; i < begin.length; i++) {
      end[i] = size[i] < 0 ? Long.MAX_VALUE : begin[i] + size[i];
      axes[i] = i;
    }
    String out = fresh(n.getName());
    String in = tfLayout(x, out + "/x");
    node("Slice", List.of(in, initializer(out + "/starts", begin, begin.length), initializer(out + "/ends", end, end.length),
        initializer(out + "/axes", axes, axes.length)), out);
    return new Value(out, x.rank, false);
  }
}
