package org.mflag.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The named variables of one graph: weights, batch-norm statistics and optimiser slots.
 *
 * <p>Values are created in Java from a seed (so initialisation does not depend on TensorFlow's
 * random kernels or on the order in which layers were built), moved into the session with one
 * assign per variable, and read back as plain arrays for checkpoints and model export. Names follow
 * torchvision's {@code state_dict} keys ({@code layer1.0.conv1.weight}) so that weights converted
 * from PyTorch can be loaded by name.</p>
 */
public final class Parameters {

  /**
   * What a variable is for. Only {@link #TRAINABLE} ones receive gradients; {@link #FROZEN} weights
   * (a frozen encoder during fine-tuning) are kept as loaded.
   */
  public enum Kind { TRAINABLE, FROZEN, BUFFER, OPTIMIZER }

  /** One variable and how to set it. */
  public static final class Entry {
    public final String name;
    public final long[] shape;
    public Kind kind;
    public final Variable<TFloat32> variable;
    final Initializer initializer;
    Placeholder<TFloat32> feed;
    Op assign;

    Entry(String name, long[] shape, Kind kind, Variable<TFloat32> variable, Initializer initializer) {
      this.name = name;
      this.shape = shape;
      this.kind = kind;
      this.variable = variable;
      this.initializer = initializer;
    }

    public int size() {
      return Initializer.size(shape);
    }
  }

  private final Ops tf;
  private final Map<String, Entry> entries = new LinkedHashMap<>();
  private boolean sealed;

  public Parameters(Ops tf) {
    this.tf = tf;
  }

  public Ops tf() {
    return tf;
  }

  /** Creates a variable; names are unique within a graph. */
  public Variable<TFloat32> create(String name, long[] shape, Kind kind, Initializer init) {
    if (sealed) throw new IllegalStateException("parameters are sealed; cannot add " + name);
    if (entries.containsKey(name)) throw new IllegalArgumentException("duplicate parameter name: " + name);
    Variable<TFloat32> v = tf.withName(name).variable(Shape.of(shape), TFloat32.class);
    entries.put(name, new Entry(name, shape.clone(), kind, v, init));
    return v;
  }

  /**
   * Marks every trainable parameter whose name matches as {@link Kind#FROZEN}; call before the
   * optimiser is built. (A frozen network's batch-norm statistics stay fixed when it is built in
   * {@link Mode#INFER}.) Returns how many were frozen.
   */
  public int freeze(java.util.function.Predicate<String> names) {
    if (sealed) throw new IllegalStateException("parameters are sealed; freeze before building the optimiser");
    int n = 0;
    for (Entry e : entries.values()) {
      if (e.kind == Kind.TRAINABLE && names.test(e.name)) {
        e.kind = Kind.FROZEN;
        n++;
      }
    }
    return n;
  }

  public Entry get(String name) {
    Entry e = entries.get(name);
    if (e == null) throw new IllegalArgumentException("no parameter named " + name);
    return e;
  }


  public List<Entry> all() {
    return Collections.unmodifiableList(new ArrayList<>(entries.values()));
  }

  public List<Entry> ofKind(Kind kind) {
    List<Entry> out = new ArrayList<>();
    for (Entry e : entries.values()) if (e.kind == kind) out.add(e);
    return out;
  }

  public long count(Kind kind) {
    long n = 0;
    for (Entry e : ofKind(kind)) n += e.size();
    return n;
  }

  /** Adds the assign ops; call once the graph is complete, before the session is created. */
  public void seal() {
    if (sealed) return;
    for (Entry e : entries.values()) {
      e.feed = tf.withSubScope("feed").withName(e.name).placeholder(TFloat32.class, Placeholder.shape(Shape.of(e.shape)));
      e.assign = tf.withSubScope("load").withName(e.name).assign(e.variable, e.feed);
    }
    sealed = true;
  }

  /** Fresh values for every variable; each variable's stream depends only on (seed, its name). */
  public Map<String, float[]> initialValues(long seed) {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Entry e : entries.values()) {
      Random r = new Random(seed * 0x9E3779B97F4A7C15L ^ e.name.hashCode() * 0xC2B2AE3D27D4EB4FL);
      out.put(e.name, e.initializer.values(e.shape, r));
    }
    return out;
  }

  /**
   * Sets the given variables in the session. Every name must be known and every array must match
   * the variable's size; {@code source} names where the values came from in error messages.
   */
  public void assign(Session session, Map<String, float[]> values, String source) {
    seal();
    Session.Runner runner = session.runner();
    List<Tensor> open = new ArrayList<>();
    try {
      for (Map.Entry<String, float[]> v : values.entrySet()) {
        Entry e = entries.get(v.getKey());
        if (e == null) throw new IllegalArgumentException(source + ": unknown parameter " + v.getKey());
        if (v.getValue().length != e.size()) {
          throw new IllegalArgumentException(source + ": parameter " + e.name + " has " + v.getValue().length
              + " values, expected shape " + Arrays.toString(e.shape) + " (" + e.size() + ")");
        }
        Tensor t = Tensors.floats(v.getValue(), e.shape);
        open.add(t);
        runner.feed(e.feed, t).addTarget(e.assign);
      }
      if (!open.isEmpty()) runner.run().close();
    } finally {
      for (Tensor t : open) t.close();
    }
  }

  /** Reads the current value of every variable (or of those of the given kinds). */
  public Map<String, float[]> read(Session session, Kind... kinds) {
    List<Entry> wanted = new ArrayList<>();
    List<Kind> ks = Arrays.asList(kinds);
    for (Entry e : entries.values()) if (ks.isEmpty() || ks.contains(e.kind)) wanted.add(e);
    Map<String, float[]> out = new LinkedHashMap<>();
    if (wanted.isEmpty()) return out;
    Session.Runner runner = session.runner();
    for (Entry e : wanted) runner.fetch(e.variable);
    try (Result r = runner.run()) {
      for (int i = 0; i < wanted.size(); i++) out.put(wanted.get(i).name, Tensors.toArray(r.get(i)));
    }
    return out;
  }

  /**
   * The SHA-256 of every variable's bytes (weights, batch-norm statistics, optimiser state), in name order: two copies
   * of a model with the same fingerprint hold the same values.
   */
  public String fingerprint(Session session) {
    java.security.MessageDigest sha = org.mflag.io.Hashing.newSha256();
    for (Map.Entry<String, float[]> e : new java.util.TreeMap<>(read(session)).entrySet()) {
      sha.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * e.getValue().length);
      b.asFloatBuffer().put(e.getValue());
      sha.update(b.array());
    }
    return org.mflag.io.Hashing.hex(sha.digest());
  }

  /** Every variable with its shape, for a checkpoint. */
  public Map<String, org.mflag.io.NdArray> snapshot(Session session) {
    Map<String, org.mflag.io.NdArray> out = new LinkedHashMap<>();
    for (Map.Entry<String, float[]> e : read(session).entrySet()) out.put(e.getKey(), new org.mflag.io.NdArray(e.getValue(), get(e.getKey()).shape));
    return out;
  }

  /** The values of a snapshot, for {@link #assign}. */
  public static Map<String, float[]> values(Map<String, org.mflag.io.NdArray> arrays) {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, org.mflag.io.NdArray> e : arrays.entrySet()) out.put(e.getKey(), e.getValue().data());
    return out;
  }
}
