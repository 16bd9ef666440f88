package org.mflag.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mflag.config.Key;
import org.mflag.io.Folders;
import org.mflag.nn.Architecture;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The YAML boundary of a package: {@link Rdf} to {@code rdf.yaml} text and back. Writing turns the records into
 * ordered mappings (every mapping and list a new one, so that the YAML has no anchors) in the order the spec's
 * examples use; absent values are left out. Reading parses with SnakeYAML's safe constructor, dispatches on
 * {@code format_version}, and checks the structure and the {@code config.mflag} values that {@link ModelPackage#open}
 * relies on, each error naming the file and the field; what is read but not relied on is taken leniently (a value of
 * another type is absent).
 */
final class RdfYaml {

  /** What a package may say about itself in {@code config.mflag}, checked like the launcher's keys. */
  static final Key IMAGE_SIZE = Key.integer("image_size", "224", "network input size").atLeast(32).atMost(4096);
  static final Key STORED_SIZE = Key.integer("stored_size", "256", "size images are stored at before cropping").atLeast(32).atMost(8192);
  static final Key EMBEDDING_SIZE = Key.integer("embedding_size", "2048", "pooled encoder features").atLeast(1).atMost(1 << 16);
  static final Key PROJECTION_SIZE = Key.integer("projection_size", "1024", "projection size").atLeast(1).atMost(1 << 16);
  static final Key TEXT_DIMENSION = Key.integer("text_dimension", "768", "report embedding size").atLeast(1).atMost(1 << 16);
  static final Key MULTI_LABEL = Key.bool("multi_label", "false", "several classes per image");
  private static final List<Key> VALUES = List.of(IMAGE_SIZE, STORED_SIZE, EMBEDDING_SIZE, PROJECTION_SIZE, TEXT_DIMENSION, MULTI_LABEL);
  /** The recommended decision values: numbers, whose ranges are the launcher keys' ({@link ModelPackage#number}). */
  private static final List<String> RECOMMENDED = List.of("threshold", "confidence", "nms_iou");
  static final List<String> TASKS = List.of(ModelPackage.PRETRAIN, "segmentation", "classification", "detection");

  private RdfYaml() {}

  // ---------------------------------------------------------------- writing

  /**
   * {@code rdf.yaml}'s mapping {@code m} as read, with the ONNX weights entry added and, for an encoder, the text
   * projector's ONNX file under {@code config.mflag.text_signature.onnx}: every other field stays as it was.
   */
  @SuppressWarnings("unchecked")
  static String withOnnx(Map<String, Object> m, Rdf.Onnx onnx, Rdf.FileRef text) {
    Map<String, Object> weights = new LinkedHashMap<>((Map<String, Object>) m.get("weights"));
    weights.put(onnx.format(), weightsEntry(onnx));
    m.put("weights", weights);
    if (text != null) {
      Map<String, Object> config = (Map<String, Object>) m.get("config");
      Map<String, Object> mflag = (Map<String, Object>) config.get("mflag");
      Map<String, Object> sig = new LinkedHashMap<>((Map<String, Object>) mflag.get("text_signature"));
      sig.put("onnx", fileRef(text));
      mflag.put("text_signature", sig);
    }
    return dump(m);
  }

  /** The description as {@code rdf.yaml} text. */
  static String dump(Rdf rdf) {
    return dump(yaml(rdf));
  }

  private static String dump(Map<String, Object> m) {
    DumperOptions o = new DumperOptions();
    o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    o.setWidth(120);
    return new Yaml(o).dump(m);
  }

  static Map<String, Object> yaml(Rdf r) {
    Map<String, Object> m = new LinkedHashMap<>();
    put(m, "format_version", r.formatVersion());
    m.put("type", "model");
    put(m, "id", r.id());
    put(m, "name", r.name());
    put(m, "description", r.description());
    put(m, "covers", r.covers());
    put(m, "authors", each(r.authors(), a -> map("name", a.name(), "affiliation", a.affiliation(), "orcid", a.orcid(),
        "github_user", a.githubUser())));
    put(m, "maintainers", each(r.maintainers(), a -> map("name", a.name(), "affiliation", a.affiliation(), "orcid", a.orcid(),
        "github_user", a.githubUser())));
    put(m, "cite", each(r.cite(), c -> map("text", c.text(), "url", c.url())));
    put(m, "license", r.license());
    put(m, "git_repo", r.gitRepo());
    put(m, "documentation", r.documentation());
    put(m, "tags", r.tags());
    put(m, "timestamp", r.timestamp());
    Rdf.Dataset d = r.trainingData();
    if (d != null) m.put("training_data", map("type", "dataset", "format_version", d.formatVersion(), "name", d.name(), "description", d.description()));
    m.put("inputs", each(r.inputs(), t -> tensor(t, "preprocessing")));
    m.put("outputs", each(r.outputs(), t -> tensor(t, "postprocessing")));
    Map<String, Object> weights = new LinkedHashMap<>();
    for (Rdf.WeightsEntry e : r.weights().entries()) weights.put(e.format(), weightsEntry(e));
    m.put("weights", weights);
    Rdf.Config c = r.config();
    Map<String, Object> config = new LinkedHashMap<>();
    if (c.nickname() != null) config.put("bioimageio", map("nickname", c.nickname()));
    if (c.allowTiling() != null) config.put("deepimagej", map("allow_tiling", c.allowTiling()));
    config.put("mflag", mflag(c.mflag()));
    m.put("config", config);
    return m;
  }

  private static Map<String, Object> tensor(Rdf.Tensor t, String processingKey) {
    Map<String, Object> m = map("id", t.id(), "description", t.description());
    m.put("axes", each(t.axes(), a -> map("type", a.type(), "id", a.id(), "size", a.size(), "channel_names", copy(a.channelNames()))));
    m.put("test_tensor", fileRef(t.testTensor()));
    if (t.data() != null) m.put("data", map("type", t.data().type(), "range", copy(t.data().range())));
    put(m, processingKey, each(t.processing(), s -> s.kwargs().isEmpty() ? map("id", s.id()) : map("id", s.id(), "kwargs", kwargs(s.kwargs()))));
    if (t.sampleTensor() != null) m.put("sample_tensor", fileRef(t.sampleTensor()));
    return m;
  }

  /** An operator's arguments as given, each list a new one. */
  private static Map<String, Object> kwargs(Processing.Kwargs kw) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : kw.yaml().entrySet()) m.put(e.getKey(), e.getValue() instanceof List ? copy((List<?>) e.getValue()) : e.getValue());
    return m;
  }

  private static Map<String, Object> fileRef(Rdf.FileRef f) {
    return map("source", f.source(), "sha256", f.sha256());
  }

  /** A weights entry: its file, then what its format adds. A new format is one more case here and in {@link #weights}. */
  private static Map<String, Object> weightsEntry(Rdf.WeightsEntry e) {
    Map<String, Object> m = fileRef(e.file());
    if (e instanceof Rdf.TensorflowSavedModelBundle) put(m, "tensorflow_version", ((Rdf.TensorflowSavedModelBundle) e).tensorflowVersion());
    if (e instanceof Rdf.Onnx) {
      m.put("opset_version", ((Rdf.Onnx) e).opsetVersion());
      m.put("parent", ((Rdf.Onnx) e).parent());
    }
    return m;
  }

  private static Map<String, Object> mflag(MflagConfig c) {
    Map<String, Object> m = map("package_version", c.packageVersion(), "task", c.task(), "encoder", c.encoder().key(), "image_size",
        c.imageSize(), "normalisation", c.normalisation(), "stored_size", c.storedSize(), "embedding_size", c.embeddingSize(),
        "projection_size", c.projectionSize(), "text_dimension", c.textDimension());
    MflagConfig.TextSignature s = c.textSignature();
    if (s != null) {
      Map<String, Object> sig = map("key", s.key(), "input", s.input(), "output", s.output());
      if (s.onnx() != null) sig.put("onnx", fileRef(s.onnx()));
      m.put("text_signature", sig);
    }
    put(m, "text_model", c.textModel());
    if (c.classes() != null) m.put("classes", copy(c.classes()));
    putAll(m, "multi_label", c.multiLabel(), "threshold", c.threshold(), "confidence", c.confidence(), "nms_iou", c.nmsIou(), "layout",
        c.layout(), "preprocessing", c.preprocessing(), "encoder_model", c.encoderModel(), "freeze_encoder", c.freezeEncoder(), "fraction",
        c.fraction(), "training_images", c.trainingImages(), "training_split_images", c.trainingSplitImages(), "best_epoch", c.bestEpoch());
    MflagConfig.Loss l = c.loss();
    if (l != null) {
      m.put("loss", map("name", l.name(), "lambda_orth", l.lambdaOrth(), "orth_variant", l.orthVariant(), "off_diagonal_weight",
          l.offDiagonalWeight(), "lambda_contrastive", l.lambdaContrastive(), "contrastive_temperature", l.contrastiveTemperature()));
    }
    if (c.training() != null) m.put("training", new LinkedHashMap<>(c.training()));
    MflagConfig.DataSource d = c.data();
    if (d != null) {
      Map<String, Object> data = map("manifest", d.manifest(), "manifest_sha256", d.manifestSha256(), "pairs", d.pairs());
      if (d.splitFile() != null) data.put("split_file", fileRef(d.splitFile()));
      m.put("data", data);
    }
    put(m, "steps", c.steps());
    MflagConfig.LossParts f = c.finalLoss();
    if (f != null) m.put("final_loss", map("total", f.total(), "align", f.align(), "orth", f.orth()));
    if (c.epochLosses() != null) m.put("epoch_losses", copy(c.epochLosses()));
    if (c.validationMetrics() != null) m.put("validation_metrics", new LinkedHashMap<>(c.validationMetrics()));
    MflagConfig.Versions v = c.versions();
    if (v != null) m.put("versions", map("mflag", v.mflag(), "tensorflow", v.tensorflow(), "djl", v.djl(), "java", v.java()));
    return m;
  }

  /** An ordered mapping from alternating keys and values, the null values left out. */
  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    putAll(m, kv);
    return m;
  }

  private static void putAll(Map<String, Object> m, Object... kv) {
    for (int i = 0; i < kv.length; i += 2) put(m, (String) kv[i], kv[i + 1]);
  }

  /** Puts {@code value} unless it is null or an empty list; a list as a new one. */
  private static void put(Map<String, Object> m, String key, Object value) {
    if (value instanceof List && ((List<?>) value).isEmpty() || value == null) return;
    m.put(key, value instanceof List ? copy((List<?>) value) : value);
  }

  private static <T> List<T> copy(List<T> l) {
    return l == null ? null : new ArrayList<>(l);
  }

  private static <T> List<Object> each(List<T> items, java.util.function.Function<T, Object> f) {
    List<Object> out = new ArrayList<>();
    for (T t : items) out.add(f.apply(t));
    return out;
  }

  // ---------------------------------------------------------------- reading

  /** Parses {@code rdf.yaml} (at most a few KiB: no alias bombs, bounded nesting) as a mapping. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> load(Path rdfFile) throws ModelPackageException {
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
    return (Map<String, Object>) parsed;
  }

  /**
   * The description {@code m} (read from {@code rdfFile}) holds, structure and used values checked: format version
   * 0.5.x, type {@code model}, a {@code tensorflow_saved_model_bundle} weights entry, {@code config.mflag} and its values
   * ({@link #checkValues}), inputs and outputs as lists of mappings with mappings for axes and test tensors. The files
   * named are not looked at here ({@link ModelPackage#open} does).
   */
  static Rdf read(Map<?, ?> m, Path rdfFile) throws ModelPackageException {
    String fv = String.valueOf(m.get("format_version"));
    if (!fv.startsWith("0.5.")) throw new ModelPackageException(rdfFile + ": format_version " + fv + " unsupported (need 0.5.x)");
    if (!"model".equals(m.get("type"))) throw new ModelPackageException(rdfFile + ": type is " + m.get("type") + ", need model");
    Rdf.Weights weights = weights(section(m, "weights", rdfFile), rdfFile);
    Map<?, ?> config = section(m, "config", rdfFile);
    Map<?, ?> mflag = section(config, "mflag", rdfFile);
    checkValues(mflag, rdfFile);
    Map<?, ?> bioimageio = mapping(config.get("bioimageio"));
    Map<?, ?> deepimagej = mapping(config.get("deepimagej"));
    Rdf.Config c = new Rdf.Config(bioimageio == null ? null : text(bioimageio.get("nickname")),
        deepimagej == null ? null : bool(deepimagej.get("allow_tiling")), mflag(mflag));
    Map<?, ?> td = mapping(m.get("training_data"));
    return Rdf.builder().setFormatVersion(fv).optId(text(m.get("id"))).optName(text(m.get("name"))).optDescription(text(m.get("description")))
        .optCovers(texts(m.get("covers"))).optAuthors(authors(m.get("authors"))).optMaintainers(authors(m.get("maintainers")))
        .optCite(cite(m.get("cite"))).optLicense(text(m.get("license"))).optGitRepo(text(m.get("git_repo")))
        .optDocumentation(m.get("documentation") instanceof String ? (String) m.get("documentation") : null).optTags(texts(m.get("tags")))
        .optTimestamp(text(m.get("timestamp")))
        .optTrainingData(td == null ? null : new Rdf.Dataset(text(td.get("format_version")), text(td.get("name")), text(td.get("description"))))
        .setInputs(tensors(m, "inputs", "preprocessing", rdfFile)).setOutputs(tensors(m, "outputs", "postprocessing", rdfFile))
        .setWeights(weights).setConfig(c).build();
  }

  /**
   * The weights entries of the formats this program knows: the SavedModel (which must be there) and, in packages
   * written since ONNX weights, the ONNX model converted from it (an opset that is not an integer reads as -1). Other
   * formats are left out.
   */
  private static Rdf.Weights weights(Map<?, ?> w, Path rdfFile) throws ModelPackageException {
    Map<?, ?> bundle = section(w, Rdf.TensorflowSavedModelBundle.FORMAT, rdfFile);
    List<Rdf.WeightsEntry> entries = new ArrayList<>();
    entries.add(new Rdf.TensorflowSavedModelBundle(fileRef(bundle), text(bundle.get("tensorflow_version"))));
    if (w.get(Rdf.Onnx.FORMAT) != null) {
      Map<?, ?> onnx = section(w, Rdf.Onnx.FORMAT, rdfFile);
      // read leniently: the entry is checked when ONNX Runtime is to run it (ModelPackage.onnxFile), not for TensorFlow
      Object opset = onnx.get("opset_version");
      entries.add(new Rdf.Onnx(fileRef(onnx), opset instanceof Integer ? (Integer) opset : -1, text(onnx.get("parent"))));
    }
    return new Rdf.Weights(entries);
  }

  /** The {@code config.mflag} values this program uses, each against its declaration. */
  private static void checkValues(Map<?, ?> mflag, Path rdfFile) throws ModelPackageException {
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
      for (String k : RECOMMENDED) {
        Object v = mflag.get(k);
        if (v != null && !(v instanceof Number)) throw new IllegalArgumentException(k + "=" + v + ": must be a number");
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

  /** {@code config.mflag}, its used values checked ({@link #checkValues}). */
  private static MflagConfig mflag(Map<?, ?> m) {
    Map<?, ?> sig = mapping(m.get("text_signature"));
    Map<?, ?> loss = mapping(m.get("loss"));
    Map<?, ?> data = mapping(m.get("data"));
    Map<?, ?> split = data == null ? null : mapping(data.get("split_file"));
    Map<?, ?> last = mapping(m.get("final_loss"));
    Map<?, ?> versions = mapping(m.get("versions"));
    return MflagConfig.builder(String.valueOf(m.get("task")), Architecture.fromKey(String.valueOf(m.get("encoder"))),
            ((Number) m.get("image_size")).intValue())
        .optPackageVersion(integer(m.get("package_version"))).optNormalisation(text(m.get("normalisation")))
        .optSizes(integer(m.get("stored_size")), integer(m.get("embedding_size")), integer(m.get("projection_size")),
            integer(m.get("text_dimension")))
        .optTextSignature(sig == null ? null : new MflagConfig.TextSignature(text(sig.get("key")), text(sig.get("input")), text(sig.get("output")),
            mapping(sig.get("onnx")) == null ? null : fileRef(mapping(sig.get("onnx")))))
        .optTextModel(text(m.get("text_model"))).optClasses(m.get("classes") == null ? null : texts(m.get("classes")), bool(m.get("multi_label")))
        .optThreshold(decimal(m.get("threshold"))).optDetection(decimal(m.get("confidence")), decimal(m.get("nms_iou")))
        .optLayout(text(m.get("layout"))).optPreprocessing(text(m.get("preprocessing")))
        .optEncoderModel(text(m.get("encoder_model")), bool(m.get("freeze_encoder"))).optFraction(decimal(m.get("fraction")))
        .optTrainingImages(integer(m.get("training_images")), integer(m.get("training_split_images"))).optBestEpoch(integer(m.get("best_epoch")))
        .optLoss(loss == null ? null : new MflagConfig.Loss(text(loss.get("name")), decimal(loss.get("lambda_orth")), text(loss.get("orth_variant")),
            decimal(loss.get("off_diagonal_weight")), decimal(loss.get("lambda_contrastive")), decimal(loss.get("contrastive_temperature"))))
        .optTraining(textValues(mapping(m.get("training"))))
        .optData(data == null ? null : new MflagConfig.DataSource(text(data.get("manifest")), text(data.get("manifest_sha256")),
            integer(data.get("pairs")), split == null ? null : fileRef(split)))
        .optSteps(m.get("steps") instanceof Number ? ((Number) m.get("steps")).longValue() : null)
        .optFinalLoss(last == null ? null : new MflagConfig.LossParts(decimal(last.get("total")), decimal(last.get("align")), decimal(last.get("orth"))))
        .optEpochLosses(m.get("epoch_losses") instanceof List ? decimals((List<?>) m.get("epoch_losses")) : null)
        .optValidationMetrics(metrics(mapping(m.get("validation_metrics"))))
        .optVersions(versions == null ? null : new MflagConfig.Versions(text(versions.get("mflag")), text(versions.get("tensorflow")),
            text(versions.get("djl")), text(versions.get("java"))))
        .build();
  }

  private static List<Rdf.Tensor> tensors(Map<?, ?> rdf, String key, String processingKey, Path rdfFile) throws ModelPackageException {
    Object v = rdf.get(key);
    if (!(v instanceof List) || ((List<?>) v).isEmpty()) throw new ModelPackageException(rdfFile + ": no " + key);
    for (Object t : (List<?>) v) if (!(t instanceof Map)) throw new ModelPackageException(rdfFile + ": an entry of " + key + " is not a mapping");
    List<Rdf.Tensor> out = new ArrayList<>();
    for (Object o : (List<?>) v) {
      Map<?, ?> t = (Map<?, ?>) o;
      String id = String.valueOf(t.get("id"));
      Rdf.FileRef test = fileRef(section(t, "test_tensor", rdfFile));
      List<Rdf.Axis> axes = new ArrayList<>();
      List<?> given = t.get("axes") instanceof List ? (List<?>) t.get("axes") : List.of();
      for (int i = 0; i < given.size(); i++) {
        Map<?, ?> a = mapping(given.get(i));
        if (a == null) throw new ModelPackageException(rdfFile + ": " + key + "." + id + ".axes[" + i + "] is not a mapping");
        axes.add(new Rdf.Axis(text(a.get("type")), text(a.get("id")), a.get("size") instanceof Number ? ((Number) a.get("size")).longValue() : null,
            a.get("channel_names") instanceof List ? texts(a.get("channel_names")) : null));
      }
      List<Processing.Step> steps = new ArrayList<>();
      List<?> declared = t.get(processingKey) instanceof List ? (List<?>) t.get(processingKey) : List.of();
      for (int i = 0; i < declared.size(); i++) {
        Map<?, ?> s = mapping(declared.get(i));
        if (s == null) throw new ModelPackageException(rdfFile + ": " + key + "." + id + "." + processingKey + "[" + i + "] is not a mapping");
        Map<?, ?> kwargs = mapping(s.get("kwargs"));
        steps.add(new Processing.Step(String.valueOf(s.get("id")), kwargs == null ? Processing.Kwargs.NONE : Processing.Kwargs.fromYaml(kwargs)));
      }
      Map<?, ?> data = mapping(t.get("data"));
      Map<?, ?> sample = mapping(t.get("sample_tensor"));
      out.add(new Rdf.Tensor(id, text(t.get("description")), axes, test,
          data == null ? null : new Rdf.TensorData(text(data.get("type")), data.get("range") instanceof List ? decimals((List<?>) data.get("range")) : null),
          steps, sample == null ? null : fileRef(sample)));
    }
    return out;
  }

  /** A {@code source}/{@code sha256} pair as given: a source that is no text is missing ({@link ModelPackage#open} says so). */
  private static Rdf.FileRef fileRef(Map<?, ?> m) {
    return new Rdf.FileRef(m.get("source") instanceof String ? (String) m.get("source") : null, text(m.get("sha256")));
  }

  private static List<Rdf.Author> authors(Object v) {
    List<Rdf.Author> out = new ArrayList<>();
    for (Map<?, ?> a : mappings(v)) {
      if (a.get("name") != null) {
        out.add(new Rdf.Author(text(a.get("name")), text(a.get("affiliation")), text(a.get("orcid")), text(a.get("github_user"))));
      }
    }
    return out;
  }

  private static List<Rdf.Cite> cite(Object v) {
    List<Rdf.Cite> out = new ArrayList<>();
    for (Map<?, ?> c : mappings(v)) if (c.get("text") != null) out.add(new Rdf.Cite(text(c.get("text")), text(c.get("url"))));
    return out;
  }

  private static Map<?, ?> section(Map<?, ?> m, String key, Path rdfFile) throws ModelPackageException {
    Object v = m.get(key);
    if (!(v instanceof Map)) throw new ModelPackageException(rdfFile + ": '" + key + "' missing or not a mapping");
    return (Map<?, ?>) v;
  }

  private static Map<?, ?> mapping(Object v) {
    return v instanceof Map ? (Map<?, ?>) v : null;
  }

  private static List<Map<?, ?>> mappings(Object v) {
    List<Map<?, ?>> out = new ArrayList<>();
    if (v instanceof List) for (Object o : (List<?>) v) if (o instanceof Map) out.add((Map<?, ?>) o);
    return out;
  }

  private static String text(Object v) {
    return v == null ? null : String.valueOf(v);
  }

  /** A list's elements as texts (a null one "null"); empty when {@code v} is no list. */
  private static List<String> texts(Object v) {
    List<String> out = new ArrayList<>();
    if (v instanceof List) for (Object o : (List<?>) v) out.add(String.valueOf(o));
    return out;
  }

  /** A mapping's values as texts, in order; null for no mapping. */
  private static Map<String, String> textValues(Map<?, ?> m) {
    if (m == null) return null;
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : m.entrySet()) out.put(String.valueOf(e.getKey()), text(e.getValue()));
    return out;
  }

  private static Map<String, Double> metrics(Map<?, ?> m) {
    if (m == null) return null;
    Map<String, Double> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : m.entrySet()) out.put(String.valueOf(e.getKey()), decimal(e.getValue()));
    return out;
  }

  private static Integer integer(Object v) {
    return v instanceof Number ? ((Number) v).intValue() : null;
  }

  private static Double decimal(Object v) {
    return v instanceof Number ? ((Number) v).doubleValue() : null;
  }

  /** The numbers of a list (an element that is no number null). */
  private static List<Double> decimals(List<?> l) {
    List<Double> out = new ArrayList<>();
    for (Object o : l) out.add(decimal(o));
    return out;
  }

  private static Boolean bool(Object v) {
    return v instanceof Boolean ? (Boolean) v : null;
  }
}
