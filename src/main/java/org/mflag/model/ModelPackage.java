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
import org.mflag.io.Archives;
import org.mflag.io.Hashing;
import org.mflag.io.NdArray;
import org.mflag.io.Npy;
import org.mflag.nn.Architecture;
import org.mflag.nn.TensorFlowRuntime;
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
 * test_input.npy               [1, size, size, 1] normalised image
 * test_output_embedding.npy    [1, D] pooled encoder features
 * test_output_projection.npy   [1, 1024] image projection
 * README.md
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
  static final String CITATION = "Liu C, Cheng S, Chen C, Qiao M, Zhang W, Shah A, Bai W, Arcucci R. M-FLAG: Medical "
      + "Vision-Language Pre-training with Frozen Language Models and Latent Space Geometry Optimization. MICCAI 2023.";
  static final String CITATION_URL = "https://arxiv.org/abs/2307.08347";

  /** What {@link #export} writes, besides the weights. */
  public static final class Description {
    public String name;
    public String description;
    public String task = "pretrain";
    public String license = "CC-BY-NC-SA-4.0";
    public Architecture architecture;
    public int imageSize;
    public int storedSize;
    public int textDimension;
    /** Extra {@code config.mflag} entries (loss, training keys, data hash, final loss...). */
    public Map<String, Object> config = new LinkedHashMap<>();
  }

  private final Path dir;
  private final Map<String, Object> rdf;
  private final Map<String, Object> mflag;

  private ModelPackage(Path dir, Map<String, Object> rdf, Map<String, Object> mflag) {
    this.dir = dir;
    this.rdf = rdf;
    this.mflag = mflag;
  }

  /**
   * Writes the package into {@code dir} (created if needed). Files are written under temporary names
   * and renamed; {@code rdf.yaml} comes last, so a folder with a descriptor is always complete.
   */
  public static void export(Path dir, Description d, Map<String, float[]> weights, float[] testImage, String tfVersion)
      throws IOException {
    Files.createDirectories(dir);
    Path work = Files.createTempDirectory(dir, ".export-");
    try (EncoderGraph g = new EncoderGraph(d.architecture, d.imageSize, d.textDimension, weights)) {
      Path saved = work.resolve("saved_model");
      SavedModelBundle.exporter(saved.toString())
          .withFunctions(SessionFunction.create(g.imageSignature(), g.session()),
              SessionFunction.create(g.textSignature(), g.session()))
          .export();
      Path zip = work.resolve(WEIGHTS);
      Archives.zip(saved, zip);
      float[][] out = g.images(testImage, 1);
      Map<String, byte[]> files = new LinkedHashMap<>();
      files.put(TEST_INPUT, Npy.toBytes(new NdArray(testImage, 1, d.imageSize, d.imageSize, 1)));
      files.put(TEST_EMBEDDING, Npy.toBytes(new NdArray(out[0], 1, out[0].length)));
      files.put(TEST_PROJECTION, Npy.toBytes(new NdArray(out[1], 1, out[1].length)));
      files.put("README.md", readme(d).getBytes(StandardCharsets.UTF_8));
      Files.move(zip, dir.resolve(WEIGHTS), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      for (Map.Entry<String, byte[]> f : files.entrySet()) Archives.writeAtomically(dir.resolve(f.getKey()), f.getValue());
      String yaml = yaml().dump(describe(dir, d, out[0].length, out[1].length, tfVersion));
      Archives.writeAtomically(dir.resolve(RDF), yaml.getBytes(StandardCharsets.UTF_8));
    } finally {
      Archives.deleteTree(work);
    }
  }

  private static Map<String, Object> describe(Path dir, Description d, int embedding, int projection, String tfVersion)
      throws IOException {
    Map<String, Object> rdf = new LinkedHashMap<>();
    rdf.put("format_version", FORMAT_VERSION);
    rdf.put("type", "model");
    rdf.put("name", d.name);
    rdf.put("description", d.description);
    rdf.put("authors", List.of(map("name", "M-FLAG for Fiji")));
    rdf.put("cite", List.of(map("text", CITATION, "url", CITATION_URL)));
    rdf.put("license", d.license);
    rdf.put("documentation", "README.md");
    rdf.put("tags", List.of("chest-x-ray", "vision-language", "m-flag", "pre-training", "tensorflow"));
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("id", EncoderGraph.INPUT_IMAGE);
    input.put("description", "grey chest X-ray cropped to its non-zero bounding box, rescaled to 0..255, resized to "
        + d.storedSize + " and centre-cropped to " + d.imageSize);
    input.put("axes", List.of(map("type", "batch"), map("type", "space", "id", "y", "size", d.imageSize),
        map("type", "space", "id", "x", "size", d.imageSize), map("type", "channel", "channel_names", List.of("grey"))));
    input.put("test_tensor", fileRef(dir, TEST_INPUT));
    input.put("data", map("type", "float32"));
    input.put("preprocessing", List.of(map("id", "fixed_zero_mean_unit_variance", "kwargs", map("mean", 127.5, "std", 127.5))));
    rdf.put("inputs", List.of(input));
    rdf.put("outputs", List.of(
        output(dir, EncoderGraph.OUTPUT_EMBEDDING, "pooled image encoder features (img_emb)", embedding, TEST_EMBEDDING),
        output(dir, EncoderGraph.OUTPUT_PROJECTION, "image projector output, comparable with the text projection", projection,
            TEST_PROJECTION)));
    Map<String, Object> bundle = new LinkedHashMap<>(fileRef(dir, WEIGHTS));
    bundle.put("tensorflow_version", tfVersion);
    rdf.put("weights", map("tensorflow_saved_model_bundle", bundle));
    Map<String, Object> mflag = new LinkedHashMap<>();
    mflag.put("package_version", 1);
    mflag.put("task", d.task);
    mflag.put("encoder", d.architecture.key());
    mflag.put("image_size", d.imageSize);
    mflag.put("stored_size", d.storedSize);
    mflag.put("normalisation", "v / 127.5 - 1 on 0..255 values (Normalize(mean 0.5, std 0.5) after ToTensor)");
    mflag.put("embedding_size", embedding);
    mflag.put("projection_size", projection);
    mflag.put("text_dimension", d.textDimension);
    mflag.put("text_signature", map("key", EncoderGraph.TEXT_SIGNATURE, "input", EncoderGraph.INPUT_TEXT,
        "output", EncoderGraph.OUTPUT_PROJECTION));
    mflag.putAll(d.config);
    rdf.put("config", map("mflag", mflag));
    return rdf;
  }

  private static Map<String, Object> output(Path dir, String id, String description, int size, String test) throws IOException {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("id", id);
    o.put("description", description);
    o.put("axes", List.of(map("type", "batch"), map("type", "index", "id", "feature", "size", size)));
    o.put("test_tensor", fileRef(dir, test));
    o.put("data", map("type", "float32"));
    return o;
  }

  private static Map<String, Object> fileRef(Path dir, String name) throws IOException {
    return map("source", name, "sha256", Hashing.sha256(dir.resolve(name)));
  }

  private static String readme(Description d) {
    return "# " + d.name + "\n\n" + d.description + "\n\n"
        + "Input: one grey chest X-ray, " + d.imageSize + "x" + d.imageSize + ", preprocessed as `rdf.yaml` says.\n"
        + "Outputs: `embedding` (pooled " + d.architecture.key() + " features) and `projection` (M-FLAG image projection).\n"
        + "The `text` signature projects frozen language-model report embeddings into the same space.\n\n"
        + "Produced by M-FLAG for Fiji. Cite: " + CITATION + " " + CITATION_URL + "\n";
  }

  /** Reads and checks a package folder; nothing heavy is loaded. */
  @SuppressWarnings("unchecked")
  public static ModelPackage open(Path dir) throws ModelPackageException {
    Path rdfFile = dir.resolve(RDF);
    if (!Files.isDirectory(dir)) throw new ModelPackageException("model folder " + dir + " does not exist");
    if (!Files.isRegularFile(rdfFile)) throw new ModelPackageException("model folder " + dir + ": no " + RDF + " (not a model package)");
    Object parsed;
    try (InputStream in = Files.newInputStream(rdfFile)) {
      parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
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
    checkFile(dir, bundle, "weights.tensorflow_saved_model_bundle", rdfFile);
    Map<String, Object> mflag = section(section(rdf, "config", rdfFile), "mflag", rdfFile);
    for (String k : new String[] {"task", "encoder", "image_size", "text_dimension", "embedding_size"}) {
      if (!mflag.containsKey(k)) throw new ModelPackageException(rdfFile + ": config.mflag." + k + " missing");
    }
    ModelPackage p = new ModelPackage(dir, rdf, mflag);
    for (Map<String, Object> t : p.tensors("inputs")) p.checkTensor(t, "inputs");
    for (Map<String, Object> t : p.tensors("outputs")) p.checkTensor(t, "outputs");
    return p;
  }

  @SuppressWarnings("unchecked")
  private List<Map<String, Object>> tensors(String key) throws ModelPackageException {
    Object v = rdf.get(key);
    if (!(v instanceof List) || ((List<?>) v).isEmpty()) throw new ModelPackageException(dir.resolve(RDF) + ": no " + key);
    return (List<Map<String, Object>>) v;
  }

  @SuppressWarnings("unchecked")
  private void checkTensor(Map<String, Object> t, String where) throws ModelPackageException {
    Path rdfFile = dir.resolve(RDF);
    String field = where + "." + t.get("id") + ".test_tensor";
    Map<String, Object> ref = section(t, "test_tensor", rdfFile);
    checkFile(dir, ref, field, rdfFile);
    NdArray a = readNpy(dir.resolve(String.valueOf(ref.get("source"))));
    List<Map<String, Object>> axes = (List<Map<String, Object>>) t.get("axes");
    long[] shape = a.shape();
    if (axes == null || axes.size() != shape.length) {
      throw new ModelPackageException(rdfFile + ": " + field + " has shape " + Arrays.toString(shape) + " but "
          + (axes == null ? 0 : axes.size()) + " axes are described");
    }
    for (int i = 0; i < shape.length; i++) {
      Object size = axes.get(i).get("size");
      if (axes.get(i).get("channel_names") instanceof List) size = ((List<?>) axes.get(i).get("channel_names")).size();
      if (size instanceof Number && ((Number) size).longValue() != shape[i]) {
        throw new ModelPackageException(rdfFile + ": " + field + " axis " + i + " has size " + shape[i] + ", rdf says " + size);
      }
    }
  }

  private static void checkFile(Path dir, Map<String, Object> ref, String field, Path rdfFile) throws ModelPackageException {
    Object source = ref.get("source");
    if (source == null) throw new ModelPackageException(rdfFile + ": " + field + ".source missing");
    Path f = dir.resolve(source.toString());
    if (!Files.isRegularFile(f)) throw new ModelPackageException(rdfFile + ": " + field + " names " + source + ", which is missing");
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
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> section(Map<String, Object> m, String key, Path rdfFile) throws ModelPackageException {
    Object v = m.get(key);
    if (!(v instanceof Map)) throw new ModelPackageException(rdfFile + ": '" + key + "' missing or not a mapping");
    return (Map<String, Object>) v;
  }

  static NdArray readNpy(Path f) throws ModelPackageException {
    try (InputStream in = Files.newInputStream(f)) {
      return Npy.read(in, f.toString());
    } catch (IOException e) {
      throw new ModelPackageException(f + ": " + e.getMessage(), e);
    }
  }

  public Path dir() {
    return dir;
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

  /** The {@code config.mflag} section as read. */
  public Map<String, Object> config() {
    return mflag;
  }

  public NdArray testInput() throws ModelPackageException {
    return readNpy(dir.resolve(TEST_INPUT));
  }

  public NdArray testOutput(String outputId) throws ModelPackageException {
    return readNpy(dir.resolve("test_output_" + outputId + ".npy"));
  }

  /**
   * The SavedModel folder, unpacked once per weights hash into {@code <tmp>/mflag-models/<sha256>} (a
   * model folder inside Fiji may be read-only).
   */
  public Path savedModelDir() throws ModelPackageException {
    String sha = String.valueOf(((Map<?, ?>) ((Map<?, ?>) rdf.get("weights")).get("tensorflow_saved_model_bundle")).get("sha256"));
    Path target = Path.of(System.getProperty("java.io.tmpdir"), "mflag-models", sha);
    try {
      Path zip = dir.resolve(WEIGHTS);
      return Archives.unzipOnce(() -> Files.newInputStream(zip), target);
    } catch (IOException e) {
      throw new ModelPackageException(dir.resolve(WEIGHTS) + ": cannot be unpacked (" + e.getMessage() + ")", e);
    }
  }

  /** Opens the image encoder through DJL's TensorFlow engine. */
  public EncoderPredictor predictor() throws ModelPackageException {
    TensorFlowRuntime.ensureLoaded();
    return EncoderPredictor.load(savedModelDir(), imageSize());
  }

  static Map<String, Object> map(Object... kv) {
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
