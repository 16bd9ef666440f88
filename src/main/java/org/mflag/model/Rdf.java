package org.mflag.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A package's bioimage.io model description ({@code rdf.yaml}, format 0.5) as this program writes and reads it.
 * {@link RdfYaml} is the only place that sees YAML's maps: it writes these values as {@code rdf.yaml} and reads an
 * {@code rdf.yaml} back into them, checking what {@link ModelPackage#open} relies on. What a read rdf lacks (it may
 * come from another tool) is null, or an empty list; keys this program does not know are not kept: a package's
 * {@code rdf.yaml} is never rewritten, and {@link ModelPackage#writeZip} copies the file as it is.
 *
 * <p>Components in the order {@code rdf.yaml} has them ({@code type: model} is implied): {@code format_version},
 * {@code id}, {@code name}, {@code description}, {@code covers}, {@code authors}, {@code maintainers}, {@code cite},
 * {@code license}, {@code git_repo}, {@code documentation}, {@code tags}, {@code timestamp}, {@code training_data},
 * {@code inputs}, {@code outputs}, {@code weights}, {@code config}. Immutable, built with {@link #builder()}.</p>
 */
public final class Rdf extends RecordLike {

  private final String formatVersion;
  private final String id;
  private final String name;
  private final String description;
  private final List<String> covers;
  private final List<Author> authors;
  private final List<Author> maintainers;
  private final List<Cite> cite;
  private final String license;
  private final String gitRepo;
  private final String documentation;
  private final List<String> tags;
  private final String timestamp;
  private final Dataset trainingData;
  private final List<Tensor> inputs;
  private final List<Tensor> outputs;
  private final Weights weights;
  private final Config config;

  private Rdf(Builder b) {
    formatVersion = Objects.requireNonNull(b.formatVersion, "format_version");
    id = b.id;
    name = b.name;
    description = b.description;
    covers = list(b.covers);
    authors = list(b.authors);
    maintainers = list(b.maintainers);
    cite = list(b.cite);
    license = b.license;
    gitRepo = b.gitRepo;
    documentation = b.documentation;
    tags = list(b.tags);
    timestamp = b.timestamp;
    trainingData = b.trainingData;
    inputs = list(b.inputs);
    outputs = list(b.outputs);
    if (inputs.isEmpty() || outputs.isEmpty()) throw new IllegalArgumentException("an rdf needs inputs and outputs");
    weights = Objects.requireNonNull(b.weights, "weights");
    config = Objects.requireNonNull(b.config, "config");
  }

  public static Builder builder() {
    return new Builder();
  }

  public String formatVersion() { return formatVersion; }
  public String id() { return id; }
  public String name() { return name; }
  public String description() { return description; }
  public List<String> covers() { return covers; }
  public List<Author> authors() { return authors; }
  public List<Author> maintainers() { return maintainers; }
  public List<Cite> cite() { return cite; }
  public String license() { return license; }
  public String gitRepo() { return gitRepo; }
  public String documentation() { return documentation; }
  public List<String> tags() { return tags; }
  public String timestamp() { return timestamp; }
  public Dataset trainingData() { return trainingData; }
  public List<Tensor> inputs() { return inputs; }
  public List<Tensor> outputs() { return outputs; }
  public Weights weights() { return weights; }
  public Config config() { return config; }

  @Override
  List<Object> components() {
    return Arrays.asList(formatVersion, id, name, description, covers, authors, maintainers, cite, license, gitRepo, documentation, tags,
        timestamp, trainingData, inputs, outputs, weights, config);
  }

  /** An unmodifiable copy; null is an empty list. */
  static <T> List<T> list(List<T> l) {
    return l == null ? List.of() : List.copyOf(l);
  }

  /** An unmodifiable copy that may hold nulls; null stays null. */
  static <T> List<T> listWithNulls(List<T> l) {
    return l == null ? null : Collections.unmodifiableList(new ArrayList<>(l));
  }

  /** A bioimage.io author or maintainer: {@code name}, optional {@code affiliation}, {@code orcid}, {@code github_user}. */
  public static final class Author extends RecordLike {
    private final String name;
    private final String affiliation;
    private final String orcid;
    private final String githubUser;

    public Author(String name, String affiliation, String orcid, String githubUser) {
      this.name = Objects.requireNonNull(name, "author name");
      this.affiliation = affiliation;
      this.orcid = orcid;
      this.githubUser = githubUser;
    }

    public static Author named(String name) {
      return new Author(name, null, null, null);
    }

    /** A maintainer: a name and the GitHub account bioimage.io requires of one. */
    public static Author maintainer(String name, String githubUser) {
      return new Author(name, null, null, Objects.requireNonNull(githubUser, "github_user"));
    }

    public String name() { return name; }
    public String affiliation() { return affiliation; }
    public String orcid() { return orcid; }
    public String githubUser() { return githubUser; }

    @Override
    List<Object> components() {
      return Arrays.asList(name, affiliation, orcid, githubUser);
    }
  }

  /** A citation: {@code text} and {@code url}. */
  public static final class Cite extends RecordLike {
    private final String text;
    private final String url;

    public Cite(String text, String url) {
      this.text = Objects.requireNonNull(text, "cite text");
      this.url = url;
    }

    public String text() { return text; }
    public String url() { return url; }

    @Override
    List<Object> components() {
      return Arrays.asList(text, url);
    }
  }

  /**
   * A file of the package: {@code source} (relative to the package folder) and {@code sha256}. Either may be null
   * in a read rdf; {@link ModelPackage#open} refuses a file it uses without them.
   */
  public static final class FileRef extends RecordLike {
    private final String source;
    private final String sha256;

    public FileRef(String source, String sha256) {
      this.source = source;
      this.sha256 = sha256;
    }

    public String source() { return source; }
    public String sha256() { return sha256; }

    @Override
    List<Object> components() {
      return Arrays.asList(source, sha256);
    }
  }

  /** The training data as bioimage.io's nested dataset description ({@code type: dataset}): format version, name, description. */
  public static final class Dataset extends RecordLike {
    private final String formatVersion;
    private final String name;
    private final String description;

    public Dataset(String formatVersion, String name, String description) {
      this.formatVersion = formatVersion;
      this.name = name;
      this.description = description;
    }

    public String formatVersion() { return formatVersion; }
    public String name() { return name; }
    public String description() { return description; }

    @Override
    List<Object> components() {
      return Arrays.asList(formatVersion, name, description);
    }
  }

  /**
   * An input or output: {@code id}, {@code description}, {@code axes}, {@code test_tensor}, {@code data}, the pre- or
   * postprocessing steps (an input's {@code preprocessing}, an output's {@code postprocessing}) and {@code sample_tensor}.
   */
  public static final class Tensor extends RecordLike {
    private final String id;
    private final String description;
    private final List<Axis> axes;
    private final FileRef testTensor;
    private final TensorData data;
    private final List<Processing.Step> processing;
    private final FileRef sampleTensor;

    public Tensor(String id, String description, List<Axis> axes, FileRef testTensor, TensorData data, List<Processing.Step> processing,
        FileRef sampleTensor) {
      this.id = Objects.requireNonNull(id, "tensor id");
      this.description = description;
      this.axes = list(axes);
      this.testTensor = Objects.requireNonNull(testTensor, "test_tensor");
      this.data = data;
      this.processing = list(processing);
      this.sampleTensor = sampleTensor;
    }

    public String id() { return id; }
    public String description() { return description; }
    public List<Axis> axes() { return axes; }
    public FileRef testTensor() { return testTensor; }
    public TensorData data() { return data; }
    public List<Processing.Step> processing() { return processing; }
    public FileRef sampleTensor() { return sampleTensor; }

    @Override
    List<Object> components() {
      return Arrays.asList(id, description, axes, testTensor, data, processing, sampleTensor);
    }
  }

  /** One axis: {@code type}, {@code id}, {@code size}, {@code channel_names}; what a type does not have is null. */
  public static final class Axis extends RecordLike {
    private final String type;
    private final String id;
    private final Long size;
    private final List<String> channelNames;

    public Axis(String type, String id, Long size, List<String> channelNames) {
      this.type = type;
      this.id = id;
      this.size = size;
      this.channelNames = channelNames == null ? null : List.copyOf(channelNames);
    }

    public static Axis batch() {
      return new Axis("batch", null, null, null);
    }

    public static Axis space(String id, long size) {
      return new Axis("space", id, size, null);
    }

    public static Axis index(String id, long size) {
      return new Axis("index", id, size, null);
    }

    public static Axis channel(List<String> names) {
      return new Axis("channel", null, null, names);
    }

    public String type() { return type; }
    public String id() { return id; }
    public Long size() { return size; }
    public List<String> channelNames() { return channelNames; }

    /** The axis id as bioimage.io reads it: {@code batch} and {@code channel} for those types (a channel without an id), else the id. */
    public String bioimageioId() {
      return "batch".equals(type) || "channel".equals(type) && id == null ? type : String.valueOf(id);
    }

    /** The size a tensor has along this axis: the number of channel names, or {@code size}; null when not fixed. */
    public Long expectedSize() {
      return channelNames != null ? Long.valueOf(channelNames.size()) : size;
    }

    /** The ids of {@code axes} as bioimage.io reads them ({@link #bioimageioId}). */
    public static List<String> ids(List<Axis> axes) {
      List<String> ids = new ArrayList<>();
      for (Axis a : axes) ids.add(a.bioimageioId());
      return ids;
    }

    @Override
    List<Object> components() {
      return Arrays.asList(type, id, size, channelNames);
    }
  }

  /** A tensor's {@code data}: the value {@code type} and its {@code range [min, max]} (an open end null), or null for none. */
  public static final class TensorData extends RecordLike {
    private final String type;
    private final List<Double> range;

    public TensorData(String type, List<Double> range) {
      this.type = type;
      this.range = listWithNulls(range);
    }

    public static TensorData float32() {
      return new TensorData("float32", null);
    }

    public String type() { return type; }
    public List<Double> range() { return range; }

    @Override
    List<Object> components() {
      return Arrays.asList(type, range);
    }
  }

  /**
   * One weights format of {@code weights}: the key it is written under and its file. The formats are the subclasses
   * of this package: {@link TensorflowSavedModelBundle} and {@link Onnx}, converted from it (its {@code parent}); a new
   * format is one more subclass and one more case in {@link RdfYaml}.
   */
  public abstract static class WeightsEntry extends RecordLike {
    private final FileRef file;

    WeightsEntry(FileRef file) {
      this.file = Objects.requireNonNull(file, "weights file");
    }

    /** The format's key in {@code weights} ({@code tensorflow_saved_model_bundle}, ...). */
    public abstract String format();

    /** {@code source} and {@code sha256}. */
    public FileRef file() { return file; }
  }

  /** {@code weights.tensorflow_saved_model_bundle}: the zipped SavedModel and the TensorFlow version that wrote it. */
  public static final class TensorflowSavedModelBundle extends WeightsEntry {
    public static final String FORMAT = "tensorflow_saved_model_bundle";
    private final String tensorflowVersion;

    public TensorflowSavedModelBundle(FileRef file, String tensorflowVersion) {
      super(file);
      this.tensorflowVersion = tensorflowVersion;
    }

    @Override
    public String format() {
      return FORMAT;
    }

    public String tensorflowVersion() { return tensorflowVersion; }

    @Override
    List<Object> components() {
      return Arrays.asList(file(), tensorflowVersion);
    }
  }

  /**
   * {@code weights.onnx}: the same network as an ONNX model, converted from the SavedModel ({@code parent}), at the
   * opset it was written for.
   */
  public static final class Onnx extends WeightsEntry {
    public static final String FORMAT = "onnx";
    private final int opsetVersion;
    private final String parent;

    public Onnx(FileRef file, int opsetVersion, String parent) {
      super(file);
      this.opsetVersion = opsetVersion;
      this.parent = parent;
    }

    @Override
    public String format() {
      return FORMAT;
    }

    public int opsetVersion() { return opsetVersion; }

    /** The format it was converted from: {@code tensorflow_saved_model_bundle}. */
    public String parent() { return parent; }

    @Override
    List<Object> components() {
      return Arrays.asList(file(), opsetVersion, parent);
    }
  }

  /** {@code weights}: one entry per format, in order, no format twice. */
  public static final class Weights extends RecordLike {
    private final List<WeightsEntry> entries;

    public Weights(List<WeightsEntry> entries) {
      this.entries = List.copyOf(entries);
      if (this.entries.isEmpty()) throw new IllegalArgumentException("weights: no entry");
      Set<String> formats = new HashSet<>();
      for (WeightsEntry e : this.entries) if (!formats.add(e.format())) throw new IllegalArgumentException("weights: two " + e.format() + " entries");
    }

    public static Weights of(WeightsEntry... entries) {
      return new Weights(List.of(entries));
    }

    public List<WeightsEntry> entries() { return entries; }

    /** The entry of {@code type}'s format, if there is one. */
    public <T extends WeightsEntry> Optional<T> entry(Class<T> type) {
      return entries.stream().filter(type::isInstance).map(type::cast).findFirst();
    }

    @Override
    List<Object> components() {
      return List.of(entries);
    }
  }

  /**
   * {@code config}: {@code bioimageio.nickname} (JDLL's name for a model without an id), {@code deepimagej.allow_tiling}
   * and this program's {@code mflag} section; the first two null when not stated.
   */
  public static final class Config extends RecordLike {
    private final String nickname;
    private final Boolean allowTiling;
    private final MflagConfig mflag;

    public Config(String nickname, Boolean allowTiling, MflagConfig mflag) {
      this.nickname = nickname;
      this.allowTiling = allowTiling;
      this.mflag = Objects.requireNonNull(mflag, "config.mflag");
    }

    public String nickname() { return nickname; }
    public Boolean allowTiling() { return allowTiling; }
    public MflagConfig mflag() { return mflag; }

    @Override
    List<Object> components() {
      return Arrays.asList(nickname, allowTiling, mflag);
    }
  }

  /**
   * An {@link Rdf}: inputs, outputs, weights and config required ({@code set...}), the rest optional
   * ({@code opt...}); {@code format_version} is {@link ModelPackage#FORMAT_VERSION} unless set.
   */
  public static final class Builder {
    private String formatVersion = ModelPackage.FORMAT_VERSION;
    private String id;
    private String name;
    private String description;
    private List<String> covers;
    private List<Author> authors;
    private List<Author> maintainers;
    private List<Cite> cite;
    private String license;
    private String gitRepo;
    private String documentation;
    private List<String> tags;
    private String timestamp;
    private Dataset trainingData;
    private List<Tensor> inputs;
    private List<Tensor> outputs;
    private Weights weights;
    private Config config;

    private Builder() {}

    public Builder setFormatVersion(String v) { formatVersion = v; return this; }
    public Builder setInputs(List<Tensor> v) { inputs = v; return this; }
    public Builder setOutputs(List<Tensor> v) { outputs = v; return this; }
    public Builder setWeights(Weights v) { weights = v; return this; }
    public Builder setConfig(Config v) { config = v; return this; }
    public Builder optId(String v) { id = v; return this; }
    public Builder optName(String v) { name = v; return this; }
    public Builder optDescription(String v) { description = v; return this; }
    public Builder optCovers(List<String> v) { covers = v; return this; }
    public Builder optAuthors(List<Author> v) { authors = v; return this; }
    public Builder optMaintainers(List<Author> v) { maintainers = v; return this; }
    public Builder optCite(List<Cite> v) { cite = v; return this; }
    public Builder optLicense(String v) { license = v; return this; }
    public Builder optGitRepo(String v) { gitRepo = v; return this; }
    public Builder optDocumentation(String v) { documentation = v; return this; }
    public Builder optTags(List<String> v) { tags = v; return this; }
    public Builder optTimestamp(String v) { timestamp = v; return this; }
    public Builder optTrainingData(Dataset v) { trainingData = v; return this; }

    public Rdf build() {
      return new Rdf(this);
    }
  }
}
