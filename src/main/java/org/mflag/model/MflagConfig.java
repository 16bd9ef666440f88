package org.mflag.model;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.mflag.nn.Architecture;

/**
 * {@code config.mflag}: what this program needs of a package and what the run that wrote it decided. Components in
 * the order {@code rdf.yaml} has them ({@link RdfYaml} writes them so); every one but {@code task}, {@code encoder} and
 * {@code image_size} may be absent (null): an encoder package has no classes, a fine-tuned one no loss, and a package
 * from elsewhere may say less. {@link ModelPackage#open} checks the values it uses against their declarations.
 *
 * <ul>
 * <li>every package: {@code package_version}, {@code task} ({@code pretrain}, {@code segmentation},
 * {@code classification}, {@code detection}), {@code encoder}, {@code image_size}, {@code normalisation};</li>
 * <li>an encoder's: {@code stored_size}, {@code embedding_size}, {@code projection_size}, {@code text_dimension},
 * {@code text_signature}, {@code text_model};</li>
 * <li>a task head's: {@code classes}, {@code multi_label}, the recommended {@code threshold}, {@code confidence} and
 * {@code nms_iou}, the detector's {@code layout}, the {@code preprocessing} in words;</li>
 * <li>a fine-tuning run's: {@code encoder_model}, {@code freeze_encoder}, {@code fraction}, {@code training_images},
 * {@code training_split_images}, {@code best_epoch};</li>
 * <li>the run's: {@code loss}, {@code training} (its keys as given), {@code data}, {@code steps}, {@code final_loss},
 * {@code epoch_losses}, {@code validation_metrics} (a non-finite value null), {@code versions}.</li>
 * </ul>
 */
public final class MflagConfig extends RecordLike {

  private final Integer packageVersion;
  private final String task;
  private final Architecture encoder;
  private final int imageSize;
  private final String normalisation;
  private final Integer storedSize;
  private final Integer embeddingSize;
  private final Integer projectionSize;
  private final Integer textDimension;
  private final TextSignature textSignature;
  private final String textModel;
  private final List<String> classes;
  private final Boolean multiLabel;
  private final Double threshold;
  private final Double confidence;
  private final Double nmsIou;
  private final String layout;
  private final String preprocessing;
  private final String encoderModel;
  private final Boolean freezeEncoder;
  private final Double fraction;
  private final Integer trainingImages;
  private final Integer trainingSplitImages;
  private final Integer bestEpoch;
  private final Loss loss;
  private final Map<String, String> training;
  private final DataSource data;
  private final Long steps;
  private final LossParts finalLoss;
  private final List<Double> epochLosses;
  private final Map<String, Double> validationMetrics;
  private final Versions versions;

  private MflagConfig(Builder b) {
    packageVersion = b.packageVersion;
    task = Objects.requireNonNull(b.task, "task");
    encoder = Objects.requireNonNull(b.encoder, "encoder");
    imageSize = b.imageSize;
    normalisation = b.normalisation;
    storedSize = b.storedSize;
    embeddingSize = b.embeddingSize;
    projectionSize = b.projectionSize;
    textDimension = b.textDimension;
    textSignature = b.textSignature;
    textModel = b.textModel;
    classes = b.classes == null ? null : List.copyOf(b.classes);
    multiLabel = b.multiLabel;
    threshold = b.threshold;
    confidence = b.confidence;
    nmsIou = b.nmsIou;
    layout = b.layout;
    preprocessing = b.preprocessing;
    encoderModel = b.encoderModel;
    freezeEncoder = b.freezeEncoder;
    fraction = b.fraction;
    trainingImages = b.trainingImages;
    trainingSplitImages = b.trainingSplitImages;
    bestEpoch = b.bestEpoch;
    loss = b.loss;
    training = b.training == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(b.training));
    data = b.data;
    steps = b.steps;
    finalLoss = b.finalLoss;
    epochLosses = Rdf.listWithNulls(b.epochLosses);
    validationMetrics = b.validationMetrics == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(b.validationMetrics));
    versions = b.versions;
  }

  /** A config of {@code task} on {@code encoder} at {@code imageSize}; the rest is {@code opt...}. */
  public static Builder builder(String task, Architecture encoder, int imageSize) {
    return new Builder(task, encoder, imageSize);
  }

  /** A builder holding this config's values. */
  public Builder toBuilder() {
    Builder b = new Builder(task, encoder, imageSize);
    b.packageVersion = packageVersion;
    b.normalisation = normalisation;
    b.storedSize = storedSize;
    b.embeddingSize = embeddingSize;
    b.projectionSize = projectionSize;
    b.textDimension = textDimension;
    b.textSignature = textSignature;
    b.textModel = textModel;
    b.classes = classes;
    b.multiLabel = multiLabel;
    b.threshold = threshold;
    b.confidence = confidence;
    b.nmsIou = nmsIou;
    b.layout = layout;
    b.preprocessing = preprocessing;
    b.encoderModel = encoderModel;
    b.freezeEncoder = freezeEncoder;
    b.fraction = fraction;
    b.trainingImages = trainingImages;
    b.trainingSplitImages = trainingSplitImages;
    b.bestEpoch = bestEpoch;
    b.loss = loss;
    b.training = training;
    b.data = data;
    b.steps = steps;
    b.finalLoss = finalLoss;
    b.epochLosses = epochLosses;
    b.validationMetrics = validationMetrics;
    b.versions = versions;
    return b;
  }

  public Integer packageVersion() { return packageVersion; }
  public String task() { return task; }
  public Architecture encoder() { return encoder; }
  public int imageSize() { return imageSize; }
  public String normalisation() { return normalisation; }
  public Integer storedSize() { return storedSize; }
  public Integer embeddingSize() { return embeddingSize; }
  public Integer projectionSize() { return projectionSize; }
  public Integer textDimension() { return textDimension; }
  public TextSignature textSignature() { return textSignature; }
  public String textModel() { return textModel; }
  public List<String> classes() { return classes; }
  public Boolean multiLabel() { return multiLabel; }
  public Double threshold() { return threshold; }
  public Double confidence() { return confidence; }
  public Double nmsIou() { return nmsIou; }
  public String layout() { return layout; }
  public String preprocessing() { return preprocessing; }
  public String encoderModel() { return encoderModel; }
  public Boolean freezeEncoder() { return freezeEncoder; }
  public Double fraction() { return fraction; }
  public Integer trainingImages() { return trainingImages; }
  public Integer trainingSplitImages() { return trainingSplitImages; }
  public Integer bestEpoch() { return bestEpoch; }
  public Loss loss() { return loss; }
  public Map<String, String> training() { return training; }
  public DataSource data() { return data; }
  public Long steps() { return steps; }
  public LossParts finalLoss() { return finalLoss; }
  public List<Double> epochLosses() { return epochLosses; }
  public Map<String, Double> validationMetrics() { return validationMetrics; }
  public Versions versions() { return versions; }

  @Override
  List<Object> components() {
    return Arrays.asList(packageVersion, task, encoder, imageSize, normalisation, storedSize, embeddingSize, projectionSize, textDimension, textSignature, textModel, classes, multiLabel, threshold, confidence, nmsIou, layout, preprocessing, encoderModel, freezeEncoder, fraction, trainingImages, trainingSplitImages, bestEpoch, loss, training, data, steps, finalLoss, epochLosses, validationMetrics, versions);
  }

  /**
   * {@code text_signature}: the SavedModel signature that projects report embeddings, its input and its output, and
   * the same projector as an ONNX model ({@code onnx}: source and sha256; null in packages written before ONNX weights).
   */
  public static final class TextSignature extends RecordLike {
    private final String key;
    private final String input;
    private final String output;
    private final Rdf.FileRef onnx;

    public TextSignature(String key, String input, String output) {
      this(key, input, output, null);
    }

    public TextSignature(String key, String input, String output, Rdf.FileRef onnx) {
      this.key = key;
      this.input = input;
      this.output = output;
      this.onnx = onnx;
    }

    public String key() { return key; }
    public String input() { return input; }
    public String output() { return output; }
    public Rdf.FileRef onnx() { return onnx; }

    /** This signature with its ONNX model. */
    public TextSignature withOnnx(Rdf.FileRef file) {
      return new TextSignature(key, input, output, file);
    }

    @Override
    List<Object> components() {
      return Arrays.asList(key, input, output, onnx);
    }
  }

  /**
   * {@code loss}: its {@code name}, {@code lambda_orth}, {@code orth_variant}, {@code off_diagonal_weight}, and the
   * optional contrastive term's {@code lambda_contrastive} and {@code contrastive_temperature} (null when not used).
   */
  public static final class Loss extends RecordLike {
    private final String name;
    private final Double lambdaOrth;
    private final String orthVariant;
    private final Double offDiagonalWeight;
    private final Double lambdaContrastive;
    private final Double contrastiveTemperature;

    public Loss(String name, Double lambdaOrth, String orthVariant, Double offDiagonalWeight, Double lambdaContrastive,
        Double contrastiveTemperature) {
      this.name = name;
      this.lambdaOrth = lambdaOrth;
      this.orthVariant = orthVariant;
      this.offDiagonalWeight = offDiagonalWeight;
      this.lambdaContrastive = lambdaContrastive;
      this.contrastiveTemperature = contrastiveTemperature;
    }

    public String name() { return name; }
    public Double lambdaOrth() { return lambdaOrth; }
    public String orthVariant() { return orthVariant; }
    public Double offDiagonalWeight() { return offDiagonalWeight; }
    public Double lambdaContrastive() { return lambdaContrastive; }
    public Double contrastiveTemperature() { return contrastiveTemperature; }

    @Override
    List<Object> components() {
      return Arrays.asList(name, lambdaOrth, orthVariant, offDiagonalWeight, lambdaContrastive, contrastiveTemperature);
    }
  }

  /** {@code final_loss}: the last step's {@code total}, {@code align} and {@code orth} loss. */
  public static final class LossParts extends RecordLike {
    private final Double total;
    private final Double align;
    private final Double orth;

    public LossParts(Double total, Double align, Double orth) {
      this.total = total;
      this.align = align;
      this.orth = orth;
    }

    public Double total() { return total; }
    public Double align() { return align; }
    public Double orth() { return orth; }

    @Override
    List<Object> components() {
      return Arrays.asList(total, align, orth);
    }
  }

  /**
   * {@code data}: the manifest's file name and {@code manifest_sha256}, the image-report {@code pairs} of a pre-training
   * run, and a fine-tuning run's {@code split_file} (checked against its hash when the package is opened).
   */
  public static final class DataSource extends RecordLike {
    private final String manifest;
    private final String manifestSha256;
    private final Integer pairs;
    private final Rdf.FileRef splitFile;

    public DataSource(String manifest, String manifestSha256, Integer pairs, Rdf.FileRef splitFile) {
      this.manifest = manifest;
      this.manifestSha256 = manifestSha256;
      this.pairs = pairs;
      this.splitFile = splitFile;
    }

    public String manifest() { return manifest; }
    public String manifestSha256() { return manifestSha256; }
    public Integer pairs() { return pairs; }
    public Rdf.FileRef splitFile() { return splitFile; }

    @Override
    List<Object> components() {
      return Arrays.asList(manifest, manifestSha256, pairs, splitFile);
    }
  }

  /** {@code versions}: of this program ({@code mflag}), {@code tensorflow}, {@code djl} and {@code java}. */
  public static final class Versions extends RecordLike {
    private final String mflag;
    private final String tensorflow;
    private final String djl;
    private final String java;

    public Versions(String mflag, String tensorflow, String djl, String java) {
      this.mflag = mflag;
      this.tensorflow = tensorflow;
      this.djl = djl;
      this.java = java;
    }

    public String mflag() { return mflag; }
    public String tensorflow() { return tensorflow; }
    public String djl() { return djl; }
    public String java() { return java; }

    @Override
    List<Object> components() {
      return Arrays.asList(mflag, tensorflow, djl, java);
    }
  }

  /** A {@link MflagConfig}: {@code task}, {@code encoder} and {@code image_size} given, the rest {@code opt...}. */
  public static final class Builder {
    private Integer packageVersion;
    private final String task;
    private final Architecture encoder;
    private final int imageSize;
    private String normalisation;
    private Integer storedSize;
    private Integer embeddingSize;
    private Integer projectionSize;
    private Integer textDimension;
    private TextSignature textSignature;
    private String textModel;
    private List<String> classes;
    private Boolean multiLabel;
    private Double threshold;
    private Double confidence;
    private Double nmsIou;
    private String layout;
    private String preprocessing;
    private String encoderModel;
    private Boolean freezeEncoder;
    private Double fraction;
    private Integer trainingImages;
    private Integer trainingSplitImages;
    private Integer bestEpoch;
    private Loss loss;
    private Map<String, String> training;
    private DataSource data;
    private Long steps;
    private LossParts finalLoss;
    private List<Double> epochLosses;
    private Map<String, Double> validationMetrics;
    private Versions versions;

    private Builder(String task, Architecture encoder, int imageSize) {
      this.task = task;
      this.encoder = encoder;
      this.imageSize = imageSize;
    }

    public Builder optPackageVersion(Integer v) { packageVersion = v; return this; }
    public Builder optNormalisation(String v) { normalisation = v; return this; }

    /** The encoder's sizes: images stored at, pooled features, projection, report embeddings. */
    public Builder optSizes(Integer stored, Integer embedding, Integer projection, Integer text) {
      storedSize = stored;
      embeddingSize = embedding;
      projectionSize = projection;
      textDimension = text;
      return this;
    }

    public Builder optTextSignature(TextSignature v) { textSignature = v; return this; }
    public Builder optTextModel(String v) { textModel = v; return this; }

    /** The classes in output order, and whether an image may have several. */
    public Builder optClasses(List<String> v, Boolean multi) {
      classes = v;
      multiLabel = multi;
      return this;
    }

    /** The segmentation threshold the package recommends. */
    public Builder optThreshold(Double v) { threshold = v; return this; }

    /** The detector's recommended confidence and NMS IoU. */
    public Builder optDetection(Double conf, Double iou) {
      confidence = conf;
      nmsIou = iou;
      return this;
    }

    public Builder optLayout(String v) { layout = v; return this; }
    public Builder optPreprocessing(String v) { preprocessing = v; return this; }

    /** Where the encoder came from ({@code encoder_model}) and whether it stayed frozen. */
    public Builder optEncoderModel(String v, Boolean frozen) {
      encoderModel = v;
      freezeEncoder = frozen;
      return this;
    }

    public Builder optFraction(Double v) { fraction = v; return this; }

    /** The labelled images trained on, and those of the train split before {@code fraction} was drawn. */
    public Builder optTrainingImages(Integer images, Integer splitImages) {
      trainingImages = images;
      trainingSplitImages = splitImages;
      return this;
    }

    public Builder optBestEpoch(Integer v) { bestEpoch = v; return this; }
    public Builder optLoss(Loss v) { loss = v; return this; }

    /** The run's keys as given. */
    public Builder optTraining(Map<String, String> v) { training = v; return this; }

    public Builder optData(DataSource v) { data = v; return this; }
    public Builder optSteps(Long v) { steps = v; return this; }
    public Builder optFinalLoss(LossParts v) { finalLoss = v; return this; }
    public Builder optEpochLosses(List<Double> v) { epochLosses = v; return this; }

    /** The validation metrics by name, a non-finite one null. */
    public Builder optValidationMetrics(Map<String, Double> v) { validationMetrics = v; return this; }

    public Builder optVersions(Versions v) { versions = v; return this; }

    public MflagConfig build() {
      return new MflagConfig(this);
    }
  }
}
