package org.mflag.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.mflag.data.Augmentation;
import org.mflag.data.BatchLoader;
import org.mflag.data.DatasetException;
import org.mflag.data.ImageDecoder;
import org.mflag.data.Manifest;
import org.mflag.data.PairDataset;
import org.mflag.data.PreprocessedCache;
import org.mflag.data.Preprocessing;
import org.mflag.loss.MFlagLoss;
import org.mflag.model.ModelPackage;
import org.mflag.nn.Parameters;
import org.mflag.nn.TensorFlowRuntime;
import org.mflag.nn.WeightsImport;
import org.mflag.text.Report;
import org.mflag.text.ReportEmbedder;
import org.mflag.text.TextModels;
import org.scijava.log.Logger;

/**
 * Runs M-FLAG pre-training from a {@link PretrainConfig}: reads and preprocesses the pairs, embeds
 * the reports once with the frozen language model (cached), trains encoder and projectors, writes
 * checkpoints, and exports the model package when all epochs are done.
 *
 * <p>Loop order follows DJL's EasyTrain: check for cancellation, take a batch, step, report; at the
 * end of an epoch report the epoch and checkpoint. Cancellation (a flag the caller sets, polled before
 * every batch) and {@code max_steps} stop after the current step with a checkpoint to resume from.</p>
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
    return cfg.output().resolve("checkpoints");
  }

  public TrainingResult run(TrainingListener listener, BooleanSupplier canceled)
      throws DatasetException, IOException, TrainingException {
    Checkpoints checkpoints = new Checkpoints(checkpointDir(), 2);
    Checkpoints.Checkpoint resumeFrom = checkpoints.forStart(cfg.resume(), cfg.output(), log);
    String tfVersion = TensorFlowRuntime.ensureLoaded();
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
    if (!data.skipped().isEmpty()) {
      Path list = data.writeSkipList(cfg.output().resolve("skipped.csv"));
      skipNote = String.format("; skipped %d of %d pairs (list: %s)", data.skipped().size(), manifest.size(), list);
      log.warn(skipNote.substring(2));
    }

    ReportVectors text = embedReports(data);
    float[][] textByPair = text.byPair;
    String textModelId = text.modelId;
    int textDim = text.dimension;

    try (BatchLoader loader = new BatchLoader(data, cfg.batchSize(), cfg.imageSize(), cfg.seed(), cfg.workers());
        PretrainGraph graph = new PretrainGraph(cfg.encoder(), cfg.batchSize(), cfg.imageSize(), textDim,
            new MFlagLoss(cfg.lambdaOrth(), cfg.orthVariant()), cfg.weightDecay())) {
      int spe = loader.stepsPerEpoch();
      long total = (long) spe * cfg.epochs();
      LearningRateSchedule schedule = cfg.schedule(total, spe);
      Parameters params = graph.parameters();
      log.info(String.format("%s: %,d trainable parameters (encoder and projectors); language model frozen (%s, %d-d)",
          cfg.encoder().key(), params.count(Parameters.Kind.TRAINABLE), textModelId, textDim));

      EpochStats stats = new EpochStats();
      long step;
      if (resumeFrom != null) {
        Checkpoints.checkCompatible(resumeFrom, cfg.fingerprint(), manifest);
        params.assign(graph.session(), Parameters.values(resumeFrom.arrays), resumeFrom.file.toString());
        step = resumeFrom.step;
        stats.restore(resumeFrom.meta);
        log.info(String.format("resumed at epoch %d, step %d of %d", step / spe + 1, step, total));
      } else {
        Map<String, float[]> values = params.initialValues(cfg.seed());
        if (cfg.initWeights() != null) {
          values.putAll(WeightsImport.encoder(cfg.initWeights(), params));
          log.info("encoder initialised from " + cfg.initWeights());
        }
        params.assign(graph.session(), values, "initialisation");
        step = 0;
      }

      long end = cfg.maxSteps() > 0 ? Math.min(total, cfg.maxSteps()) : total;
      listener.onStart(event(step, total, spe, Double.NaN, Double.NaN, Double.NaN, schedule.at(step), 0, 0, 0));
      loader.start(step, end);
      Path lastCheckpoint = resumeFrom == null ? null : resumeFrom.file;
      long timedFrom = -1;
      long timedStart = 0;
      long waitedNanos = 0;
      float[] last = {Float.NaN, Float.NaN, Float.NaN};
      while (step < end) {
        if (canceled.getAsBoolean()) {
          log.info("cancelled at step " + step);
          break;
        }
        BatchLoader.Batch batch;
        long waitStart = System.nanoTime();
        try {
          batch = loader.next();
          if (timedFrom >= 0) waitedNanos += System.nanoTime() - waitStart;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          log.info("interrupted at step " + step);
          break;
        }
        float[] reports = new float[cfg.batchSize() * textDim];
        for (int b = 0; b < batch.indices.length; b++) {
          System.arraycopy(textByPair[batch.indices[b]], 0, reports, b * textDim, textDim);
        }
        double lr = schedule.at(step);
        float[] loss = graph.step(batch.images, reports, (float) lr);
        if (!Float.isFinite(loss[0])) {
          throw new TrainingException(String.format("loss became %s at step %d (epoch %d): align %s, orth %s. The last good "
              + "checkpoint is %s. Lower lr (now %s) or lambda_orth, or try orth_variant=normalized, then resume=true.",
              loss[0], step, step / spe + 1, loss[1], loss[2], lastCheckpoint == null ? "none" : lastCheckpoint, cfg.lr()));
        }
        last = loss;
        step++;
        stats.add(loss);
        if (timedFrom < 0) { // the first step includes graph optimisation: time from the second on
          timedFrom = step;
          timedStart = System.nanoTime();
        }
        double secs = (System.nanoTime() - timedStart) / 1e9;
        double rate = step > timedFrom && secs > 0 ? (step - timedFrom) * cfg.batchSize() / secs : 0;
        double eta = rate > 0 ? (end - step) * cfg.batchSize() / rate : 0;
        double wait = secs > 0 ? waitedNanos / 1e9 / secs : 0;
        TrainingEvent ev = event(step, total, spe, loss[0], loss[1], loss[2], lr, rate, eta, wait);
        listener.onBatch(ev);
        if (step % cfg.logEvery() == 0 || step == end) log.info(ev.describe());
        boolean epochEnd = step % spe == 0;
        if (epochEnd) {
          TrainingEvent epochEvent = event(step, total, spe, stats.mean(0), stats.mean(1), stats.mean(2), lr, rate, eta, wait);
          stats.closeEpoch();
          log.info(String.format("epoch %d/%d done: mean loss %.4f (align %.4f orth %.4f)%s", step / spe,
              cfg.epochs(), epochEvent.loss, epochEvent.align, epochEvent.orth, skipNote));
          listener.onEpoch(epochEvent);
        }
        if (epochEnd || step % cfg.checkpointEvery() == 0 || step == end) {
          lastCheckpoint = checkpoints.save(step, params.snapshot(graph.session()), meta(manifest, stats, loss));
          log.debug("checkpoint " + lastCheckpoint);
        }
      }
      if (step < total) {
        if (lastCheckpoint == null || Checkpoints.stepOf(lastCheckpoint) != step) {
          lastCheckpoint = checkpoints.save(step, params.snapshot(graph.session()), meta(manifest, stats, last));
        }
        log.info("stopped at step " + step + " of " + total + "; checkpoint " + lastCheckpoint
            + " (run again with resume=true to continue)");
        TrainingResult r = new TrainingResult(TrainingResult.Outcome.STOPPED, step, lastCheckpoint, null, stats.epochs, last[0]);
        listener.onEnd(r);
        return r;
      }

      exportPackage(data, manifest, text, params.read(graph.session(), Parameters.Kind.TRAINABLE, Parameters.Kind.BUFFER),
          step, last, stats, tfVersion);
      TrainingResult r = new TrainingResult(TrainingResult.Outcome.COMPLETED, step, lastCheckpoint, cfg.output(), stats.epochs, last[0]);
      listener.onEnd(r);
      return r;
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

  private ReportVectors embedReports(PairDataset data) throws IOException {
    try (ReportEmbedder embedder = TextModels.open(cfg.textModel(), cfg.cacheDir(), log)) {
      List<Report> reports = new ArrayList<>();
      for (PairDataset.Pair p : data.pairs()) reports.add(new Report(p.id, p.report));
      Map<String, float[]> byId = embedder.embed(reports);
      float[][] byPair = new float[data.size()][];
      for (int i = 0; i < data.size(); i++) byPair[i] = byId.get(data.pairs().get(i).id);
      return new ReportVectors(byPair, embedder.modelId(), embedder.dimension());
    }
  }

  private void exportPackage(PairDataset data, Manifest manifest, ReportVectors text, Map<String, float[]> weights,
      long steps, float[] last, EpochStats stats, String tfVersion) throws IOException {
    ModelPackage.Description d = new ModelPackage.Description();
    d.name = "M-FLAG " + cfg.encoder().key() + " chest X-ray encoder";
    d.description = "Image encoder pre-trained with M-FLAG (frozen language model " + text.modelId
        + ", alignment + orthogonality loss) on " + data.size() + " image-report pairs.";
    d.architecture = cfg.encoder();
    d.imageSize = cfg.imageSize();
    d.config.put("text_model", text.modelId);
    d.config.put("loss", ModelPackageMaps.loss(cfg));
    d.config.put("training", new LinkedHashMap<>(cfg.toKeyValues()));
    d.config.put("data", ModelPackageMaps.data(manifest, data.size()));
    d.config.put("steps", steps);
    d.config.put("final_loss", ModelPackageMaps.lossParts(last));
    d.config.put("epoch_losses", new ArrayList<>(stats.epochs));
    d.config.put("versions", ModelPackageMaps.versions(tfVersion));
    float[] testImage = Augmentation.centre(data.image(0), data.storedSize(), cfg.imageSize());
    ModelPackage.export(cfg.output(), d, data.storedSize(), text.dimension, weights, testImage, tfVersion);
    log.info("model package written to " + cfg.output() + " (" + ModelPackage.RDF + ", " + ModelPackage.WEIGHTS + ")");
  }

  private TrainingEvent event(long step, long total, int spe, double loss, double align, double orth, double lr,
      double rate, double eta, double wait) {
    int epoch = (int) Math.min(cfg.epochs(), Math.max(1, (step + spe - 1) / spe));
    return new TrainingEvent(epoch, cfg.epochs(), step, total, loss, align, orth, lr, rate, eta, wait);
  }

  private Properties meta(Manifest manifest, EpochStats stats, float[] loss) {
    Properties p = Checkpoints.meta(cfg.fingerprint(), manifest);
    p.setProperty("last_loss", Float.toString(loss[0]));
    stats.store(p);
    return p;
  }

  /** Running sums of the current epoch and the means of finished ones; part of every checkpoint. */
  static final class EpochStats {
    final double[] sum = new double[3];
    long count;
    final List<Double> epochs = new ArrayList<>();

    void add(float[] loss) {
      for (int i = 0; i < 3; i++) sum[i] += loss[i];
      count++;
    }

    double mean(int i) {
      return count == 0 ? Double.NaN : sum[i] / count;
    }

    void closeEpoch() {
      epochs.add(mean(0));
      java.util.Arrays.fill(sum, 0);
      count = 0;
    }

    void store(Properties p) {
      p.setProperty("epoch_sum", sum[0] + "," + sum[1] + "," + sum[2]);
      p.setProperty("epoch_count", Long.toString(count));
      StringBuilder sb = new StringBuilder();
      for (Double d : epochs) sb.append(sb.length() == 0 ? "" : ",").append(d);
      p.setProperty("epoch_losses", sb.toString());
    }

    void restore(Properties p) {
      String[] s = p.getProperty("epoch_sum", "0,0,0").split(",");
      for (int i = 0; i < 3; i++) sum[i] = Double.parseDouble(s[i]);
      count = Long.parseLong(p.getProperty("epoch_count", "0"));
      epochs.clear();
      for (String x : p.getProperty("epoch_losses", "").split(",")) if (!x.isEmpty()) epochs.add(Double.parseDouble(x));
    }
  }
}
