package org.mflag.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.mflag.data.Augmentation;
import org.mflag.data.DatasetException;
import org.mflag.data.ImageDecoder;
import org.mflag.data.Manifest;
import org.mflag.data.PairBatches;
import org.mflag.data.PairDataset;
import org.mflag.data.PreprocessedCache;
import org.mflag.data.Preprocessing;
import org.mflag.loss.MFlagLoss;
import org.mflag.model.MflagConfig;
import org.mflag.model.ModelPackage;
import org.mflag.model.ModelPackageException;
import org.mflag.model.OnnxWeights;
import org.mflag.nn.Parameters;
import org.mflag.nn.WeightsImport;
import org.mflag.runtime.Cluster;
import org.mflag.runtime.Devices;
import org.mflag.runtime.TensorFlowRuntime;
import org.mflag.text.Report;
import org.mflag.text.ReportEmbedder;
import org.mflag.text.TextModels;
import org.scijava.log.Logger;

/**
 * Runs M-FLAG pre-training from a {@link PretrainConfig}: reads and preprocesses the pairs, embeds
 * the reports once with the frozen language model (cached), then trains encoder and projectors in the
 * {@link TrainingLoop} (which owns resume, cancel, checkpoints and progress) and exports the model
 * package when all epochs are done. What is pre-training's own is the {@link Trainable} here: pair
 * batches with the reports' embeddings, the M-FLAG step and its learning-rate schedule, and the export.
 */
public final class Pretrainer {

  private final PretrainConfig cfg;
  private final ImageDecoder decoder;
  private final Logger log;

  public Pretrainer(PretrainConfig cfg, ImageDecoder decoder, Logger log) {
    this.cfg = cfg;
    this.decoder = decoder;
    this.log = log;
  }

  public Path checkpointDir() {
    return TrainingLoop.checkpointDir(cfg.output());
  }

  public TrainingResult run(TrainingListener listener, BooleanSupplier canceled)
      throws DatasetException, IOException, TrainingException, ModelPackageException {
    Cluster cluster = cfg.cluster();
    boolean writes = cluster == null || cluster.rank() == 0;
    try (TrainingLoop loop = new TrainingLoop(TrainingLoop.Options.in(cfg.output(), cfg.fingerprint()).optDeclarations(PretrainConfig.KEYS)
        .optResume(cfg.resume())
        .optCheckpointEvery(cfg.checkpointEvery()).optLogEvery(cfg.logEvery()).optMaxSteps(cfg.maxSteps())
        .optWorkers(cfg.workers()).optWrites(writes), log)) {
      return train(loop, cluster, listener, canceled);
    }
  }

  /** The run, in a loop that holds the output folder; {@code cluster} is null for a process alone. */
  private TrainingResult train(TrainingLoop loop, Cluster cluster, TrainingListener listener, BooleanSupplier canceled)
      throws DatasetException, IOException, TrainingException, ModelPackageException {
    boolean writes = cluster == null || cluster.rank() == 0;
    String tfVersion = TensorFlowRuntime.ensureLoaded();
    Devices.Plan devices = Devices.resolve(cfg.device());
    log.info("device: " + devices.describe());
    int tasks = cluster == null ? 1 : cluster.size();
    if (cluster != null) {
      log.info("cluster: " + cluster.describe() + ", " + cfg.batchSize() / tasks + " of each batch's " + cfg.batchSize() + " images here; "
          + (writes ? "this task writes the checkpoints and the package" : "task 0 writes the checkpoints and the package"));
    }
    log.info("pretrain " + cfg.toKeyValues());

    Manifest manifest = Manifest.read(cfg.manifest(), cfg.idColumn(), cfg.imageColumn());
    int stored = Preprocessing.storedSize(cfg.imageSize());
    long t0 = System.nanoTime();
    PairDataset data = PairDataset.open(manifest, PairDataset.Options.storedSize(stored)
        .optColumns(cfg.imageColumn(), cfg.textColumn()).optWorkers(cfg.workers()).optOnBadInput(cfg.onBadInput())
        .optCache(new PreprocessedCache(cfg.cacheDir().resolve("images"))), decoder, log);
    log.info(String.format("%d image-report pairs from %s, preprocessed to %dx%d in %.1f s", data.size(), manifest.file(),
        stored, stored, (System.nanoTime() - t0) / 1e9));
    String skipNote = "";
    if (!data.skipped().isEmpty() && writes) {
      Path list = data.writeSkipList(cfg.output().resolve("skipped.csv"));
      skipNote = String.format("; skipped %d of %d pairs (list: %s)", data.skipped().size(), manifest.size(), list);
      log.warn(skipNote.substring(2));
    }
    Corpus corpus = new Corpus(manifest, data, embedReports(data, devices), skipNote);
    ReportVectors text = corpus.text;
    try (PretrainGraph graph = new PretrainGraph(PretrainGraph.Spec.of(cfg.encoder(), cfg.batchSize(), cfg.imageSize(), text.dimension)
        .optLoss(cfg.loss()).optWeightDecay(cfg.weightDecay()).optDevices(devices)
        .optPrecision(cfg.precision()).optCluster(cluster, cfg.clusterTimeout()))) {
      log.info(String.format("%s: %,d trainable parameters (encoder and projectors); language model frozen (%s, %d-d)",
          cfg.encoder().key(), graph.parameters().count(Parameters.Kind.TRAINABLE), text.modelId, text.dimension));
      TrainingResult r = loop.run(new Run(graph, corpus, tfVersion, cluster), manifest, listener, canceled);
      if (cluster != null) {
        // every task trains its own copy of the weights: the same fingerprint in every task's log shows they agree
        log.info("rank " + cluster.rank() + " weights sha256 " + graph.parameters().fingerprint(graph.session()) + " after step " + r.step);
      }
      return r;
    }
  }

  /** The pairs of a run: the manifest, its usable pairs, their reports' embeddings and what was skipped. */
  private static final class Corpus {
    final Manifest manifest;
    final PairDataset data;
    final ReportVectors text;
    final String skipNote;

    Corpus(Manifest manifest, PairDataset data, ReportVectors text, String skipNote) {
      this.manifest = manifest;
      this.data = data;
      this.text = text;
      this.skipNote = skipNote;
    }
  }

  /** Pre-training as the loop sees it. */
  private final class Run extends SessionTrainable<PairBatches.Batch> {
    private final PretrainGraph graph;
    private final Cluster cluster;
    private final Corpus corpus;
    private final LearningRateSchedule schedule;
    private final String tfVersion;

    Run(PretrainGraph graph, Corpus corpus, String tfVersion, Cluster cluster) {
      super(graph.parameters(), graph.session(), new PairBatches(corpus.data, cfg.batchSize(), cfg.imageSize(), cfg.seed())
          .optShard(cluster == null ? 0 : cluster.rank(), cluster == null ? 1 : cluster.size()));
      this.cluster = cluster;
      this.graph = graph;
      this.corpus = corpus;
      this.tfVersion = tfVersion;
      this.schedule = cfg.schedule((long) stepsPerEpoch() * cfg.epochs(), stepsPerEpoch());
    }

    @Override
    public int epochs() {
      return cfg.epochs();
    }

    @Override
    public List<String> lossParts() {
      return List.of("align", "orth");
    }

    @Override
    public double lr(long step) {
      return schedule.at(step);
    }

    @Override
    public float[] step(PairBatches.Batch batch, double lr) {
      int dim = corpus.text.dimension;
      float[] reports = new float[cfg.batchSize() * dim];
      for (int b = 0; b < batch.indices.length; b++) System.arraycopy(corpus.text.byPair[batch.indices[b]], 0, reports, b * dim, dim);
      float[] loss = graph.step(batch.images, reports, (float) lr);
      if (graph.skippedLastStep()) log.info(LossScale.SKIPPED);
      return loss;
    }

    @Override
    public String explainFailure(RuntimeException e) {
      if (cluster == null || !(e instanceof org.tensorflow.exceptions.TensorFlowException)) return null;
      String tf = e.getMessage() == null ? e.toString() : e.getMessage().replaceAll("\\s+", " ").trim();
      if (tf.length() > 300) tf = tf.substring(0, 300) + "...";
      return cluster.describe() + " could not complete a step with the other tasks within cluster_timeout=" + cfg.clusterTimeout()
          + " s: a task has stopped or cannot be reached (TensorFlow: " + tf + ")";
    }

    @Override
    public void initialise() throws IOException {
      Map<String, float[]> values = parameters().initialValues(cfg.seed());
      if (cfg.initWeights() != null) {
        if (!java.nio.file.Files.isRegularFile(cfg.initWeights())
            && cfg.initWeights().equals(org.mflag.nn.ImageNetImport.location(cfg.cacheDir()))) {
          org.mflag.nn.ImageNetImport.require(cfg.cacheDir()); // says how to import them
        }
        values.putAll(WeightsImport.encoder(cfg.initWeights(), parameters()));
        log.info("encoder initialised from " + cfg.initWeights());
      }
      parameters().assign(session(), values, "initialisation");
    }

    @Override
    public String endEpoch(int epoch, double meanLoss) {
      return corpus.skipNote;
    }

    @Override
    public String divergenceHint(double lr) {
      return "Lower lr (now " + cfg.lr() + ") or lambda_orth, or try orth_variant=normalized, then resume=true.";
    }

    @Override
    public Path export(long steps, float[] lastLoss, List<Double> epochLosses) throws IOException {
      exportPackage(corpus, graph.parameters().read(graph.session(), Parameters.Kind.TRAINABLE, Parameters.Kind.BUFFER), steps,
          lastLoss, epochLosses, tfVersion);
      return cfg.output();
    }
  }

  /** The frozen language model's embedding of each pair's report, in dataset order. */
  private static final class ReportVectors {
    final float[][] byPair;
    final String modelId;
    final int dimension;

    ReportVectors(float[][] byPair, String modelId, int dimension) {
      this.byPair = byPair;
      this.modelId = modelId;
      this.dimension = dimension;
    }
  }

  private ReportVectors embedReports(PairDataset data, Devices.Plan devices) throws IOException {
    try (ReportEmbedder embedder = TextModels.open(cfg.textModel(), cfg.cacheDir(), devices, log)) {
      List<Report> reports = new ArrayList<>();
      for (PairDataset.Pair p : data.pairs()) reports.add(new Report(p.id, p.report));
      Map<String, float[]> byId = embedder.embed(reports);
      float[][] byPair = new float[data.size()][];
      for (int i = 0; i < data.size(); i++) byPair[i] = byId.get(data.pairs().get(i).id);
      return new ReportVectors(byPair, embedder.modelId(), embedder.dimension());
    }
  }

  private void exportPackage(Corpus corpus, Map<String, float[]> weights, long steps, float[] last, List<Double> epochLosses,
      String tfVersion) throws IOException {
    PairDataset data = corpus.data;
    ReportVectors text = corpus.text;
    String name = "M-FLAG " + cfg.encoder().key() + " chest X-ray encoder";
    MflagConfig config = MflagConfig.builder(ModelPackage.PRETRAIN, cfg.encoder(), cfg.imageSize()).optTextModel(text.modelId)
        .optLoss(ModelPackageMaps.loss(cfg)).optTraining(cfg.toKeyValues()).optData(ModelPackageMaps.data(corpus.manifest, data.size()))
        .optSteps(steps).optFinalLoss(ModelPackageMaps.lossParts(last)).optEpochLosses(epochLosses)
        .optVersions(ModelPackageMaps.versions(tfVersion)).build();
    ModelPackage.Description d = ModelPackage.Description.builder().setName(name)
        .setDescription("Image encoder pre-trained with M-FLAG (frozen language model " + text.modelId
            + ", alignment + orthogonality loss) on " + data.size() + " image-report pairs.")
        .setConfig(config).optAuthors(org.mflag.model.People.authors(cfg.people()))
        .optMaintainers(org.mflag.model.People.maintainers(cfg.people()))
        .optTrainingData(ModelPackage.trainingData(name, data.size() + " chest X-ray image-report pairs listed in "
            + corpus.manifest.file().getFileName() + " (sha256 " + corpus.manifest.sha256() + ")"))
        .optValidation(String.format(java.util.Locale.ROOT, "Pre-training ran %d steps; the last step's loss was %.4f (alignment %.4f,"
            + " orthogonality %.4f), the epochs' mean losses %s. An encoder has no labels to score: its value downstream is measured by"
            + " fine-tuning (see the project's README).", steps, last[0], last[1], last[2], epochLosses))
        .build();
    float[] testImage = Augmentation.centreGrey(data.image(0), data.storedSize(), cfg.imageSize());
    ModelPackage.export(cfg.output(), d, data.storedSize(), text.dimension, weights, testImage, tfVersion);
    log.info("model package written to " + cfg.output() + " (" + ModelPackage.RDF + ", " + ModelPackage.WEIGHTS + ", " + OnnxWeights.FILE + ")");
  }
}
