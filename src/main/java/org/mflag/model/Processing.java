package org.mflag.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.mflag.io.NdArray;

/**
 * bioimage.io's pre- and postprocessing operators (model format 0.5), as its reference implementation
 * (bioimageio.core) computes them: how a consumer of our packages turns the raw test input into what
 * the network takes. {@link ModelPackage} computes the test outputs through here, so the package's
 * test tensors and its declared preprocessing agree by construction; tests check the operators
 * against the spec's formulas.
 *
 * <ul>
 * <li>{@code scale_linear}: {@code x * gain + offset} ({@code gain}/{@code offset} scalars, or lists
 * along {@code axis}).</li>
 * <li>{@code scale_range}: {@code (x - p_min) / (p_max - p_min + eps)} with linearly interpolated
 * percentiles over {@code axes} (per sample), eps 1e-6.</li>
 * <li>{@code fixed_zero_mean_unit_variance}: {@code (x - mean) / (std + 1e-6)}.</li>
 * <li>{@code zero_mean_unit_variance}: the same with the mean and (population) standard deviation
 * over {@code axes}, eps 1e-6.</li>
 * <li>{@code clip} ({@code min}, {@code max}), {@code binarize} ({@code x > threshold}),
 * {@code sigmoid}, {@code ensure_dtype} (float32 here: a no-op).</li>
 * </ul>
 */
public final class Processing {

  /** bioimageio.core's eps: it does not pass a declared {@code eps} on, so this is what consumers use. */
  static final double EPS = 1e-6;

  private Processing() {}

  /** One pre- or postprocessing step as rdf.yaml declares it: an operator ({@code id}) and its arguments ({@code kwargs}). */
  public static final class Step extends RecordLike {
    private final String id;
    private final Kwargs kwargs;

    public Step(String id, Kwargs kwargs) {
      this.id = Objects.requireNonNull(id, "id");
      this.kwargs = Objects.requireNonNull(kwargs, "kwargs");
    }

    /** A step from its operator and alternating argument names and values ({@link Kwargs#of}). */
    public static Step of(String id, Object... kwargs) {
      return new Step(id, Kwargs.of(kwargs));
    }

    public String id() { return id; }
    public Kwargs kwargs() { return kwargs; }

    @Override
    List<Object> components() {
      return List.of(id, kwargs);
    }
  }

  /**
   * An operator's arguments as declared, in order: each a number, a text, a boolean or a list of those. Which
   * arguments an operator takes is the operator's business ({@link #apply}), so they stay open here; an unknown
   * operator is refused when it is applied, not when it is read.
   */
  public static final class Kwargs extends RecordLike {
    public static final Kwargs NONE = new Kwargs(new LinkedHashMap<>());
    /** Unmodifiable; the YAML values as read or given. */
    private final Map<String, Object> values;

    private Kwargs(LinkedHashMap<String, Object> values) {
      this.values = Collections.unmodifiableMap(values);
    }

    /** Arguments from alternating names and values (numbers, texts, booleans, lists of them). */
    public static Kwargs of(Object... namesAndValues) {
      if (namesAndValues.length % 2 != 0) throw new IllegalArgumentException("kwargs: a name without a value");
      LinkedHashMap<String, Object> m = new LinkedHashMap<>();
      for (int i = 0; i < namesAndValues.length; i += 2) {
        Object v = namesAndValues[i + 1];
        m.put((String) Objects.requireNonNull(namesAndValues[i], "kwargs: a null name"), unmodifiable(v));
      }
      return m.isEmpty() ? NONE : new Kwargs(m);
    }

    private static Object unmodifiable(Object v) {
      return v instanceof List ? Collections.unmodifiableList(new ArrayList<>((List<?>) v)) : v;
    }

    /** The arguments as a YAML mapping: what {@link RdfYaml} writes, and reads back through {@link #fromYaml}. */
    Map<String, Object> yaml() {
      return values;
    }

    static Kwargs fromYaml(Map<?, ?> m) {
      LinkedHashMap<String, Object> copy = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) copy.put(String.valueOf(e.getKey()), unmodifiable(e.getValue()));
      return copy.isEmpty() ? NONE : new Kwargs(copy);
    }

    public boolean isEmpty() {
      return values.isEmpty();
    }

    /** Whether argument {@code name} is a number. */
    public boolean isNumber(String name) {
      return values.get(name) instanceof Number;
    }

    /** Argument {@code name} as a number, or {@code otherwise} when absent or not a number. */
    public double number(String name, double otherwise) {
      return isNumber(name) ? ((Number) values.get(name)).doubleValue() : otherwise;
    }

    /** Element {@code k} of a list argument, the argument itself when it is a number, else {@code otherwise}. */
    public double element(String name, int k, double otherwise) {
      Object v = values.get(name);
      if (v instanceof List) return ((Number) ((List<?>) v).get(k)).doubleValue();
      return number(name, otherwise);
    }

    /** Argument {@code name} as text, or null when absent. */
    public String text(String name) {
      Object v = values.get(name);
      return v == null ? null : String.valueOf(v);
    }

    /** The elements of list argument {@code name} as texts; empty when absent or not a list. */
    public List<String> texts(String name) {
      List<String> out = new ArrayList<>();
      if (values.get(name) instanceof List) for (Object a : (List<?>) values.get(name)) out.add(String.valueOf(a));
      return out;
    }

    @Override
    List<Object> components() {
      return List.of(values);
    }
  }

  /**
   * Applies {@code steps} (as rdf.yaml declares them) to {@code x}, whose axes have the ids {@code axisIds}
   * (the batch axis {@code batch}); returns a new array.
   *
   * @throws IllegalArgumentException for an operator or argument this implementation does not know
   */
  public static NdArray apply(List<Step> steps, NdArray x, List<String> axisIds) {
    if (axisIds.size() != x.shape().length) throw new IllegalArgumentException(axisIds + " do not describe shape " + Arrays.toString(x.shape()));
    float[] v = x.data().clone();
    for (Step step : steps) {
      String id = step.id();
      Kwargs kw = step.kwargs();
      switch (id) {
        case "scale_linear":
          affine(v, x.shape(), axisIds, kw, "gain", 1.0, "offset", 0.0, false);
          break;
        case "fixed_zero_mean_unit_variance":
          affine(v, x.shape(), axisIds, kw, "std", 1.0, "mean", 0.0, true);
          break;
        case "scale_range":
          perSample(v, x.shape(), axisIds, axes(kw), (vals, idx) -> {
            double lo = percentile(vals, kw.number("min_percentile", 0)), hi = percentile(vals, kw.number("max_percentile", 100));
            for (int i : idx) v[i] = (float) ((v[i] - lo) / (hi - lo + EPS));
          });
          break;
        case "zero_mean_unit_variance":
          perSample(v, x.shape(), axisIds, axes(kw), (vals, idx) -> {
            double mean = 0, sq = 0;
            for (double d : vals) mean += d;
            mean /= vals.length;
            for (double d : vals) sq += (d - mean) * (d - mean);
            double std = Math.sqrt(sq / vals.length);
            for (int i : idx) v[i] = (float) ((v[i] - mean) / (std + EPS));
          });
          break;
        case "clip":
          for (int i = 0; i < v.length; i++) {
            if (kw.isNumber("min")) v[i] = (float) Math.max(v[i], kw.number("min", 0));
            if (kw.isNumber("max")) v[i] = (float) Math.min(v[i], kw.number("max", 0));
          }
          break;
        case "binarize":
          for (int i = 0; i < v.length; i++) v[i] = v[i] > kw.number("threshold", 0) ? 1f : 0f;
          break;
        case "sigmoid":
          for (int i = 0; i < v.length; i++) v[i] = (float) (1 / (1 + Math.exp(-v[i])));
          break;
        case "ensure_dtype":
          if (!"float32".equals(kw.text("dtype"))) throw new IllegalArgumentException("ensure_dtype " + kw.text("dtype") + " is not supported here");
          break;
        default:
          throw new IllegalArgumentException("processing operator '" + id + "' is not supported here");
      }
    }
    return new NdArray(v, x.shape());
  }

  /** {@code x * a + b} for scale_linear (a = gain, b = offset), {@code (x - b) / (a + 1e-6)} for fixed_zero_mean_unit_variance. */
  private static void affine(float[] v, long[] shape, List<String> axisIds, Kwargs kw, String aKey, double aDefault, String bKey,
      double bDefault, boolean standardise) {
    String axis = kw.text("axis");
    int along = axis == null ? -1 : axisIds.indexOf(axis);
    if (axis != null && along < 0) throw new IllegalArgumentException("axis '" + axis + "' is not one of " + axisIds);
    long stride = 1;
    for (int d = along + 1; along >= 0 && d < shape.length; d++) stride *= shape[d];
    for (int i = 0; i < v.length; i++) {
      int k = along < 0 ? 0 : (int) (i / stride % shape[along]);
      double a = kw.element(aKey, k, aDefault), b = kw.element(bKey, k, bDefault);
      v[i] = (float) (standardise ? (v[i] - b) / (a + EPS) : v[i] * a + b);
    }
  }

  private static List<String> axes(Kwargs kw) {
    List<String> out = kw.texts("axes");
    if (out.contains("batch")) throw new IllegalArgumentException("statistics over the batch axis (dataset statistics) are not supported here");
    return out;
  }

  /** A statistic over the reduced axes, once per combination of the other axes (per sample, per channel...). */
  private interface Group {
    void apply(double[] values, int[] indices);
  }

  private static void perSample(float[] v, long[] shape, List<String> axisIds, List<String> reduce, Group g) {
    int n = shape.length;
    boolean[] reduced = new boolean[n];
    for (int d = 0; d < n; d++) reduced[d] = reduce.isEmpty() ? !axisIds.get(d).equals("batch") : reduce.contains(axisIds.get(d));
    java.util.Map<Long, List<Integer>> groups = new java.util.LinkedHashMap<>();
    long[] stride = new long[n];
    for (int d = n - 1, s = 1; d >= 0; d--) {
      stride[d] = s;
      s *= (int) shape[d];
    }
    for (int i = 0; i < v.length; i++) {
      long key = 0;
      for (int d = 0; d < n; d++) if (!reduced[d]) key = key * shape[d] + (i / stride[d]) % shape[d];
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
    }
    for (List<Integer> idx : groups.values()) {
      double[] vals = new double[idx.size()];
      int[] at = new int[idx.size()];
      for (int k = 0; k < at.length; k++) {
        at[k] = idx.get(k);
        vals[k] = v[at[k]];
      }
      g.apply(vals, at);
    }
  }

  /** numpy's default (linear) percentile. */
  static double percentile(double[] values, double p) {
    double[] s = values.clone();
    Arrays.sort(s);
    double pos = p / 100 * (s.length - 1);
    int lo = (int) Math.floor(pos), hi = (int) Math.ceil(pos);
    return s[lo] + (s[hi] - s[lo]) * (pos - lo);
  }
}
