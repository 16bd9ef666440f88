package org.mflag.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mflag.config.Key;
import org.mflag.io.Archives;
import org.mflag.io.Folders;
import org.mflag.io.Hashing;
import org.mflag.io.NdArray;
import org.mflag.io.Npy;
import org.mflag.nn.Architecture;
import org.mflag.runtime.Devices;
import org.mflag.runtime.TensorFlowRuntime;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

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
 * {@link #open} checks the description (format version, weights entry, sha256 of every file it
 * names, tensor shapes) before anything is loaded and names the file and field that is wrong.
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
  static final String GIT_REPO = "https://github.com/mflag-fiji/mflag-fiji";
  static final String CITATION = "Liu C, Cheng S, Chen C, Qiao M, Zhang W, Shah A, Bai W, Arcucci R. M-FLAG: Medical "
      + "Vision-Language Pre-training with Frozen Language Models and Latent Space Geometry Optimization. MICCAI 2023.";
  static final String CITATION_URL = "https://arxiv.org/abs/2307.08347";

  /** What {@link #export} writes, besides the weights and tensors. */
  public static final class Description {
    public String name;
    public String description;
    /** {@code pretrain}, {@code segmentation}, {@code classification} or {@code detection}. */
    public String task = "pretrain";
    public String license = "CC-BY-NC-SA-4.0";
    public Architecture architecture;
    public int imageSize;
    public List<String> tags = new java.util.ArrayList<>(List.of("chest-x-ray", "m-flag", "tensorflow"));
    /** How to use the outputs, for the package's README. */
    public String usage = "";
    /** Extra {@code config.mflag} entries (loss, training keys, data hash, classes, metrics...). */
    public Map<String, Object> config = new LinkedHashMap<>();
    /** bioimage.io authors ({@code name}, optional {@code affiliation}, {@code orcid}, {@code github_user}). */
    public List<Map<String, Object>> authors = List.of(map("name", "M-FLAG for Fiji"));
    /** bioimage.io maintainers (each with a {@code github_user}); empty when nobody gave one. */
    public List<Map<String, Object>> maintainers = List.of();
    /** The cover (PNG, 2:1: the input and what the model makes of it), or null for none. */
    public byte[] cover;
    /** The training data as a bioimage.io dataset description, or null. */
    public Map<String, Object> trainingData;
    /** The "Validation" section of the package's README: how the model was checked, with figures. */
    public String validation = "";
  }

  /** The longest tensor description bioimage.io's validator accepts (a longer one fails the whole package). */
  static final int MAX_TENSOR_DESCRIPTION = 128;

  /** One input or output of a package: bioimage.io axes, a test tensor and pre- or postprocessing steps. */
  public static final class TensorSpec {
    public final String id;
    public final String description;
    public final List<Map<String, Object>> axes;
    public final NdArray test;
    public final List<Map<String, Object>> processing;
    /** The values' range {@code [min, max]} (null where open), or null when not stated. */
    public final List<Double> range;

    public TensorSpec(String id, String description, List<Map<String, Object>> axes, NdArray test, List<Map<String, Object>> processing) {
      this(id, description, axes, test, processing, null);
    }

    public TensorSpec(String id, String description, List<Map<String, Object>> axes, NdArray test, List<Map<String, Object>> processing,
        List<Double> range) {
      if (description.length() > MAX_TENSOR_DESCRIPTION) {
        throw new IllegalArgumentException("tensor " + id + ": bioimage.io allows " + MAX_TENSOR_DESCRIPTION
            + " characters of description, not " + description.length() + ": " + description);
      }
      this.id = id;
      this.description = description;
      this.axes = axes;
      this.test = test;
      this.processing = processing;
      this.range = range;
    }

    /** The axis ids as bioimage.io reads them: {@code batch} and {@code channel} for those types, else the given id. */
    public List<String> axisIds() {
      List<String> ids = new java.util.ArrayList<>();
      for (Map<String, Object> a : axes) {
        Object type = a.get("type");
        ids.add("batch".equals(type) || "channel".equals(type) && a.get("id") == null ? String.valueOf(type) : String.valueOf(a.get("id")));
      }
      return ids;
    }

    /** The test tensor after the declared preprocessing: what the network is given. */
    public float[] networkInput() {
      return Processing.apply(processing, test, axisIds()).data();
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
    List<Map<String, Object>> pre = List.of(map("id", "scale_linear", "kwargs", map("gain", 1 / 127.5, "offset", -1.0)));
    return new TensorSpec(EncoderGraph.INPUT_IMAGE, description, List.of(map("type", "batch"),
        map("type", "space", "id", "y", "size", size), map("type", "space", "id", "x", "size", size),
        map("type", "channel", "channel_names", List.of("grey"))), test, pre, java.util.Arrays.asList(0.0, 255.0));
  }

  /**
   * Writes the pre-trained encoder's package into {@code dir}: the inference graph of {@link EncoderGraph}
   * with its two signatures ({@code serving_default} for images, {@code text} for reports).
   */
  public static void export(Path dir, Description d, int storedSize, int textDimension, Map<String, float[]> weights,
      float[] testImage, String tfVersion) throws IOException {
    try (EncoderGraph g = new EncoderGraph(d.architecture, d.imageSize, textDimension, weights)) {
      TensorSpec input = imageInput(d.imageSize, new NdArray(testImage, 1, d.imageSize, d.imageSize, 1),
          "grey chest X-ray cropped to its non-zero bounding box, stretched to 0..255, resized to " + storedSize
              + " and centre-cropped to " + d.imageSize);
      float[][] out = g.images(input.networkInput(), 1);
      Map<String, Object> mflag = new LinkedHashMap<>();
      mflag.put("stored_size", storedSize);
      mflag.put("embedding_size", out[0].length);
      mflag.put("projection_size", out[1].length);
      mflag.put("text_dimension", textDimension);
      mflag.put("text_signature", map("key", EncoderGraph.TEXT_SIGNATURE, "input", EncoderGraph.INPUT_TEXT,
          "output", EncoderGraph.OUTPUT_PROJECTION));
      mflag.putAll(d.config);
      d.config = mflag;
      d.tags = List.of("x-ray", "chest-x-ray", "2d", "lungs", "tensorflow", "fiji", "deepimagej", "resnet", "vision-language",
          "m-flag", "pre-training", "feature-extraction");
      d.usage = "Outputs: `embedding` (pooled " + d.architecture.key() + " features) and `projection` (M-FLAG image projection).\n"
          + "The `text` signature projects frozen language-model report embeddings into the same space.\n";
      if (d.cover == null) d.cover = org.mflag.report.CoverImage.encoder(testImage, d.imageSize, out[1]);
      List<TensorSpec> outputs = List.of(
          new TensorSpec(EncoderGraph.OUTPUT_EMBEDDING, "pooled image encoder features (img_emb)", featureAxes(out[0].length),
              new NdArray(out[0], 1, out[0].length), List.of()),
          new TensorSpec(EncoderGraph.OUTPUT_PROJECTION, "image projector output, comparable with the text projection",
              featureAxes(out[1].length), new NdArray(out[1], 1, out[1].length), List.of()));
      export(dir, d, g.session(), List.of(g.imageSignature(), g.textSignature()), input, outputs, tfVersion);
    }
  }

  private static List<Map<String, Object>> featureAxes(int size) {
    return List.of(map("type", "batch"), map("type", "index", "id", INDEX_AXIS, "size", size));
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
      Path zip = work.resolve(WEIGHTS);
      Archives.zip(saved, zip);
      Map<String, byte[]> files = new LinkedHashMap<>();
      files.put(TEST_INPUT, Npy.toBytes(input.test));
      for (TensorSpec o : outputs) files.put(testOutputFile(o.id), Npy.toBytes(o.test));
      files.put(SAMPLE_INPUT, org.mflag.report.CoverImage.greyPng(input.test.data(), d.imageSize, d.imageSize));
      for (TensorSpec o : outputs) {
        long[] plane = samplePlane(o.test.shape());
        files.put(sampleOutputFile(o.id), org.mflag.report.CoverImage.floatTiff(o.test.data(), (int) plane[1], (int) plane[0]));
      }
      if (d.cover != null) files.put(COVER, d.cover);
      files.put("README.md", readme(d).getBytes(StandardCharsets.UTF_8));
      Files.move(zip, dir.resolve(WEIGHTS), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      for (Map.Entry<String, byte[]> f : files.entrySet()) Archives.writeAtomically(dir.resolve(f.getKey()), f.getValue());
      String yaml = yaml().dump(describe(dir, d, input, outputs, tfVersion));
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

  private static Map<String, Object> describe(Path dir, Description d, TensorSpec input, List<TensorSpec> outputs, String tfVersion)
      throws IOException {
    Map<String, Object> rdf = new LinkedHashMap<>();
    rdf.put("format_version", FORMAT_VERSION);
    rdf.put("type", "model");
    rdf.put("id", resourceId(d.name));
    rdf.put("name", d.name);
    rdf.put("description", d.description);
    if (d.cover != null) rdf.put("covers", List.of(COVER));
    rdf.put("authors", d.authors);
    if (!d.maintainers.isEmpty()) rdf.put("maintainers", d.maintainers);
    rdf.put("cite", List.of(map("text", CITATION, "url", CITATION_URL)));
    rdf.put("license", d.license);
    rdf.put("git_repo", GIT_REPO);
    rdf.put("documentation", "README.md");
    rdf.put("tags", d.tags);
    rdf.put("timestamp", java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
        .format(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    if (d.trainingData != null) rdf.put("training_data", d.trainingData);
    Map<String, Object> in = tensor(dir, input, TEST_INPUT, "preprocessing");
    in.put("sample_tensor", fileRef(dir, SAMPLE_INPUT));
    rdf.put("inputs", List.of(in));
    List<Map<String, Object>> outs = new java.util.ArrayList<>();
    for (TensorSpec o : outputs) {
      Map<String, Object> out = tensor(dir, o, testOutputFile(o.id), "postprocessing");
      out.put("sample_tensor", fileRef(dir, sampleOutputFile(o.id)));
      outs.add(out);
    }
    rdf.put("outputs", outs);
    Map<String, Object> bundle = new LinkedHashMap<>(fileRef(dir, WEIGHTS));
    bundle.put("tensorflow_version", tfVersion);
    rdf.put("weights", map("tensorflow_saved_model_bundle", bundle));
    Map<String, Object> mflag = new LinkedHashMap<>();
    mflag.put("package_version", 1);
    mflag.put("task", d.task);
    mflag.put("encoder", d.architecture.key());
    mflag.put("image_size", d.imageSize);
    mflag.put("normalisation", "v / 127.5 - 1 on 0..255 values (Normalize(mean 0.5, std 0.5) after ToTensor)");
    mflag.putAll(d.config);
    // JDLL (deepImageJ's model runner) names a model by config.bioimageio.nickname when it has no id; deepImageJ
    // would cut a larger image into tiles of the input size, but the networks see the whole image at one scale
    rdf.put("config", map("bioimageio", map("nickname", resourceId(d.name)), "deepimagej", map("allow_tiling", false), "mflag", mflag));
    return rdf;
  }

  private static Map<String, Object> tensor(Path dir, TensorSpec t, String testFile, String processingKey) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", t.id);
    m.put("description", t.description);
    m.put("axes", t.axes);
    m.put("test_tensor", fileRef(dir, testFile));
    m.put("data", t.range == null ? map("type", "float32") : map("type", "float32", "range", t.range));
    if (!t.processing.isEmpty()) m.put(processingKey, t.processing);
    return m;
  }

  private static Map<String, Object> fileRef(Path dir, String name) throws IOException {
    return map("source", name, "sha256", Hashing.sha256(dir.resolve(name)));
  }

  private static String readme(Description d) {
    return "# " + d.name + "\n\n" + d.description + "\n\n"
        + "## Usage\n\nInput: one grey chest X-ray, " + d.imageSize + "x" + d.imageSize + ", with grey values 0..255 as `rdf.yaml`"
        + " describes; the declared preprocessing (`scale_linear`, `v / 127.5 - 1`) makes it what the network takes. `"
        + SAMPLE_INPUT + "` is such an input.\n" + d.usage
        + "\n## Validation\n\n" + (d.validation.isEmpty() ? "" : d.validation.strip() + "\n\n")
        + "The test outputs are the SavedModel's outputs for `" + TEST_INPUT + "` after the declared preprocessing, computed when the"
        + " package was written; bioimage.io's test repeats that computation.\n"
        + "\nProduced by M-FLAG for Fiji (" + GIT_REPO + "). Cite: " + CITATION + " " + CITATION_URL + "\n";
  }

  /**
   * The training data as bioimage.io's nested dataset description (format 0.3.0): named after the model
   * ({@code name}'s characters are what the spec allows), described in words.
   */
  public static Map<String, Object> trainingData(String modelName, String description) {
    return map("type", "dataset", "format_version", "0.3.0", "name", "Training data of " + modelName, "description",
        description.length() > 1000 ? description.substring(0, 1000) : description);
  }

  /** A bioimage.io resource id from a name: lower case, runs of other characters as single hyphens. */
  static String resourceId(String name) {
    String id = name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_.]+", "-").replaceAll("^-+|-+$", "");
    return id.isEmpty() ? "mflag-model" : id;
  }

  /** What a package may say about itself in {@code config.mflag}, checked like the launcher's keys. */
  static final Key IMAGE_SIZE = Key.integer("image_size", "224", "network input size").atLeast(32).atMost(4096);
  static final Key STORED_SIZE = Key.integer("stored_size", "256", "size images are stored at before cropping").atLeast(32).atMost(8192);
  static final Key EMBEDDING_SIZE = Key.integer("embedding_size", "2048", "pooled encoder features").atLeast(1).atMost(1 << 16);
  static final Key PROJECTION_SIZE = Key.integer("projection_size", "1024", "projection size").atLeast(1).atMost(1 << 16);
  static final Key TEXT_DIMENSION = Key.integer("text_dimension", "768", "report embedding size").atLeast(1).atMost(1 << 16);
  static final Key MULTI_LABEL = Key.bool("multi_label", "false", "several classes per image");
  private static final List<Key> VALUES = List.of(IMAGE_SIZE, STORED_SIZE, EMBEDDING_SIZE, PROJECTION_SIZE, TEXT_DIMENSION, MULTI_LABEL);
  private static final List<String> TASKS = List.of("pretrain", "segmentation", "classification", "detection");
  /** An rdf.yaml is a few kilobytes. */
  private static final long MAX_RDF_BYTES = 1 << 20;
  /** Unpacked weights unused this long are deleted from the cache. */
  private static final int CACHE_DAYS = 14;

  private final Path dir;
  private final Path rdfFile;
  private final Map<String, Object> rdf;
  private final Map<String, Object> mflag;
  /** The weights zip and the test tensors, as verified by {@link #open}: the files that are used. */
  private final Path weightsFile;
  private final String weightsSha256;
  private final Map<String, Path> testTensors = new LinkedHashMap<>();
  /** The rows per split a fine-tuning run used ({@code config.mflag.data.split_file}), verified; null when not recorded with a hash. */
  private Path splitFile;
  /** What the user named: the folder, or the {@code .zip} it was unpacked from. */
  private Path source;

  private ModelPackage(Path dir, Path rdfFile, Map<String, Object> rdf, Map<String, Object> mflag, Path weightsFile, String weightsSha256) {
    this.dir = dir;
    this.rdfFile = rdfFile;
    this.rdf = rdf;
    this.mflag = mflag;
    this.weightsFile = weightsFile;
    this.weightsSha256 = weightsSha256;
  }

  /**
   * Reads and verifies a package folder as a whole before anything in it is used; nothing heavy is
   * loaded. Checked: {@code rdf.yaml} (size, YAML, format version, type); every file it names that is
   * used (the weights zip, each test tensor) lies in the folder, is reached without a symbolic link and
   * matches its sha256; each test tensor's header and shape against its axes; and the values of
   * {@code config.mflag} that are used (task, encoder, sizes, classes, flags) against their allowed
   * ranges. Every error names the file and the field.
   */
  @SuppressWarnings("unchecked")
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
    Object parsed;
    try (InputStream in = Files.newInputStream(rdfFile)) {
      LoaderOptions options = new LoaderOptions();
      options.setMaxAliasesForCollections(10);
      options.setNestingDepthLimit(20);
      parsed = new Yaml(new SafeConstructor(options)).load(in);
    } catch (IOException | RuntimeException e) {
      throw new ModelPackageException(rdfFile + ": cannot be read as YAML (" + e.getMessage() + ")", e);
    }
    if (!(parsed instanceof Map)) throw new ModelPackageException(rdfFile + ": not a YAML mapping");
    Map<String, Object> rdf = (Map<String, Object>) parsed;
    String fv = String.valueOf(rdf.get("format_version"));
    if (!fv.startsWith("0.5.")) throw new ModelPackageException(rdfFile + ": format_version " + fv + " unsupported (need 0.5.x)");
    if (!"model".equals(rdf.get("type"))) throw new ModelPackageException(rdfFile + ": type is " + rdf.get("type") + ", need model");
    Map<String, Object> weights = section(rdf, "weights", rdfFile);
    Map<String, Object> bundle = section(weights, "tensorflow_saved_model_bundle", rdfFile);
    Path weightsFile = checkFile(dir, bundle, "weights.tensorflow_saved_model_bundle", rdfFile);
    Map<String, Object> mflag = section(section(rdf, "config", rdfFile), "mflag", rdfFile);
    checkValues(mflag, rdfFile);
    ModelPackage p = new ModelPackage(dir, rdfFile, rdf, mflag, weightsFile, String.valueOf(bundle.get("sha256")));
    if (mflag.get("data") instanceof Map && ((Map<?, ?>) mflag.get("data")).get("split_file") instanceof Map) {
      p.splitFile = checkFile(dir, (Map<String, Object>) ((Map<?, ?>) mflag.get("data")).get("split_file"), "config.mflag.data.split_file",
          rdfFile);
    }
    for (Map<String, Object> t : p.tensors("inputs")) p.checkTensor(t, "inputs");
    for (Map<String, Object> t : p.tensors("outputs")) p.checkTensor(t, "outputs");
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
  @SuppressWarnings("unchecked")
  public void writeZip(Path zipFile) throws IOException, ModelPackageException {
    java.util.SortedSet<String> names = new java.util.TreeSet<>(List.of(RDF, dir.relativize(weightsFile).toString()));
    for (Path f : testTensors.values()) names.add(dir.relativize(f).toString());
    if (splitFile != null) names.add(dir.relativize(splitFile).toString());
    for (String key : new String[] {"inputs", "outputs"}) {
      for (Map<String, Object> t : tensors(key)) {
        if (t.get("sample_tensor") instanceof Map) names.add(String.valueOf(((Map<String, Object>) t.get("sample_tensor")).get("source")));
      }
    }
    if (rdf.get("covers") instanceof List) for (Object c : (List<?>) rdf.get("covers")) names.add(String.valueOf(c));
    if (rdf.get("documentation") instanceof String) names.add((String) rdf.get("documentation"));
    List<Path> files = new java.util.ArrayList<>();
    for (String n : names) {
      Path f = Folders.insideWithoutLinks(dir, n);
      if (!Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) throw new IOException(rdfFile + " names " + n + ", which is missing");
      files.add(f);
    }
    Archives.writeAtomically(zipFile, tmp -> Archives.zip(dir, files, tmp));
  }

  /** The {@code config.mflag} values this program uses, each against its declaration. */
  private static void checkValues(Map<String, Object> mflag, Path rdfFile) throws ModelPackageException {
    for (String k : new String[] {"task", "encoder", "image_size"}) {
      if (!mflag.containsKey(k)) throw new ModelPackageException(rdfFile + ": config.mflag." + k + " missing");
    }
    try {
      for (Key k : VALUES) {
        Object v = mflag.get(k.name());
        if (v == null) continue;
        if (k.type() == Key.Type.INTEGER && !(v instanceof Integer || v instanceof Long)) {
          throw new IllegalArgumentException(k.name() + "=" + v + ": must be an integer");
        }
        if (k.type() == Key.Type.BOOLEAN && !(v instanceof Boolean)) throw new IllegalArgumentException(k.name() + "=" + v + ": must be true or false");
        k.checkValue(v);
      }
      Object task = mflag.get("task");
      if (!TASKS.contains(String.valueOf(task))) throw new IllegalArgumentException("task=" + task + ": allowed values are " + TASKS);
      Architecture.fromKey(String.valueOf(mflag.get("encoder")));
      Object classes = mflag.get("classes");
      if (classes != null) {
        if (!(classes instanceof List) || ((List<?>) classes).isEmpty() || ((List<?>) classes).size() > 10_000) {
          throw new IllegalArgumentException("classes: must be a list of 1 to 10000 class names");
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Object c : (List<?>) classes) {
          String name = String.valueOf(c);
          if (!(c instanceof String) || name.isBlank() || name.length() > 200 || name.chars().anyMatch(ch -> ch < 0x20)) {
            throw new IllegalArgumentException("classes: '" + Folders.printable(name) + "' is not a class name (text of 1 to 200 characters)");
          }
          if (!seen.add(name)) throw new IllegalArgumentException("classes: '" + name + "' appears twice");
        }
      }
    } catch (IllegalArgumentException e) {
      throw new ModelPackageException(rdfFile + ": config.mflag." + e.getMessage(), e);
    }
  }

  @SuppressWarnings("unchecked")
  private List<Map<String, Object>> tensors(String key) throws ModelPackageException {
    Object v = rdf.get(key);
    if (!(v instanceof List) || ((List<?>) v).isEmpty()) throw new ModelPackageException(rdfFile + ": no " + key);
    for (Object t : (List<?>) v) if (!(t instanceof Map)) throw new ModelPackageException(rdfFile + ": an entry of " + key + " is not a mapping");
    return (List<Map<String, Object>>) v;
  }

  @SuppressWarnings("unchecked")
  private void checkTensor(Map<String, Object> t, String where) throws ModelPackageException {
    String id = String.valueOf(t.get("id"));
    String field = where + "." + id + ".test_tensor";
    Map<String, Object> ref = section(t, "test_tensor", rdfFile);
    Path file = checkFile(dir, ref, field, rdfFile);
    NdArray a = readNpy(file);
    Object axesValue = t.get("axes");
    List<?> axes = axesValue instanceof List ? (List<?>) axesValue : null;
    long[] shape = a.shape();
    if (axes == null || axes.size() != shape.length) {
      throw new ModelPackageException(rdfFile + ": " + field + " has shape " + Arrays.toString(shape) + " but "
          + (axes == null ? 0 : axes.size()) + " axes are described");
    }
    for (int i = 0; i < shape.length; i++) {
      if (!(axes.get(i) instanceof Map)) throw new ModelPackageException(rdfFile + ": " + where + "." + id + ".axes[" + i + "] is not a mapping");
      Map<String, Object> axis = (Map<String, Object>) axes.get(i);
      Object size = axis.get("size");
      if (axis.get("channel_names") instanceof List) size = ((List<?>) axis.get("channel_names")).size();
      if (size instanceof Number && ((Number) size).longValue() != shape[i]) {
        throw new ModelPackageException(rdfFile + ": " + field + " axis " + i + " has size " + shape[i] + ", rdf says " + size);
      }
    }
    if (testTensors.putIfAbsent(where + "." + id, file) != null) {
      throw new ModelPackageException(rdfFile + ": two " + where + " have the id '" + id + "'");
    }
  }

  /** The file a {@code source}/{@code sha256} pair names, checked: inside the folder, no links, a regular file, the hash. */
  private static Path checkFile(Path dir, Map<String, Object> ref, String field, Path rdfFile) throws ModelPackageException {
    Object source = ref.get("source");
    if (!(source instanceof String)) throw new ModelPackageException(rdfFile + ": " + field + ".source missing or not a file name");
    Path f;
    try {
      f = Folders.insideWithoutLinks(dir, (String) source);
    } catch (IOException e) {
      throw new ModelPackageException(rdfFile + ": " + field + ".source: " + e.getMessage(), e);
    }
    if (!Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new ModelPackageException(rdfFile + ": " + field + " names " + source + ", which is missing");
    }
    Object want = ref.get("sha256");
    if (want == null) throw new ModelPackageException(rdfFile + ": " + field + ".sha256 missing");
    String got;
    try {
      got = Hashing.sha256(f);
    } catch (IOException e) {
      throw new ModelPackageException(f + ": cannot be read (" + e.getMessage() + ")", e);
    }
    if (!got.equals(want.toString())) {
      throw new ModelPackageException(f + ": sha256 " + got + " does not match " + field + ".sha256 " + want
          + " in " + rdfFile + " (file changed or damaged)");
    }
    return f;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> section(Map<String, Object> m, String key, Path rdfFile) throws ModelPackageException {
    Object v = m.get(key);
    if (!(v instanceof Map)) throw new ModelPackageException(rdfFile + ": '" + key + "' missing or not a mapping");
    return (Map<String, Object>) v;
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
    return String.valueOf(mflag.get("task"));
  }

  public Architecture architecture() {
    return Architecture.fromKey(String.valueOf(mflag.get("encoder")));
  }

  public int imageSize() {
    return ((Number) mflag.get("image_size")).intValue();
  }

  public int embeddingSize() {
    return ((Number) mflag.get("embedding_size")).intValue();
  }

  /**
   * The split file a fine-tuned package records (which rows were train, val and test), checked against
   * its sha256 by {@link #open}; null when the package records none (an encoder, or a package written
   * before split files were hashed).
   */
  public Path splitFile() {
    return splitFile;
  }

  /** The {@code config.mflag} section as read. */
  public Map<String, Object> config() {
    return mflag;
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
  @SuppressWarnings("unchecked")
  public NdArray preprocessed(NdArray raw) throws ModelPackageException {
    Map<String, Object> in = tensors("inputs").get(0);
    List<Map<String, Object>> axes = (List<Map<String, Object>>) in.get("axes");
    Object steps = in.get("preprocessing");
    TensorSpec spec = new TensorSpec(String.valueOf(in.get("id")), "", axes, raw,
        steps instanceof List ? (List<Map<String, Object>>) steps : List.of());
    try {
      return new NdArray(spec.networkInput(), raw.shape());
    } catch (RuntimeException e) {
      throw new ModelPackageException(rdfFile + ": inputs." + spec.id + ".preprocessing: " + e.getMessage(), e);
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
      org.tensorflow.Session.Runner r = b.session().runner();
      for (String n : names) r.fetch(n);
      Map<String, float[]> out = new LinkedHashMap<>();
      try (org.tensorflow.Result res = r.run()) {
        for (int i = 0; i < names.size(); i++) out.put(names.get(i), org.mflag.nn.Tensors.toArray(res.get(i)));
      }
      return out;
    } catch (RuntimeException e) {
      throw new ModelPackageException(dir.resolve(WEIGHTS) + ": cannot read its weights (" + e.getMessage() + ")", e);
    }
  }

  /** Opens the text projector of a pre-trained encoder package ({@code text} signature) through DJL's TensorFlow engine. */
  public TextProjector textProjector() throws ModelPackageException {
    if (!"pretrain".equals(task())) throw new ModelPackageException(dir + ": a " + task() + " model; only a pre-trained encoder (pretrain) has a text projector");
    TensorFlowRuntime.ensureLoaded();
    return TextProjector.load(savedModelDir(), imageSize(), (int) number(TEXT_DIMENSION));
  }

  /** The frozen language model the package was trained with: its id ({@code config.mflag.text_model}). */
  public String textModelId() {
    Object v = mflag.get("text_model");
    return v == null ? "" : v.toString();
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
    Object c = mflag.get("classes");
    List<String> out = new java.util.ArrayList<>();
    if (c instanceof List) for (Object o : (List<?>) c) out.add(String.valueOf(o));
    return out;
  }

  public boolean multiLabel() {
    return Boolean.TRUE.equals(mflag.get("multi_label"));
  }

  /** A number of {@code config.mflag}, or {@code fallback} when absent or not a finite number. */
  public double number(String key, double fallback) {
    Object v = mflag.get(key);
    return v instanceof Number && Double.isFinite(((Number) v).doubleValue()) ? ((Number) v).doubleValue() : fallback;
  }

  /**
   * The {@code config.mflag} value of a launcher key (a threshold the package recommends, say), checked
   * against the key's declaration; the key's default when absent.
   *
   * @throws ModelPackageException naming {@code rdf.yaml} and the field when the value is not allowed
   */
  public double number(Key key) throws ModelPackageException {
    Object v = mflag.get(key.name());
    if (v == null) return key.defaultNumber();
    try {
      if (!(v instanceof Number)) throw new IllegalArgumentException(key.name() + "=" + v + ": must be a number");
      key.checkValue(v);
      return ((Number) v).doubleValue();
    } catch (IllegalArgumentException e) {
      throw new ModelPackageException(rdfFile + ": config.mflag." + e.getMessage(), e);
    }
  }

  /** An ordered map from alternating keys and values: the rdf.yaml sections. */
  public static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
    return m;
  }

  private static Yaml yaml() {
    DumperOptions o = new DumperOptions();
    o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    o.setWidth(120);
    return new Yaml(o);
  }
}
