package org.mflag.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.mflag.config.Task;
import org.mflag.data.DataConfig;
import org.mflag.data.DatasetException;
import org.mflag.data.ImageDecoder;
import org.mflag.data.Labels;
import org.mflag.data.Manifest;
import org.mflag.data.Preprocessing;
import org.mflag.data.SkippedPair;
import org.mflag.data.Split;
import org.mflag.data.Splits;
import org.mflag.data.TaskData;
import org.mflag.data.TaskDataset.Sample;
import org.mflag.data.TaskDataset;
import org.mflag.eval.MetricsReport;
import org.mflag.infer.Scorer;
import org.mflag.io.Archives;
import org.mflag.model.MflagConfig;
import org.mflag.model.ModelPackage;
import org.mflag.model.ModelPackageException;
import org.mflag.model.OnnxWeights;
import org.mflag.model.Rdf;
import org.mflag.model.TaskGraph;
import org.mflag.model.TaskPackage;
import org.mflag.nn.Architecture;
import org.mflag.nn.Parameters;
import org.mflag.nn.TaskNetwork;
import org.mflag.runtime.Devices;
import org.mflag.runtime.TensorFlowRuntime;
import org.scijava.log.Logger;

/**
 * Fine-tunes a pre-trained (or random) encoder for one downstream task (MFLAG.md, "Downstream
 * protocols"): reads the labelled images and the split, takes the seeded label fraction of the training
 * split, then trains the head (and the encoder unless frozen) in the {@link TrainingLoop}. What is
 * fine-tuning's own is the {@link Trainable} here: task batches (augmented images and targets), the
 * task's step, validation after every epoch with {@link EarlyStopping} (the best weights are kept in
 * {@code checkpoints/best/}), and the export of the best model ({@link TaskPackage}).
 */
public final class Finetuner {

  private final FinetuneConfig cfg;
  private final ImageDecoder decoder;
  private final Logger log;

  public Finetuner(FinetuneConfig cfg, ImageDecoder decoder, Logger log) {
    this.cfg = cfg;
    this.decoder = decoder;
    this.log = log;
  }

  public TrainingResult run(TrainingListener listener, BooleanSupplier canceled)
      throws DatasetException, IOException, TrainingException, ModelPackageException {
    try (TrainingLoop loop = new TrainingLoop(TrainingLoop.Options.in(cfg.output(), cfg.fingerprint())
        .optDeclarations(FinetuneConfig.keys(cfg.task())).optResume(cfg.resume())
        .optLogEvery(cfg.logEvery()).optMaxSteps(cfg.maxSteps()).optWorkers(cfg.data().workers()), log)) {
      return train(loop, listener, canceled);
    }
  }

  /** The run, in a loop that holds the output folder. */
  private TrainingResult train(TrainingLoop loop, TrainingListener listener, BooleanSupplier canceled)
      throws DatasetException, IOException, TrainingException, ModelPackageException {
    String tfVersion = TensorFlowRuntime.ensureLoaded();
    Devices.Plan devices = Devices.resolve(cfg.device());
    log.info("device: " + devices.describe() + (devices.replicas().size() > 1
        ? "; fine-tuning computes on the first of them (data-parallel replicas are pre-training's)" : ""));
    log.info(FinetuneConfig.command(cfg.task()) + " " + cfg.toKeyValues());
    Labelled d = read();
    ModelPackage pretrained = cfg.encoderModel() == null ? null : ModelPackage.open(cfg.encoderModel());
    if (cfg.imagenetWeights() != null) org.mflag.nn.ImageNetImport.require(cfg.cacheDir()); // says how to import them
    Architecture arch = pretrained == null ? cfg.encoder() : pretrained.architecture();
    if (pretrained != null && cfg.encoderGiven() && arch != cfg.encoder()) {
      throw new IllegalArgumentException("encoder=" + cfg.encoder().key() + " but encoder_model " + cfg.encoderModel() + " holds a "
          + arch.key());
    }
    FinetuneSpec spec = spec(d, arch, devices);
    try (FinetuneGraph g = new FinetuneGraph(spec);
        TaskGraph v = new TaskGraph(TaskGraph.Spec.of(cfg.task(), arch, spec.size).optClasses(spec.classes, spec.multiLabel)
            .optDevices(devices))) {
      log.info(String.format("%s %s: %,d trainable parameters, encoder %s (%s)", arch.key(), cfg.task().modelName(),
          g.parameters().count(Parameters.Kind.TRAINABLE), spec.freezeEncoder ? "frozen" : "trained",
          pretrained != null ? cfg.encoderModel() : cfg.imagenetWeights() != null ? "ImageNet, " + cfg.imagenetWeights() : "random init"));
      Run run = new Run(new Graphs(g, v, spec), d, pretrained, tfVersion);
      return loop.run(run, d.manifest, listener, canceled);
    }
  }

  /** The labelled data of a run: manifest, task data, the samples used for training and for validation. */
  private static final class Labelled {
    Manifest manifest;
    TaskData task;
    /** Every usable training and validation sample (the most boxes per image is taken over them). */
    List<Sample> all;
    List<Sample> train;
    int trainSplit;
    List<Sample> val;
    String splitsSha256;
  }

  private Labelled read() throws DatasetException, IOException {
    Labelled d = new Labelled();
    DataConfig data = cfg.data();
    d.manifest = data.readManifest();
    Map<String, Split> splits = Splits.assign(d.manifest, data.splitColumn(), data.groupColumn(), data.valFraction(), data.testFraction(),
        cfg.seed());
    Splits.write(cfg.output().resolve(Splits.FILE), splits);
    d.splitsSha256 = org.mflag.io.Hashing.sha256(cfg.output().resolve(Splits.FILE));
    d.task = TaskData.of(cfg.task(), data, d.manifest, cfg.imageSize(), null);
    TaskDataset dataset = TaskDataset.open(d.manifest, splits, List.of(Split.TRAIN, Split.VAL),
        d.task.options.optWorkers(data.workers()).optOnBadInput(data.onBadInput()), decoder, log);
    if (!dataset.skipped().isEmpty()) {
      Path list = SkippedPair.write(cfg.output().resolve("skipped.csv"), dataset.skipped());
      log.warn("skipped " + dataset.skipped().size() + " rows (list: " + list + ")");
    }
    d.all = dataset.samples();
    List<Sample> trainAll = dataset.of(Split.TRAIN);
    d.trainSplit = trainAll.size();
    d.train = Splits.subset(trainAll, cfg.fraction(), 2, cfg.seed());
    d.val = dataset.of(Split.VAL);
    if (d.val.isEmpty()) {
      throw new DatasetException("manifest " + d.manifest.file() + ": no usable validation rows (split 'val'); "
          + "early stopping and the best model need them");
    }
    if (d.train.size() < 2) {
      throw new DatasetException("manifest " + d.manifest.file() + ": " + d.train.size() + " usable training rows at fraction "
          + cfg.fraction() + "; need at least 2 (batch norm)");
    }
    return d;
  }

  private FinetuneSpec spec(Labelled d, Architecture arch, Devices.Plan devices) {
    int batch = Math.min(cfg.batchSize(), d.train.size());
    int classes = d.task.classes.size();
    FinetuneSpec.Builder b = FinetuneSpec.builder(cfg.task(), arch, cfg.imageSize(), batch).optClasses(classes, d.task.multiLabel)
        .optFreezeEncoder(cfg.freezeEncoder()).optWeightDecay(cfg.weightDecay()).optDevices(devices)
        .optPrecision(cfg.precision());
    if (cfg.task() == Task.DETECTION) {
      int maxBoxes = 1;
      for (Sample s : d.all) maxBoxes = Math.max(maxBoxes, s.boxes.size());
      b.optMaxBoxes(maxBoxes);
    }
    if (cfg.task() == Task.CLASSIFICATION) {
      List<float[]> labels = new ArrayList<>();
      for (Sample s : d.train) labels.add(s.label);
      b.optClassWeights(Labels.weights(labels, classes, cfg.balancedClassWeights()));
    }
    log.info(String.format("%s: %d training images (fraction %s of %d), %d validation, batch %d, classes %s", cfg.task().key(),
        d.train.size(), cfg.fraction(), d.trainSplit, d.val.size(), batch, d.task.classes));
    return b.build();
  }

  /** The training graph, the inference graph that validates and exports, and their shape. */
  private static final class Graphs {
    final FinetuneGraph train;
    final TaskGraph infer;
    final FinetuneSpec spec;

    Graphs(FinetuneGraph train, TaskGraph infer, FinetuneSpec spec) {
      this.train = train;
      this.infer = infer;
      this.spec = spec;
    }
  }

  /** Fine-tuning as the loop sees it. */
  private final class Run extends SessionTrainable<TaskBatches.Batch> {
    private final Graphs graphs;
    private final Labelled data;
    private final ModelPackage pretrained;
    private final String tfVersion;
    private final EarlyStopping selection;
    private final Checkpoints best = new Checkpoints(TrainingLoop.checkpointDir(cfg.output()).resolve("best"), 1);

    Run(Graphs graphs, Labelled data, ModelPackage pretrained, String tfVersion) {
      super(graphs.train.parameters(), graphs.train.session(), new TaskBatches(graphs.spec, data.train, cfg.seed()));
      this.graphs = graphs;
      this.data = data;
      this.pretrained = pretrained;
      this.tfVersion = tfVersion;
      this.selection = new EarlyStopping(cfg.task().primaryMetric(), cfg.patience());
    }

    @Override
    public int epochs() {
      return cfg.epochs();
    }

    @Override
    public List<String> lossParts() {
      return List.of();
    }

    @Override
    public double lr(long step) {
      return cfg.lr();
    }

    @Override
    public float[] step(TaskBatches.Batch batch, double lr) {
      float loss = graphs.train.step(batch.images, batch.targets, (float) lr);
      if (graphs.train.skippedLastStep()) log.info(LossScale.SKIPPED);
      return new float[] {loss};
    }

    @Override
    public void initialise() throws ModelPackageException, IOException {
      Map<String, float[]> init = parameters().initialValues(cfg.seed());
      if (pretrained != null) init.putAll(encoderWeights(pretrained, parameters()));
      else if (cfg.imagenetWeights() != null) {
        init.putAll(org.mflag.nn.WeightsImport.encoder(cfg.imagenetWeights(), parameters(), TaskNetwork::isEncoderParameter));
      }
      parameters().assign(session(), init, "initialisation");
    }

    @Override
    public void storeState(Properties p) {
      selection.store(p);
    }

    @Override
    public void restoreState(Properties p) {
      selection.restore(p);
    }

    @Override
    public void beforeTraining() {
      Map<String, Double> before = validate().metrics;
      selection.before(before);
      log.info(String.format("validation %s before training: %.4f", cfg.task().primaryMetric(), before.get(cfg.task().primaryMetric())));
    }

    @Override
    public String endEpoch(int epoch, double meanLoss) throws IOException {
      Map<String, Double> metrics = validate().metrics;
      boolean improved = selection.after(epoch, meanLoss, metrics);
      if (improved) best.save((long) epoch * stepsPerEpoch(), snapshot(), new Properties());
      return selection.describe(metrics.get(cfg.task().primaryMetric()), improved);
    }

    @Override
    public String stopReason() {
      return selection.stopReason();
    }

    @Override
    public String divergenceHint(double lr) {
      return "Lower lr (now " + lr + "), then resume=true.";
    }

    @Override
    public void afterTraining() throws IOException {
      String csv = selection.historyCsv();
      if (!csv.isEmpty()) Archives.writeAtomically(cfg.output().resolve("history.csv"), csv.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public Path export(long steps, float[] lastLoss, List<Double> epochLosses) throws IOException, TrainingException {
      Checkpoints.Checkpoint b = best.latest(log::warn);
      if (b == null) throw new TrainingException("no best weights in " + best.dir() + " (no epoch finished?)");
      graphs.infer.load(Parameters.values(b.arrays), b.file.toString());
      MetricsReport valReport = score(graphs.infer);
      log.info("best epoch " + selection.bestEpoch + ", validation metrics:\n" + valReport.describe().trim());
      TaskPackage.export(cfg.output(), facts(valReport), graphs.infer, Preprocessing.grey(data.val.get(0).image), tfVersion);
      log.info("model package written to " + cfg.output() + " (" + ModelPackage.RDF + ", " + ModelPackage.WEIGHTS + ", " + OnnxWeights.FILE + ")");
      return cfg.output();
    }

    /** The validation split scored with the training graph's current weights. */
    private MetricsReport validate() {
      graphs.infer.load(parameters().read(session(), Parameters.Kind.TRAINABLE, Parameters.Kind.FROZEN, Parameters.Kind.BUFFER),
          "training graph");
      return score(graphs.infer);
    }

    private MetricsReport score(TaskGraph v) {
      return new Scorer(cfg.task(), data.task, graphs.spec.size, graphs.spec.batch).score(data.val, v::predict, cfg.decision());
    }

    /** The keys of the run as given, with the encoder the run used (a pre-trained package's, whatever encoder= said). */
    private Map<String, String> trainingKeys() {
      Map<String, String> keys = new LinkedHashMap<>(cfg.toKeyValues());
      keys.put("encoder", graphs.spec.arch.key());
      return keys;
    }

    private TaskPackage.Facts facts(MetricsReport val) {
      Scorer.Decision dec = cfg.decision();
      MflagConfig.DataSource dataInfo = new MflagConfig.DataSource(data.manifest.file().getFileName().toString(), data.manifest.sha256(), null,
          new Rdf.FileRef(Splits.FILE, data.splitsSha256));
      Map<String, Double> metrics = new LinkedHashMap<>();
      for (Map.Entry<String, Double> e : val.metrics.entrySet()) metrics.put(e.getKey(), Double.isFinite(e.getValue()) ? e.getValue() : null);
      return TaskPackage.Facts.of(cfg.task(), graphs.spec.arch, cfg.imageSize()).setClasses(data.task.classes, data.task.multiLabel)
          .setDecision(dec.threshold, dec.confidence, dec.nmsIou)
          .optRun(c -> c.optEncoderModel(cfg.encoderModelKey(), cfg.freezeEncoder()).optFraction(cfg.fraction())
              .optTrainingImages(data.train.size(), data.trainSplit).optBestEpoch(selection.bestEpoch).optTraining(trainingKeys())
              .optData(dataInfo).optValidationMetrics(metrics).optVersions(ModelPackageMaps.versions(tfVersion)))
          .optValidationText(val.describe()).setPeople(cfg.people());
    }
  }

  /** The pre-trained encoder's weights, by the names of this graph's encoder (projectors are left out). */
  private static Map<String, float[]> encoderWeights(ModelPackage p, Parameters params) throws ModelPackageException {
    Map<String, float[]> all = p.weights();
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Parameters.Entry e : params.all()) {
      if (e.kind == Parameters.Kind.OPTIMIZER || !TaskNetwork.isEncoderParameter(e.name)) continue;
      float[] w = all.get(e.name);
      if (w == null) throw new ModelPackageException(p.dir() + ": the encoder lacks parameter " + e.name + " (not an M-FLAG encoder package?)");
      out.put(e.name, w);
    }
    return out;
  }
}
