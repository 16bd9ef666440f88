package org.mflag.loss;

import org.mflag.config.Choices;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * M-FLAG's training objective, as in the official code (MFLAG.md, "Losses"):
 *
 * <pre>
 * x^ = x/||x||, y^ = y/||y||                     x, y: projected image and report, [B, 1024]
 * L_align = mean_i ( 4 - 4 &lt;x^_i, y^_i&gt; )           no temperature, no negatives
 * G = E^T E / B                                    E: pooled image features img_emb, [B, D]
 * L_orth = ( sum_i (G_ii - 1)^2 + 0.0051 sum_{i != j} G_ij^2 ) / 2
 * L = L_align + lambda L_orth
 * </pre>
 *
 * <p>{@link OrthVariant#OFFICIAL} uses E as it comes out of the encoder (neither centred nor
 * normalised, so L_orth depends on the features' scale). {@link OrthVariant#NORMALIZED} first
 * standardises each column of E over the batch (mean 0, variance 1 with eps 1e-5, as Barlow Twins'
 * affine-free batch norm does), so that G is a correlation matrix. Which one was used is recorded
 * in the model metadata.</p>
 *
 * <p><b>Our option, not the paper's</b>: {@code lambda_contrastive > 0} adds a symmetric InfoNCE term (CLIP)
 * between the unit projections, {@code L_con = (mean_i CE(S_i, i) + mean_j CE(S^T_j, j)) / 2} with
 * {@code S = x^ y^T / temperature}: each image is also pushed away from the other reports of the batch. M-FLAG's
 * alignment has no negatives, which leaves report retrieval and zero-shot classification at chance on small data
 * (README, "Report retrieval"); the default 0 is the method as published. The term and its weight are recorded in
 * the package.</p>
 */
public final class MFlagLoss {

  /** Weight of the off-diagonal terms of the orthogonality loss (the official code's 0.0051). */
  public static final float OFF_DIAGONAL_WEIGHT = 0.0051f;
  /** Epsilon of the column standardisation in the normalised variant. */
  public static final float STANDARDISE_EPSILON = 1e-5f;
  /** Guard against division by zero in the row L2 normalisation (torch.nn.functional.normalize's eps). */
  public static final float L2_EPSILON = 1e-12f;

  /** How the pooled image features enter the orthogonality loss. */
  public enum OrthVariant {
    OFFICIAL, NORMALIZED;

    public String key() {
      return Choices.key(this);
    }

    public static OrthVariant fromKey(String key) {
      return Choices.parse(OrthVariant.class, "orth_variant", key);
    }

    public static String[] keys() {
      return Choices.keys(OrthVariant.class);
    }
  }

  /** The total loss and its two parts, as scalar operands. */
  public static final class Terms {
    public final Operand<TFloat32> total;
    public final Operand<TFloat32> align;
    public final Operand<TFloat32> orth;
    /** The contrastive term, or null when its weight is 0. */
    public final Operand<TFloat32> contrastive;

    Terms(Operand<TFloat32> total, Operand<TFloat32> align, Operand<TFloat32> orth, Operand<TFloat32> contrastive) {
      this.total = total;
      this.align = align;
      this.orth = orth;
      this.contrastive = contrastive;
    }
  }

  private final float lambda;
  private final OrthVariant variant;
  private final float lambdaContrastive;
  private final float temperature;

  /**
   * The loss with orthogonality weight {@code lambda} and the optional contrastive term of weight {@code lambdaContrastive}
   * at {@code temperature} (see the class comment); the keys of pre-training declare the defaults.
   */
  public MFlagLoss(float lambda, OrthVariant variant, float lambdaContrastive, float temperature) {
    if (!(lambda >= 0) || Float.isInfinite(lambda)) throw new IllegalArgumentException("lambda_orth must be finite and >= 0, got " + lambda);
    if (!(lambdaContrastive >= 0) || Float.isInfinite(lambdaContrastive)) {
      throw new IllegalArgumentException("lambda_contrastive must be finite and >= 0, got " + lambdaContrastive);
    }
    if (!(temperature > 0) || Float.isInfinite(temperature)) {
      throw new IllegalArgumentException("contrastive_temperature must be finite and > 0, got " + temperature);
    }
    this.lambda = lambda;
    this.variant = variant;
    this.lambdaContrastive = lambdaContrastive;
    this.temperature = temperature;
  }

  public float lambdaContrastive() {
    return lambdaContrastive;
  }

  public float temperature() {
    return temperature;
  }

  public float lambda() {
    return lambda;
  }

  public OrthVariant variant() {
    return variant;
  }

  /**
   * @param imageProjection x, [B, P]
   * @param textProjection y, [B, P]
   * @param imageEmbedding E, the encoder's pooled features, [B, D]
   */
  public Terms build(Ops tf, Operand<TFloat32> imageProjection, Operand<TFloat32> textProjection,
      Operand<TFloat32> imageEmbedding) {
    Operand<TFloat32> align = alignment(tf, imageProjection, textProjection);
    Operand<TFloat32> orth = orthogonality(tf, imageEmbedding, variant);
    Operand<TFloat32> total = tf.math.add(align, tf.math.mul(tf.constant(lambda), orth));
    Operand<TFloat32> contrastive = null;
    if (lambdaContrastive > 0) {
      contrastive = contrastive(tf, imageProjection, textProjection, temperature);
      total = tf.math.add(total, tf.math.mul(tf.constant(lambdaContrastive), contrastive));
    }
    return new Terms(total, align, orth, contrastive);
  }

  /**
   * Symmetric InfoNCE of the unit projections: {@code (mean_i lse_j S_ij + mean_j lse_i S_ij) / 2 - mean_i S_ii}
   * with {@code S = x^ y^T / t} (the cross-entropy of each row and each column against its diagonal).
   */
  public static Operand<TFloat32> contrastive(Ops tf, Operand<TFloat32> x, Operand<TFloat32> y, float t) {
    Operand<TFloat32> xn = l2Normalize(tf, x), yn = l2Normalize(tf, y);
    Operand<TFloat32> s = tf.math.div(tf.linalg.matMul(xn, yn, MatMul.transposeB(true)), tf.constant(t));
    Operand<TFloat32> positive = tf.math.div(tf.reduceSum(tf.math.mul(xn, yn), tf.constant(new int[] {1})), tf.constant(t));
    Operand<TFloat32> rows = logSumExp(tf, s, 1), cols = logSumExp(tf, s, 0);
    Operand<TInt32> all = tf.constant(0);
    return tf.math.sub(tf.math.mul(tf.constant(0.5f), tf.math.add(tf.math.mean(rows, all), tf.math.mean(cols, all))),
        tf.math.mean(positive, all));
  }

  /** log(sum(exp(s))) along {@code axis}, shifted by the maximum for stability. */
  private static Operand<TFloat32> logSumExp(Ops tf, Operand<TFloat32> s, int axis) {
    Operand<TInt32> a = tf.constant(new int[] {axis});
    Operand<TFloat32> m = tf.stopGradient(tf.reduceMax(s, a, org.tensorflow.op.core.ReduceMax.keepDims(true)));
    Operand<TFloat32> sum = tf.reduceSum(tf.math.exp(tf.math.sub(s, m)), a, ReduceSum.keepDims(true));
    return tf.reshape(tf.math.add(tf.math.log(sum), m), tf.constant(new int[] {-1}));
  }

  /** mean_i (4 - 4 cos(x_i, y_i)). */
  public static Operand<TFloat32> alignment(Ops tf, Operand<TFloat32> x, Operand<TFloat32> y) {
    Operand<TInt32> rows = tf.constant(new int[] {1});
    Operand<TFloat32> cos = tf.reduceSum(tf.math.mul(l2Normalize(tf, x), l2Normalize(tf, y)), rows);
    return tf.math.mean(tf.math.sub(tf.constant(4f), tf.math.mul(tf.constant(4f), cos)), tf.constant(0));
  }

  /** (sum_i (G_ii - 1)^2 + 0.0051 sum_{i != j} G_ij^2) / 2 with G = E^T E / B. */
  public static Operand<TFloat32> orthogonality(Ops tf, Operand<TFloat32> e, OrthVariant variant) {
    Operand<TInt32> batchAxis = tf.constant(new int[] {0});
    if (variant == OrthVariant.NORMALIZED) {
      Operand<TFloat32> centred = tf.math.sub(e, tf.math.mean(e, batchAxis));
      Operand<TFloat32> var = tf.math.mean(tf.math.square(centred), batchAxis);
      e = tf.math.mul(centred, tf.math.rsqrt(tf.math.add(var, tf.constant(STANDARDISE_EPSILON))));
    }
    // The batch size is data, not a function of the weights: no gradient flows through it.
    Operand<TFloat32> batch = tf.stopGradient(
        tf.dtypes.cast(tf.gather(tf.shape(e), tf.constant(0), tf.constant(0)), TFloat32.class));
    Operand<TFloat32> g = tf.math.div(tf.linalg.matMul(e, e, MatMul.transposeA(true)), batch);
    // G_ii = mean_b E_bi^2: the diagonal without a [D, D] mask.
    Operand<TFloat32> diag = tf.math.mean(tf.math.square(e), batchAxis);
    Operand<TFloat32> onDiag = tf.reduceSum(tf.math.square(tf.math.sub(diag, tf.constant(1f))), tf.constant(0));
    Operand<TFloat32> offDiag = tf.math.sub(tf.reduceSum(tf.math.square(g), tf.constant(new int[] {0, 1})),
        tf.reduceSum(tf.math.square(diag), tf.constant(0)));
    return tf.math.mul(tf.constant(0.5f), tf.math.add(onDiag, tf.math.mul(tf.constant(OFF_DIAGONAL_WEIGHT), offDiag)));
  }

  private static Operand<TFloat32> l2Normalize(Ops tf, Operand<TFloat32> x) {
    Operand<TFloat32> norm = tf.math.sqrt(tf.reduceSum(tf.math.square(x), tf.constant(new int[] {1}),
        ReduceSum.keepDims(true)));
    return tf.math.div(x, tf.math.maximum(norm, tf.constant(L2_EPSILON)));
  }
}
