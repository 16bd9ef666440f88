package org.mflag.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.mflag.config.Key;
import org.mflag.io.Archives;
import org.mflag.io.Folders;
import org.mflag.io.Hashing;
import org.mflag.io.NdArray;
import org.mflag.io.Npy;
import org.mflag.nn.Architecture;
import org.mflag.onnx.OnnxExport;
import org.mflag.onnx.OnnxModel;
import org.mflag.runtime.Devices;
import org.mflag.runtime.TensorFlowRuntime;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;

/**
 * A model on disk: a folder with a bioimage.io model description ({@code rdf.yaml}, format 0.5),
 * the TensorFlow SavedModel zipped as {@code saved_model.zip}, and test tensors.
 *
 * <pre>
 * rdf.yaml                     bioimage.io description; config.mflag holds what this project needs
 * saved_model.zip              SavedModel (tag serve): serving_default (image) and text signatures
 * test_input.npy               [1, size, size, 1] raw test image, grey values 0..255
 * test_output_embedding.npy    [1, D] pooled encoder features
 * test_output_projection.npy   [1, 1024] image projection
 * sample_input.png             the test image as a PNG
 * cover.png                    the input beside what the model makes of it
 * README.md                    usage and validation
 * </pre>
 *
 * <p>The description is {@link Rdf} (with {@link MflagConfig} as {@code config.mflag}); {@link RdfYaml} writes it as
 * YAML and reads it back. {@link #open} checks the description (format version, weights entry, sha256 of every file it
 * names, tensor shapes) before anything is loaded and names the file and field that is wrong.</p>
 */
public final class ModelPackage {

  public static final String RDF = "rdf.yaml";
  public static final String WEIGHTS = "saved_model.zip";
  public static final String FORMAT_VERSION = "0.5.4";
  public static final String TEST_INPUT = "test_input.npy";
  public static final String TEST_EMBEDDING = "test_output_embedding.npy";
  public static final String TEST_PROJECTION = "test_output_projection.npy";
  /** The raw test input as an image (bioimage.io's sample tensor; deepImageJ users open it to try the model). */
  public static final String SAMPLE_INPUT = "sample_input.png";
  public static final String COVER = "cover.png";
  /** The id of an index axis: {@code i}, which bioimage.io reads as {@code index} and JDLL needs as one letter. */
  public static final String INDEX_AXIS = "i";
  /** The task of a pre-trained encoder package. */
  public static final String PRETRAIN = "pretrain";
  static final String GIT_REPO = "https://github.com/mflag-fiji/mflag-fiji";
  static final String CITATION = "Liu C, Cheng S, Chen C, Qiao M, Zhang W, Shah A, Bai W, Arcucci R. M-FLAG: Medical "
      + "Vision-Language Pre-training with Frozen Language Models and Latent Space Geometry Optimization. MICCAI 2023.";
  static final String CITATION_URL = "https://arxiv.org/abs/2307.08347";
  /** {@code config.mflag.package_version} of what {@link #export} writes. */
  static final int PACKAGE_VERSION = 1;
  static final String NORMALISATION = "v / 127.5 - 1 on 0..255 values (Normalize(mean 0.5, std 0.5) after ToTensor)";

  /**
   * What {@link #export} writes, besides the weights and tensors: the name, description, licence, tags, people, cover
   * (a PNG, 2:1: the input and what the model makes of it; null for none), training data, the README's usage and
   * validation sections, and {@code config.mflag} (whose task, encoder and image size are the package's).
   */
  public static final class Description extends RecordLike {
    private final String name;
    private final String description;
    private final String license;
    private final List<String> tags;
    private final String usage;
    private final List<Rdf.Author> authors;
    private final List<Rdf.Author> maintainers;
    private final byte[] cover;
    private final Rdf.Dataset trainingData;
    private final String validation;
    private final MflagConfig config;

    private Description(Builder b) {
      name = Objects.requireNonNull(b.name, "name");
      description = Objects.requireNonNull(b.description, "description");
      license = Objects.requireNonNull(b.license, "license");
      tags = List.copyOf(b.tags);
      usage = Objects.requireNonNull(b.usage, "usage");
      authors = List.copyOf(b.authors);
      maintainers = List.copyOf(b.maintainers);
      cover = b.cover == null ? null : b.cover.clone();
      trainingData = b.trainingData;
      validation = Objects.requireNonNull(b.validation, "validation");
      config = Objects.requireNonNull(b.config, "config");
    }

    public static Builder builder() {
      return new Builder();
    }

    /** A builder holding this description's values. */
    public Builder toBuilder() {
      return new Builder().setName(name).setDescription(description).setConfig(config).optLicense(license).optTags(tags).optUsage(usage)
          .optAuthors(authors).optMaintainers(maintainers).optCover(cover).optTrainingData(trainingData).optValidation(validation);
    }

    public String name() { return name; }
    public String description() { return description; }
    public String license() { return license; }
    public List<String> tags() { return tags; }
    public String usage() { return usage; }
    public List<Rdf.Author> authors() { return authors; }
    public List<Rdf.Author> maintainers() { return maintainers; }
    /** The cover PNG (a copy), or null. */
    public byte[] cover() { return cover == null ? null : cover.clone(); }
    public Rdf.Dataset trainingData() { return trainingData; }
    public String validation() { return validation; }
    public MflagConfig config() { return config; }

    @Override
    List<Object> components() {
      return Arrays.asList(name, description, license, tags, usage, authors, maintainers, cover == null ? null : ByteBuffer.wrap(cover),
          trainingData, validation, config);
    }

    /**
     * A {@link Description}: name, description and config required; by default licence CC-BY-NC-SA-4.0, tags
     * {@code chest-x-ray, m-flag, tensorflow}, author "M-FLAG for Fiji", no maintainer, cover or training data.
     */
    public static final class Builder {
      private String name;
      private String description;
      private MflagConfig config;
      private String license = "CC-BY-NC-SA-4.0";
      private List<String> tags = List.of("chest-x-ray", "m-flag", "tensorflow");
      private String usage = "";
      private List<Rdf.Author> authors = List.of(Rdf.Author.named("M-FLAG for Fiji"));
      private List<Rdf.Author> maintainers = List.of();
      private byte[] cover;
      private Rdf.Dataset trainingData;
      private String validation = "";

      private Builder() {}

      public Builder setName(String v) { name = v; return this; }
      public Builder setDescription(String v) { description = v; return this; }

      /** {@code config.mflag}: the task, encoder and image size, and what the run records. */
      public Builder setConfig(MflagConfig v) { config = v; return this; }

      public Builder optLicense(String v) { license = v; return this; }
      public Builder optTags(List<String> v) { tags = v; return this; }

      /** How to use the outputs, for the package's README. */
      public Builder optUsage(String v) { usage = v; return this; }

      /** bioimage.io authors (each a name, optional affiliation, ORCID iD, GitHub account). */
      public Builder optAuthors(List<Rdf.Author> v) { authors = v; return this; }

      /** bioimage.io maintainers (each with a GitHub account); empty when nobody gave one. */
      public Builder optMaintainers(List<Rdf.Author> v) { maintainers = v; return this; }

      public Builder optCover(byte[] v) { cover = v; return this; }

      /** The training data as a bioimage.io dataset description ({@link ModelPackage#trainingData}). */
      public Builder optTrainingData(Rdf.Dataset v) { trainingData = v; return this; }

      /** The "Validation" section of the package's README: how the model was checked, with figures. */
      public Builder optValidation(String v) { validation = v; return this; }

      public Description build() {
        return new Description(this);
      }
    }
  }

  /** The longest tensor description bioimage.io's validator accepts (a longer one fails the whole package). */
  static final int MAX_TENSOR_DESCRIPTION = 128;

  /**
   * One input or output of a package to write: bioimage.io axes, a test tensor, pre- or postprocessing steps and the
   * values' range {@code [min, max]} (an open end null; null when not stated).
   */
  public static final class TensorSpec extends RecordLike {
    private final String id;
    private final String description;
    private final List<Rdf.Axis> axes;
    private final NdArray test;
    private final List<Processing.Step> processing;
    private final List<Double> range;

    public TensorSpec(String id, String description, List<Rdf.Axis> axes, NdArray test, List<Processing.Step> processing,
        List<Double> range) {
      if (description.length() > MAX_TENSOR_DESCRIPTION) {
        throw new IllegalArgumentException("tensor " + id + ": bioimage.io allows " + MAX_TENSOR_DESCRIPTION
            + " characters of description, not " + description.length() + ": " + description);
      }
      this.id = Objects.requireNonNull(id, "id");
      this.description = description;
      this.axes = List.copyOf(axes);
      this.test = Objects.requireNonNull(test, "test");
      this.processing = List.copyOf(processing);
      this.range = Rdf.listWithNulls(range);
    }

    public TensorSpec(String id, String description, List<Rdf.Axis> axes, NdArray test, List<Processing.Step> processing) {
      this(id, description, axes, test, processing, null);
    }

    public String id() { return id; }
    public String description() { return description; }
    public List<Rdf.Axis> axes() { return axes; }
    public NdArray test() { return test; }
    public List<Processing.Step> processing() { return processing; }
    public List<Double> range() { return range; }

    /** The axis ids as bioimage.io reads them ({@link Rdf.Axis#bioimageioId}). */
    public List<String> axisIds() {
      return Rdf.Axis.ids(axes);
    }

    /** The test tensor after the declared preprocessing: what the network is given. */
    public float[] networkInput() {
      return Processing.apply(processing, test, axisIds()).data();
    }

    @Override
    List<Object> components() {
      return Arrays.asList(id, description, axes, test, processing, range);
    }
  }

  /**
   * The input of every package here: one grey image [batch, y, x, grey] of {@code size x size}, float32,
   * with grey values 0..255 (the raw test input holds such values). The declared preprocessing is the
   * network's normalisation {@code v / 127.5 - 1} written as bioimage.io's {@code scale_linear}, so
   * bioimage.io's test, deepImageJ and JDLL feed the network exactly what it was trained on; the
   * steps before (crop, stretch to 0..255, resize), which the spec's operators cannot express, are
   * described in {@code description}.
   */
  public static TensorSpec imageInput(int size, NdArray test, String description) {
    List<Processing.Step> pre = List.of(Processing.Step.of("scale_linear", "gain", 1 / 127.5, "offset", -1.0));
    return new TensorSpec(EncoderGraph.INPUT_IMAGE, description, List.of(Rdf.Axis.batch(), Rdf.Axis.space("y", size),
        Rdf.Axis.space("x", size), Rdf.Axis.channel(List.of("grey"))), test, pre, Arrays.asList(0.0, 255.0));
  }

  /**
   * Writes the pre-trained encoder's package into {@code dir}: the inference graph of {@link EncoderGraph}
   * with its two signatures ({@code serving_default} for images, {@code text} for reports).
   */
  public static void export(Path dir, Description d, int storedSize, int textDimension, Map<String, float[]> weights,
      float[] testImage, String tfVersion) throws IOException {
    Architecture arch = d.config().encoder();
    int size = d.config().imageSize();
    try (EncoderGraph g = new EncoderGraph(arch, size, textDimension, weights)) {
      TensorSpec input = imageInput(size, new NdArray(testImage, 1, size, size, 1),
          "grey chest X-ray cropped to its non-zero bounding box, stretched to 0..255, resized to " + storedSize
              + " and centre-cropped to " + size);
      float[][] out = g.images(input.networkInput(), 1);
      MflagConfig config = d.config().toBuilder().optSizes(storedSize, out[0].length, out[1].length, textDimension)
          .optTextSignature(new MflagConfig.TextSignature(EncoderGraph.TEXT_SIGNATURE, EncoderGraph.INPUT_TEXT, EncoderGraph.OUTPUT_PROJECTION))
          .build();
      Description.Builder b = d.toBuilder().setConfig(config).optTags(List.of("x-ray", "chest-x-ray", "2d", "lungs", "tensorflow", "fiji",
          "deepimagej", "resnet", "vision-language", "m-flag", "pre-training", "feature-extraction"))
          .optUsage("Outputs: `embedding` (pooled " + arch.key() + " features) and `projection` (M-FLAG image projection).\n"
              + "The `text` signature projects frozen language-model report embeddings into the same space.\n");
      if (d.cover() == null) b.optCover(org.mflag.report.CoverImage.encoder(testImage, size, out[1]));
      List<TensorSpec> outputs = List.of(
          new TensorSpec(EncoderGraph.OUTPUT_EMBEDDING, "pooled image encoder features (img_emb)", featureAxes(out[0].length),
              new NdArray(out[0], 1, out[0].length), List.of()),
          new TensorSpec(EncoderGraph.OUTPUT_PROJECTION, "image projector output, comparable with the text projection",
              featureAxes(out[1].length), new NdArray(out[1], 1, out[1].length), List.of()));
      export(dir, b.build(), g.session(), List.of(g.imageSignature(), g.textSignature()), input, outputs, tfVersion);
    }
  }

  private static List<Rdf.Axis> featureAxes(int size) {
    return List.of(Rdf.Axis.batch(), Rdf.Axis.index(INDEX_AXIS, size));
  }

  /**
   * Writes a package into {@code dir} (created if needed) from a live session and its signatures.
   * Files are written under temporary names and renamed; {@code rdf.yaml} comes last, so a folder with
   * a descriptor is always complete.
   */
  public static void export(Path dir, Description d, org.tensorflow.Session session, List<org.tensorflow.Signature> signatures,
      TensorSpec input, List<TensorSpec> outputs, String tfVersion) throws IOException {
    Files.createDirectories(dir);
    Path work = Files.createTempDirectory(dir, ".export-");
    try {
      Path saved = work.resolve("saved_model");
      SessionFunction[] functions = new SessionFunction[signatures.size()];
      for (int i = 0; i < functions.length; i++) functions[i] = SessionFunction.create(signatures.get(i), session);
      SavedModelBundle.exporter(saved.toString()).withFunctions(functions).export();
      // the same network as ONNX, from the SavedModel's graph and the session's variables
      org.tensorflow.proto.MetaGraphDef meta = OnnxWeights.metaGraph(saved);
      Map<String, float[]> variables = OnnxWeights.read(session, OnnxWeights.variableNames(meta.getGraphDef()));
      List<OnnxExport.Port> ins = List.of(OnnxWeights.port(input.id(), input.id(), input.axes())), outs = new ArrayList<>();
      for (TensorSpec o : outputs) outs.add(OnnxWeights.port(o.id(), o.id(), o.axes()));
      OnnxWeights.write(meta, variables, org.tensorflow.Signature.DEFAULT_KEY, List.of(ins, outs), d.name(), work.resolve(OnnxWeights.FILE));
      MflagConfig.TextSignature text = d.config().textSignature();
      if (text != null) {
        OnnxWeights.write(meta, variables, text.key(), OnnxWeights.textPorts(d.config()), d.name() + " (text projector)",
            work.resolve(OnnxWeights.TEXT_FILE));
      }
      Path zip = work.resolve(WEIGHTS);
      Archives.zip(saved, zip);
      int size = d.config().imageSize();
      Map<String, byte[]> files = new LinkedHashMap<>();
      files.put(TEST_INPUT, Npy.toBytes(input.test()));
      for (TensorSpec o : outputs) files.put(testOutputFile(o.id()), Npy.toBytes(o.test()));
      files.put(SAMPLE_INPUT, org.mflag.report.CoverImage.greyPng(input.test().data(), size, size));
      for (TensorSpec o : outputs) {
        long[] plane = samplePlane(o.test().shape());
        files.put(sampleOutputFile(o.id()), org.mflag.report.CoverImage.floatTiff(o.test().data(), (int) plane[1], (int) plane[0]));
      }
      if (d.cover() != null) files.put(COVER, d.cover());
      files.put("README.md", readme(d).getBytes(StandardCharsets.UTF_8));
      for (String f : text == null ? List.of(WEIGHTS, OnnxWeights.FILE) : List.of(WEIGHTS, OnnxWeights.FILE, OnnxWeights.TEXT_FILE)) {
        Files.move(work.resolve(f), dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      }
      if (text != null) {
        d = d.toBuilder().setConfig(d.config().toBuilder().optTextSignature(text.withOnnx(fileRef(dir, OnnxWeights.TEXT_FILE))).build()).build();
      }
      for (Map.Entry<String, byte[]> f : files.entrySet()) Archives.writeAtomically(dir.resolve(f.getKey()), f.getValue());
      String yaml = RdfYaml.dump(describe(dir, d, input, outputs, tfVersion));
      Archives.writeAtomically(dir.resolve(RDF), yaml.getBytes(StandardCharsets.UTF_8));
    } finally {
      Archives.deleteTree(work);
    }
  }

  static String testOutputFile(String outputId) {
    return "test_output_" + outputId + ".npy";
  }

  /** The sample of an output: its test output as a float TIFF, the values exactly (bioimage.io reads it with imageio). */
  static String sampleOutputFile(String outputId) {
    return "sample_output_" + outputId + ".tif";
  }

  /**
   * A test tensor's shape as one image plane {@code {rows, columns}}: the batch axis and singleton axes dropped,
   * as bioimage.io squeezes a sample tensor before it compares its dimensions with the axes ({@code byxc} with one
   * channel is rows x columns, {@code bc} one row, {@code bic} a row per anchor).
   */
  static long[] samplePlane(long[] shape) {
    long[] kept = Arrays.stream(shape, 1, shape.length).filter(n -> n > 1).toArray();
    if (kept.length > 2) throw new IllegalArgumentException("a sample tensor of shape " + Arrays.toString(shape) + " is no image plane");
    return kept.length == 2 ? kept : new long[] {1, kept.length == 1 ? kept[0] : 1};
  }

  /** The description of the package whose files {@link #export} has written into {@code dir}. */
  private static Rdf describe(Path dir, Description d, TensorSpec input, List<TensorSpec> outputs, String tfVersion) throws IOException {
    List<Rdf.Tensor> outs = new ArrayList<>();
    for (TensorSpec o : outputs) outs.add(tensor(dir, o, testOutputFile(o.id()), sampleOutputFile(o.id())));
    String id = resourceId(d.name());
    // JDLL (deepImageJ's model runner) names a model by config.bioimageio.nickname when it has no id; deepImageJ
    // would cut a larger image into tiles of the input size, but the networks see the whole image at one scale
    Rdf.Config config = new Rdf.Config(id, false, d.config().toBuilder().optPackageVersion(PACKAGE_VERSION)
        .optNormalisation(NORMALISATION).build());
    return Rdf.builder().optId(id).optName(d.name()).optDescription(d.description())
        .optCovers(d.cover() == null ? List.of() : List.of(COVER)).optAuthors(d.authors()).optMaintainers(d.maintainers())
        .optCite(List.of(new Rdf.Cite(CITATION, CITATION_URL))).optLicense(d.license()).optGitRepo(GIT_REPO).optDocumentation("README.md")
        .optTags(d.tags())
        .optTimestamp(java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
            .format(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME))
        .optTrainingData(d.trainingData()).setInputs(List.of(tensor(dir, input, TEST_INPUT, SAMPLE_INPUT))).setOutputs(outs)
        .setWeights(Rdf.Weights.of(new Rdf.TensorflowSavedModelBundle(fileRef(dir, WEIGHTS), tfVersion),
            new Rdf.Onnx(fileRef(dir, OnnxWeights.FILE), OnnxExport.OPSET, Rdf.TensorflowSavedModelBundle.FORMAT))).setConfig(config).build();
  }

  private static Rdf.Tensor tensor(Path dir, TensorSpec t, String testFile, String sampleFile) throws IOException {
    Rdf.TensorData data = t.range() == null ? Rdf.TensorData.float32() : new Rdf.TensorData("float32", t.range());
    return new Rdf.Tensor(t.id(), t.description(), t.axes(), fileRef(dir, testFile), data, t.processing(), fileRef(dir, sampleFile));
  }

  private static Rdf.FileRef fileRef(Path dir, String name) throws IOException {
    return new Rdf.FileRef(name, Hashing.sha256(dir.resolve(name)));
  }

  private static String readme(Description d) {
    int size = d.config().imageSize();
    return "# " + d.name() + "\n\n" + d.description() + "\n\n"
        + "## Usage\n\nInput: one grey chest X-ray, " + size + "x" + size + ", with grey values 0..255 as `rdf.yaml`"
        + " describes; the declared preprocessing (`scale_linear`, `v / 127.5 - 1`) makes it what the network takes. `"
        + SAMPLE_INPUT + "` is such an input.\n" + d.usage()
        + "\n## Validation\n\n" + (d.validation().isEmpty() ? "" : d.validation().strip() + "\n\n")
        + "The test outputs are the SavedModel's outputs for `" + TEST_INPUT + "` after the declared preprocessing, computed when the"
        + " package was written; bioimage.io's test repeats that computation.\n"
        + "\nProduced by M-FLAG for Fiji (" + GIT_REPO + "). Cite: " + CITATION + " " + CITATION_URL + "\n";
  }

  /**
   * The training data as bioimage.io's nested dataset description (format 0.3.0): named after the model
   * ({@code name}'s characters are what the spec allows), described in words.
   */
  public static Rdf.Dataset trainingData(String modelName, String description) {
    return new Rdf.Dataset("0.3.0", "Training data of " + modelName, description.length() > 1000 ? description.substring(0, 1000) : description);
  }

  /** A bioimage.io resource id from a name: lower case, runs of other characters as single hyphens. */
  static String resourceId(String name) {
    String id = name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_.]+", "-").replaceAll("^-+|-+$", "");
    return id.isEmpty() ? "mflag-model" : id;
  }
  /** An rdf.yaml is a few kilobytes. */
  private static final long MAX_RDF_BYTES = 1 << 20;
  /** Unpacked weights unused this long are deleted from the cache. */
  private static final int CACHE_DAYS = 14;

  private final Path dir;
  private final Path rdfFile;
  private final Rdf rdf;
  /** The weights zip and the test tensors, as verified by {@link #open}: the files that are used. */
  private final Path weightsFile;
  private final String weightsSha256;
  private final Map<String, Path> testTensors = new LinkedHashMap<>();
  /** The rows per split a fine-tuning run used ({@code config.mflag.data.split_file}), verified; null when not recorded with a hash. */
  private Path splitFile;
  /** What the user named: the folder, or the {@code .zip} it was unpacked from. */
  private Path source;

  private ModelPackage(Path dir, Path rdfFile, Rdf rdf, Path weightsFile, String weightsSha256) {
    this.dir = dir;
    this.rdfFile = rdfFile;
    this.rdf = rdf;
    this.weightsFile = weightsFile;
    this.weightsSha256 = weightsSha256;
  }

  /**
   * Reads and verifies a package folder as a whole before anything in it is used; nothing heavy is
   * loaded. Checked: {@code rdf.yaml} (size, YAML, format version, type); every file it names that is
   * used (the weights zip, each test tensor) lies in the folder, is reached without a symbolic link and
   * matches its sha256; each test tensor's header and shape against its axes; and the values of
   * {@code config.mflag} that are used (task, encoder, sizes, classes, flags) against their allowed
   * ranges, the recommended threshold, confidence and NMS IoU as numbers ({@link #number} checks their
   * ranges). Every error names the file and the field. The structure is read by {@link RdfYaml#read}.
   */
  public static ModelPackage open(Path dir) throws ModelPackageException {
    if (Files.isRegularFile(dir) && dir.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".zip")) return openZip(dir);
    if (!Files.isDirectory(dir)) throw new ModelPackageException("model folder " + dir + " does not exist");
    Path rdfFile = dir.resolve(RDF);
    if (!Files.exists(rdfFile, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new ModelPackageException("model folder " + dir + ": no " + RDF + " (not a model package)");
    }
    try {
      Folders.insideWithoutLinks(dir, RDF);
      if (!Files.isRegularFile(rdfFile, java.nio.file.LinkOption.NOFOLLOW_LINKS)) throw new IOException("not a file");
      if (Files.size(rdfFile) > MAX_RDF_BYTES) throw new IOException("larger than " + (MAX_RDF_BYTES >> 10) + " KiB");
    } catch (IOException e) {
      throw new ModelPackageException(rdfFile + ": " + e.getMessage(), e);
    }
    Rdf rdf = RdfYaml.read(RdfYaml.load(rdfFile), rdfFile);
    Rdf.TensorflowSavedModelBundle bundle = rdf.weights().entry(Rdf.TensorflowSavedModelBundle.class).orElseThrow();
    Path weightsFile = checkFile(dir, bundle.file(), "weights." + bundle.format(), rdfFile);
    ModelPackage p = new ModelPackage(dir, rdfFile, rdf, weightsFile, bundle.file().sha256());
    MflagConfig.DataSource data = rdf.config().mflag().data();
    if (data != null && data.splitFile() != null) p.splitFile = checkFile(dir, data.splitFile(), "config.mflag.data.split_file", rdfFile);
    for (Rdf.Tensor t : rdf.inputs()) p.checkTensor(t, "inputs");
    for (Rdf.Tensor t : rdf.outputs()) p.checkTensor(t, "outputs");
    NdArray input = p.testInput();
    long[] shape = input.shape();
    if (shape.length != 4 || shape[1] != p.imageSize() || shape[2] != p.imageSize()) {
      throw new ModelPackageException(rdfFile + ": config.mflag.image_size is " + p.imageSize() + " but the test input has shape "
          + Arrays.toString(shape));
    }
    return p;
  }

  /**
   * A package as one {@code .zip} (what bioimage.io and deepImageJ take): unpacked once into the private cache,
   * keyed by the zip's hash, with the caps and checks of {@link Archives#unpackVerified}, then verified as a folder.
   */
  private static ModelPackage openZip(Path zip) throws ModelPackageException {
    Path folder;
    try {
      folder = Archives.unpackVerified(zip, Hashing.sha256(zip), unpackCache(), CACHE_DAYS, RDF);
    } catch (IOException e) {
      String m = e.getMessage() == null ? e.toString() : e.getMessage();
      throw new ModelPackageException(m.startsWith(zip.toString()) ? m : zip + ": cannot be unpacked (" + m + ")", e);
    }
    try {
      ModelPackage p = open(folder);
      p.source = zip;
      return p;
    } catch (ModelPackageException e) {
      throw new ModelPackageException(zip + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes this package as one {@code .zip}: {@code rdf.yaml} and every file it names (weights, test and sample
   * tensors, covers, documentation, split file), nothing else (no checkpoints, locks or evaluations); written
   * under a temporary name and renamed. The files are the ones {@link #open} verified.
   */
  public void writeZip(Path zipFile) throws IOException, ModelPackageException {
    java.util.SortedSet<String> names = new java.util.TreeSet<>(List.of(RDF, dir.relativize(weightsFile).toString()));
    for (Rdf.WeightsEntry w : rdf.weights().entries()) names.add(w.file().source());
    MflagConfig.TextSignature text = config().textSignature();
    if (text != null && text.onnx() != null) names.add(text.onnx().source());
    for (Path f : testTensors.values()) names.add(dir.relativize(f).toString());
    if (splitFile != null) names.add(dir.relativize(splitFile).toString());
    for (List<Rdf.Tensor> tensors : List.of(rdf.inputs(), rdf.outputs())) {
      for (Rdf.Tensor t : tensors) if (t.sampleTensor() != null) names.add(String.valueOf(t.sampleTensor().source()));
    }
    names.addAll(rdf.covers());
    if (rdf.documentation() != null) names.add(rdf.documentation());
    List<Path> files = new java.util.ArrayList<>();
    for (String n : names) {
      Path f = Folders.insideWithoutLinks(dir, n);
      if (!Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) throw new IOException(rdfFile + " names " + n + ", which is missing");
      files.add(f);
    }
    Archives.writeAtomically(zipFile, tmp -> Archives.zip(dir, files, tmp));
  }

  private void checkTensor(Rdf.Tensor t, String where) throws ModelPackageException {
    String field = where + "." + t.id() + ".test_tensor";
    Path file = checkFile(dir, t.testTensor(), field, rdfFile);
    NdArray a = readNpy(file);
    long[] shape = a.shape();
    if (t.axes().size() != shape.length) {
      throw new ModelPackageException(rdfFile + ": " + field + " has shape " + Arrays.toString(shape) + " but " + t.axes().size()
          + " axes are described");
    }
    for (int i = 0; i < shape.length; i++) {
      Long size = t.axes().get(i).expectedSize();
      if (size != null && size != shape[i]) {
        throw new ModelPackageException(rdfFile + ": " + field + " axis " + i + " has size " + shape[i] + ", rdf says " + size);
      }
    }
    if (testTensors.putIfAbsent(where + "." + t.id(), file) != null) {
      throw new ModelPackageException(rdfFile + ": two " + where + " have the id '" + t.id() + "'");
    }
  }

  /** The file a {@code source}/{@code sha256} pair names, checked: inside the folder, no links, a regular file, the hash. */
  private static Path checkFile(Path dir, Rdf.FileRef ref, String field, Path rdfFile) throws ModelPackageException {
    String source = ref.source();
    if (source == null) throw new ModelPackageException(rdfFile + ": " + field + ".source missing or not a file name");
    Path f;
    try {
      f = Folders.insideWithoutLinks(dir, source);
    } catch (IOException e) {
      throw new ModelPackageException(rdfFile + ": " + field + ".source: " + e.getMessage(), e);
    }
    if (!Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new ModelPackageException(rdfFile + ": " + field + " names " + source + ", which is missing");
    }
    String want = ref.sha256();
    if (want == null) throw new ModelPackageException(rdfFile + ": " + field + ".sha256 missing");
    String got;
    try {
      got = Hashing.sha256(f);
    } catch (IOException e) {
      throw new ModelPackageException(f + ": cannot be read (" + e.getMessage() + ")", e);
    }
    if (!got.equals(want)) {
      throw new ModelPackageException(f + ": sha256 " + got + " does not match " + field + ".sha256 " + want
          + " in " + rdfFile + " (file changed or damaged)");
    }
    return f;
  }

  static NdArray readNpy(Path f) throws ModelPackageException {
    try {
      return Npy.read(f);
    } catch (IOException e) {
      throw new ModelPackageException(e.getMessage().startsWith(f.toString()) ? e.getMessage() : f + ": " + e.getMessage(), e);
    }
  }

  /** The folder holding the package's files (for a {@code .zip}, its unpacked copy in the private cache). */
  public Path dir() {
    return dir;
  }

  /** What the user named: the package folder or its {@code .zip}. Results about the package go beside this. */
  public Path source() {
    return source == null ? dir : source;
  }

  public String task() {
    return config().task();
  }

  public Architecture architecture() {
    return config().encoder();
  }

  public int imageSize() {
    return config().imageSize();
  }

  /** The pooled encoder features' size ({@code config.mflag.embedding_size}, an encoder package's). */
  public int embeddingSize() {
    return config().embeddingSize();
  }

  /**
   * The split file a fine-tuned package records (which rows were train, val and test), checked against
   * its sha256 by {@link #open}; null when the package records none (an encoder, or a package written
   * before split files were hashed).
   */
  public Path splitFile() {
    return splitFile;
  }

  /** The description as read and checked by {@link #open}. */
  public Rdf rdf() {
    return rdf;
  }

  /** The {@code config.mflag} section as read. */
  public MflagConfig config() {
    return rdf.config().mflag();
  }

  /** The first input's test tensor, from the file {@link #open} verified. */
  public NdArray testInput() throws ModelPackageException {
    return readNpy(testTensors.entrySet().stream().filter(e -> e.getKey().startsWith("inputs.")).findFirst().get().getValue());
  }

  /**
   * {@code raw} (shaped like the first input) after that input's declared preprocessing, as bioimage.io's
   * tools compute it ({@link Processing}): what the network takes.
   *
   * @throws ModelPackageException naming rdf.yaml when the preprocessing uses an operator this program does not know
   */
  public NdArray preprocessed(NdArray raw) throws ModelPackageException {
    Rdf.Tensor in = rdf.inputs().get(0);
    TensorSpec spec = new TensorSpec(in.id(), "", in.axes(), raw, in.processing());
    try {
      return new NdArray(spec.networkInput(), raw.shape());
    } catch (RuntimeException e) {
      throw new ModelPackageException(rdfFile + ": inputs." + spec.id() + ".preprocessing: " + e.getMessage(), e);
    }
  }

  /** The test tensor of output {@code outputId}, from the file {@link #open} verified. */
  public NdArray testOutput(String outputId) throws ModelPackageException {
    Path f = testTensors.get("outputs." + outputId);
    if (f == null) throw new ModelPackageException(rdfFile + ": no output '" + outputId + "'");
    return readNpy(f);
  }

  /**
   * The SavedModel folder: the verified weights zip unpacked once per hash into a private cache,
   * {@code <tmp>/mflag-models-<user>/<sha256>} (a model folder inside Fiji may be read-only), hashed
   * again as it is unpacked; see {@link Archives#unpackVerified}.
   */
  public Path savedModelDir() throws ModelPackageException {
    try {
      return Archives.unpackVerified(weightsFile, weightsSha256, unpackCache(), CACHE_DAYS, "saved_model.pb");
    } catch (IOException e) {
      String m = e.getMessage() == null ? e.toString() : e.getMessage();
      throw new ModelPackageException(m.startsWith(weightsFile.toString()) ? m : weightsFile + ": cannot be unpacked (" + m + ")", e);
    }
  }

  /** Where weights are unpacked: private to this user; {@code mflag.cache} (a system property) moves it. */
  public static Path unpackCache() {
    String custom = System.getProperty("mflag.cache");
    if (custom != null && !custom.isBlank()) return Path.of(custom);
    String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
    return Path.of(System.getProperty("java.io.tmpdir"), "mflag-models-" + user);
  }

  /**
   * Every variable of the SavedModel by name (torchvision names for the encoder: {@code conv1.weight},
   * {@code layer1.0.bn1.running_mean}, ...), read through TensorFlow Java: how a fine-tuning run starts
   * from a pre-trained encoder.
   */
  public Map<String, float[]> weights() throws ModelPackageException {
    TensorFlowRuntime.ensureLoaded();
    Path saved = savedModelDir();
    try (SavedModelBundle b = SavedModelBundle.load(saved.toString(), "serve")) {
      List<String> names = new java.util.ArrayList<>();
      for (java.util.Iterator<org.tensorflow.GraphOperation> it = b.graph().operations(); it.hasNext(); ) {
        org.tensorflow.GraphOperation op = it.next();
        if (op.type().equals("VariableV2")) names.add(op.name());
      }
      if (names.isEmpty()) throw new ModelPackageException(dir.resolve(WEIGHTS) + ": the SavedModel holds no variables");
      return OnnxWeights.read(b.session(), names);
    } catch (RuntimeException e) {
      throw new ModelPackageException(dir.resolve(WEIGHTS) + ": cannot read its weights (" + e.getMessage() + ")", e);
    }
  }

  /** Whether the package carries ONNX weights ({@code weights.onnx} in {@code rdf.yaml}). */
  public boolean hasOnnx() {
    return rdf.weights().entry(Rdf.Onnx.class).isPresent();
  }

  /**
   * The package's ONNX model, verified before anything runs it: inside the folder, no links, its sha256, then
   * {@link OnnxModel#verify} (an ONNX model of the opset and the ops this program writes, weights inside, the inputs and
   * outputs {@code rdf.yaml} describes). Each refusal names the file and the reason.
   */
  public Path onnxFile() throws ModelPackageException {
    Rdf.Onnx onnx = rdf.weights().entry(Rdf.Onnx.class).orElseThrow(() -> new ModelPackageException(rdfFile
        + ": no ONNX weights (weights.onnx); the package was written before ONNX weights: add them with ./mflag export model=" + dir));
    if (onnx.opsetVersion() != OnnxExport.OPSET) {
      throw new ModelPackageException(rdfFile + ": weights.onnx.opset_version is " + onnx.opsetVersion() + "; this program runs opset " + OnnxExport.OPSET);
    }
    Path f = checkFile(dir, onnx.file(), "weights.onnx", rdfFile);
    List<List<OnnxExport.Port>> ports = OnnxWeights.ports(rdf);
    verifyOnnx(f, ports);
    return f;
  }

  /** An encoder package's text projector as ONNX ({@code config.mflag.text_signature.onnx}), verified as {@link #onnxFile}. */
  public Path textOnnxFile() throws ModelPackageException {
    MflagConfig.TextSignature s = config().textSignature();
    if (s == null) throw new ModelPackageException(rdfFile + ": config.mflag.text_signature missing (not a pre-trained encoder package)");
    if (s.onnx() == null) {
      throw new ModelPackageException(rdfFile + ": config.mflag.text_signature.onnx missing; the package was written before ONNX weights: add them with"
          + " ./mflag export model=" + dir);
    }
    Path f = checkFile(dir, s.onnx(), "config.mflag.text_signature.onnx", rdfFile);
    verifyOnnx(f, OnnxWeights.textPorts(config()));
    return f;
  }

  private static void verifyOnnx(Path f, List<List<OnnxExport.Port>> ports) throws ModelPackageException {
    try {
      OnnxModel.verify(f, ports.get(0), ports.get(1));
    } catch (org.mflag.onnx.OnnxException e) {
      throw new ModelPackageException(e.getMessage(), e);
    }
  }

  /**
   * Adds ONNX weights to a package written before them, converted from its SavedModel: the folder's {@code rdf.yaml}
   * gains {@code weights.onnx} (and an encoder's text signature its {@code onnx}), every other field kept as it is, once
   * ONNX Runtime has reproduced the package's test outputs from its test input ({@link #onnxMismatches}); otherwise the
   * new files are removed and nothing changes. Returns false when the package has ONNX weights already. A package
   * opened from a {@code .zip} is refused: give its folder.
   */
  public boolean addOnnx() throws ModelPackageException, IOException {
    if (hasOnnx()) return false;
    if (!Files.isDirectory(source())) throw new ModelPackageException(source() + ": ONNX weights are added to a package folder, not to a .zip");
    org.tensorflow.proto.MetaGraphDef meta = OnnxWeights.metaGraph(savedModelDir());
    Map<String, float[]> variables = weights();
    Path onnx = dir.resolve(OnnxWeights.FILE), textOnnx = dir.resolve(OnnxWeights.TEXT_FILE);
    MflagConfig.TextSignature text = config().textSignature();
    try {
      OnnxWeights.write(meta, variables, org.tensorflow.Signature.DEFAULT_KEY, OnnxWeights.ports(rdf), String.valueOf(rdf.name()), onnx);
      if (text != null) OnnxWeights.write(meta, variables, text.key(), OnnxWeights.textPorts(config()), rdf.name() + " (text projector)", textOnnx);
      List<String> bad = onnxMismatches(onnx);
      if (!bad.isEmpty()) throw new ModelPackageException(onnx + ": ONNX Runtime does not reproduce the package's test outputs: " + bad);
    } catch (IOException | ModelPackageException | RuntimeException e) {
      Files.deleteIfExists(onnx);
      Files.deleteIfExists(textOnnx);
      throw e;
    }
    Rdf.Onnx entry = new Rdf.Onnx(fileRef(dir, OnnxWeights.FILE), OnnxExport.OPSET, Rdf.TensorflowSavedModelBundle.FORMAT);
    byte[] yaml = RdfYaml.withOnnx(RdfYaml.load(rdfFile), entry, text == null ? null : fileRef(dir, OnnxWeights.TEXT_FILE))
        .getBytes(StandardCharsets.UTF_8);
    Archives.writeAtomically(rdfFile, yaml);
    return true;
  }

  /**
   * bioimage.io's reproducibility test of an ONNX model of this package: the declared preprocessing applied to the
   * test input, the model run by ONNX Runtime, every output compared with its test tensor ({@link #reproduces}). Empty
   * when all match; else one line per output that does not.
   */
  public List<String> onnxMismatches(Path onnx) throws ModelPackageException {
    NdArray x = preprocessed(testInput());
    List<String> bad = new ArrayList<>();
    try (org.mflag.onnx.OnnxSession s = org.mflag.onnx.OnnxSession.open(onnx, 0)) {
      Map<String, float[]> got = s.run(EncoderGraph.INPUT_IMAGE, x.data(), x.shape());
      for (Rdf.Tensor t : rdf.outputs()) {
        float[] want = testOutput(t.id()).data(), have = got.get(t.id());
        String why = have == null ? "missing" : reproduces(want, have);
        if (why != null) bad.add(t.id() + ": " + why);
      }
    } catch (org.mflag.onnx.OnnxException e) {
      throw new ModelPackageException(e.getMessage(), e);
    }
    return bad;
  }

  /**
   * bioimage.io's comparison of an output with its test tensor (bioimageio.core's defaults): an element mismatches when
   * {@code |got - want| > 1e-3 + 1e-3 |want|}, and at most 100 per million may. Null when {@code got} passes, else why not.
   */
  public static String reproduces(float[] want, float[] got) {
    if (want.length != got.length) return got.length + " values, the test tensor has " + want.length;
    int mismatched = 0;
    double worst = 0;
    for (int i = 0; i < want.length; i++) {
      double d = Math.abs(got[i] - want[i]);
      if (d > 1e-3 + 1e-3 * Math.abs(want[i])) mismatched++;
      worst = Math.max(worst, d);
    }
    return mismatched * 1e6 / want.length <= 100 ? null : mismatched + " of " + want.length + " elements mismatch (largest difference " + worst + ")";
  }

  /** Opens the text projector of a pre-trained encoder package ({@code text} signature) through DJL's TensorFlow engine. */
  public TextProjector textProjector() throws ModelPackageException {
    if (!PRETRAIN.equals(task())) throw new ModelPackageException(dir + ": a " + task() + " model; only a pre-trained encoder (pretrain) has a text projector");
    TensorFlowRuntime.ensureLoaded();
    return TextProjector.tensorflow(savedModelDir(), imageSize(), textDimension());
  }

  /** The text projector of a pre-trained encoder package as ONNX ({@link #textOnnxFile}, verified), run by ONNX Runtime. */
  public TextProjector onnxTextProjector() throws ModelPackageException {
    if (!PRETRAIN.equals(task())) throw new ModelPackageException(dir + ": a " + task() + " model; only a pre-trained encoder (pretrain) has a text projector");
    return TextProjector.onnxRuntime(textOnnxFile(), config().textSignature(), textDimension());
  }

  private int textDimension() {
    Integer text = config().textDimension();
    return text != null ? text : (int) RdfYaml.TEXT_DIMENSION.defaultNumber();
  }

  /** The frozen language model the package was trained with: its id ({@code config.mflag.text_model}). */
  public String textModelId() {
    String v = config().textModel();
    return v == null ? "" : v;
  }

  /** Opens the package's SavedModel through DJL's TensorFlow engine (any task). */
  public SavedModelPredictor savedModelPredictor() throws ModelPackageException {
    return savedModelPredictor(null);
  }

  /** As {@link #savedModelPredictor()}, computing on {@code devices} (DJL's default device when null). */
  public SavedModelPredictor savedModelPredictor(Devices.Plan devices) throws ModelPackageException {
    TensorFlowRuntime.ensureLoaded();
    return SavedModelPredictor.load(savedModelDir(), imageSize(), devices);
  }

  /** The classes of a fine-tuned package ({@code config.mflag.classes}), empty for an encoder. */
  public List<String> classes() {
    List<String> c = config().classes();
    return c == null ? new ArrayList<>() : new ArrayList<>(c);
  }

  public boolean multiLabel() {
    return Boolean.TRUE.equals(config().multiLabel());
  }

  /**
   * The value the package recommends for a launcher key ({@code config.mflag.threshold}, {@code confidence} or
   * {@code nms_iou}), checked against the key's declaration; the key's default when absent.
   *
   * @throws ModelPackageException naming {@code rdf.yaml} and the field when the value is not allowed
   * @throws IllegalArgumentException for a key the package records no recommendation of
   */
  public double number(Key key) throws ModelPackageException {
    MflagConfig c = config();
    Double v;
    switch (key.name()) {
      case "threshold":
        v = c.threshold();
        break;
      case "confidence":
        v = c.confidence();
        break;
      case "nms_iou":
        v = c.nmsIou();
        break;
      default:
        throw new IllegalArgumentException("config.mflag records no " + key.name());
    }
    if (v == null) return key.defaultNumber();
    try {
      key.checkValue(v);
      return v;
    } catch (IllegalArgumentException e) {
      throw new ModelPackageException(rdfFile + ": config.mflag." + e.getMessage(), e);
    }
  }
}
