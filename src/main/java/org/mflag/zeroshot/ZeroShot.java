package org.mflag.zeroshot;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mflag.config.Choices;
import org.mflag.model.ModelPackage;
import org.mflag.model.ModelPackageException;
import org.mflag.model.TextProjector;
import org.mflag.text.Report;
import org.mflag.text.ReportEmbedder;

/**
 * Zero-shot classification with a pre-trained package: the cosine similarity of an image's projection
 * and each prompt's projection (the frozen language model embeds the prompt, the package's text projector
 * maps it into the shared latent space), turned into class probabilities as {@link Prompts} describes:
 * pairs by a softmax over the positive and negative similarity, prompt sets by pooling each class's
 * similarities and a softmax over the classes. {@code temperature} divides the similarities first; it
 * changes how sure the probabilities look, never their order, so AUROC does not depend on it.
 */
public final class ZeroShot implements java.io.Serializable {

  private static final long serialVersionUID = 1L;

  /** How a class's prompts are pooled. */
  public enum Pooling {
    MEAN, MAX;

    public String key() {
      return Choices.key(this);
    }

    public static Pooling fromKey(String key) {
      return Choices.parse(Pooling.class, "pooling", key);
    }
  }

  private final Prompts prompts;
  private final Pooling pooling;
  private final double temperature;
  private final int dim;
  /** Unit projections by prompt text. */
  private final Map<String, float[]> unit = new HashMap<>();

  /** From the prompts' projections ({@code projections} [texts, dim], in {@link Prompts#texts} order). */
  public ZeroShot(Prompts prompts, float[] projections, int dim, Pooling pooling, double temperature) {
    if (!(temperature > 0)) throw new IllegalArgumentException("temperature=" + temperature + ": must be > 0");
    List<String> texts = prompts.texts();
    if (projections.length != texts.size() * dim) {
      throw new IllegalArgumentException(texts.size() + " prompt projections of " + dim + " values expected, got " + projections.length);
    }
    this.prompts = prompts;
    this.pooling = pooling;
    this.temperature = temperature;
    this.dim = dim;
    for (int i = 0; i < texts.size(); i++) unit.put(texts.get(i), unit(projections, i * dim, dim));
  }

  /**
   * Embeds the prompts with {@code languageModel} (which must be the package's: the projector was trained on its
   * vectors) and projects them with {@code projector}, the package's text projector (on either engine).
   */
  public static ZeroShot open(ModelPackage pkg, ReportEmbedder languageModel, TextProjector projector, Prompts prompts, Pooling pooling,
      double temperature) throws IOException, ModelPackageException {
    if (!pkg.textModelId().isEmpty() && !pkg.textModelId().equals(languageModel.modelId())) {
      throw new ModelPackageException(pkg.dir() + ": trained with the language model " + pkg.textModelId() + ", but the prompts would be"
          + " embedded with " + languageModel.modelId() + "; give the package's text_model");
    }
    List<String> texts = prompts.texts();
    List<Report> reports = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) reports.add(new Report("prompt" + i, texts.get(i)));
    Map<String, float[]> emb = languageModel.embed(reports);
    int d = languageModel.dimension();
    float[] all = new float[texts.size() * d];
    for (int i = 0; i < texts.size(); i++) System.arraycopy(emb.get("prompt" + i), 0, all, i * d, d);
    if (projector.dimension() != d) {
      throw new ModelPackageException(pkg.dir() + ": the text projector takes " + projector.dimension() + "-d embeddings, the language model gives " + d);
    }
    float[] proj = projector.project(all, texts.size());
    return new ZeroShot(prompts, proj, proj.length / texts.size(), pooling, temperature);
  }

  public List<String> classes() {
    return prompts.classes();
  }

  /** The prompts, pooling, temperature and a digest of the prompt projections: equal for equal zero-shot classifiers. */
  public String fingerprint() {
    java.security.MessageDigest sha = org.mflag.io.Hashing.newSha256();
    for (String t : prompts.texts()) {
      sha.update(t.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * dim);
      b.asFloatBuffer().put(unit.get(t));
      sha.update(b.array());
    }
    return prompts.describe() + " pooling=" + pooling.key() + " temperature=" + temperature + " sha256="
        + org.mflag.io.Hashing.hex(sha.digest()).substring(0, 16);
  }

  /** Whether each class is decided on its own (pairs) rather than one class per image (prompt sets). */
  public boolean multiLabel() {
    return prompts.pairs();
  }

  /** Class probabilities [n, classes] of n image projections [n, dim], concatenated. */
  public float[] probabilities(float[] imageProjections, int n) {
    if (imageProjections.length != n * dim) {
      throw new IllegalArgumentException(n + " image projections of " + dim + " values expected, got " + imageProjections.length
          + " (a package whose projection size differs from the prompts'?)");
    }
    List<Prompts.Entry> entries = prompts.entries();
    int c = entries.size();
    float[] out = new float[n * c];
    double[] z = new double[c];
    for (int i = 0; i < n; i++) {
      float[] img = unit(imageProjections, i * dim, dim);
      for (int k = 0; k < c; k++) {
        Prompts.Entry e = entries.get(k);
        double pos = pooled(img, e.positive) / temperature;
        if (prompts.pairs()) {
          double neg = pooled(img, e.negative) / temperature;
          out[i * c + k] = (float) (1 / (1 + Math.exp(neg - pos)));
        } else {
          z[k] = pos;
        }
      }
      if (!prompts.pairs()) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double v : z) max = Math.max(max, v);
        for (double v : z) sum += Math.exp(v - max);
        for (int k = 0; k < c; k++) out[i * c + k] = (float) (Math.exp(z[k] - max) / sum);
      }
    }
    return out;
  }

  /** The similarity of a unit image vector with each prompt, by class and prompt (for a table of similarities). */
  public Map<String, Double> similarities(float[] imageProjection) {
    float[] img = unit(imageProjection, 0, dim);
    Map<String, Double> out = new LinkedHashMap<>();
    for (String t : prompts.texts()) out.put(t, dot(img, unit.get(t)));
    return out;
  }

  private double pooled(float[] img, List<String> texts) {
    double acc = pooling == Pooling.MAX ? Double.NEGATIVE_INFINITY : 0;
    for (String t : texts) {
      double s = dot(img, unit.get(t));
      acc = pooling == Pooling.MAX ? Math.max(acc, s) : acc + s;
    }
    return pooling == Pooling.MAX ? acc : acc / texts.size();
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
    return s;
  }

  private static float[] unit(float[] v, int from, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += (double) v[from + i] * v[from + i];
    double norm = Math.sqrt(s);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) out[i] = norm == 0 ? 0f : (float) (v[from + i] / norm);
    return out;
  }
}
