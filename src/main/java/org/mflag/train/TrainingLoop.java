package org.mflag.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.mflag.data.BatchLoader;
import org.mflag.data.Manifest;
import org.mflag.io.OutputLock;
import org.mflag.model.ModelPackageException;
import org.scijava.log.Logger;

/**
 * The one training loop of the project: pre-training and every fine-tuning task plug into it as a
 * {@link Trainable}. It owns what they share: refusing to overwrite a run and resuming one (only with the
 * same result-changing keys and manifest), stepping through batches that a {@link BatchLoader} builds
 * ahead, polling for cancellation before each batch, stopping at the first non-finite loss with the
 * last good checkpoint named, progress (rate, ETA, how long the step waited for data) to the listener
 * and the log, epoch ends, checkpoints, and the ending: STOPPED with a checkpoint to resume from, or
 * COMPLETED with the model exported.
 *
 * <p>Order per step, as DJL's EasyTrain: check cancel, take the batch, step, report; at an epoch's end
 * the task's epoch work (validation, early stopping), the listener's {@code onEpoch}, then a checkpoint.
 * Batches depend only on the global step and the learning rate is a function of it, so a run stopped
 * after k steps and resumed ends exactly where the uninterrupted run would.</p>
 */
public final class TrainingLoop implements AutoCloseable {

  /** How the loop runs: where checkpoints go and when, logging, stopping. {@code set...} required, {@code opt...} optional. */
  public static final class Options {
    private Path output;
    private Map<String, String> fingerprint = new LinkedHashMap<>();
    private List<org.mflag.config.Key> declared = List.of();
    private boolean resume;
    private int checkpointEvery;
    private int logEvery = 10;
    private long maxSteps;
    private int workers = 2;
    private boolean writes = true;

    /** The run's folder (checkpoints go to {@code output/checkpoints}) and the values a resume must match. */
    public static Options in(Path output, Map<String, String> fingerprint) {
      Options o = new Options();
      o.output = output;
      o.fingerprint = fingerprint;
      return o;
    }

    /**
     * A run that writes nothing (no folder, checkpoints or package): one short enough to be repeated rather than
     * resumed, whose caller reads the result from its {@link Trainable} ({@link HeadOnFeatures}).
     */
    public static Options inMemory() {
      Options o = new Options();
      o.writes = false;
      return o;
    }

    /** The run's key declarations: a checkpoint that lacks a newer key matches when the run gives it its default. */
    public Options optDeclarations(List<org.mflag.config.Key> keys) {
      declared = keys;
      return this;
    }

    public Options optResume(boolean v) {
      resume = v;
      return this;
    }

    /** Steps between checkpoints; 0 = only at epoch ends, on stop and at the end. */
    public Options optCheckpointEvery(int v) {
      checkpointEvery = v;
      return this;
    }

    public Options optLogEvery(int v) {
      logEvery = v;
      return this;
    }

    /** Stop (with a checkpoint) after this global step; 0 = run all epochs. */
    public Options optMaxSteps(long v) {
      maxSteps = v;
      return this;
    }

    /**
     * Whether this process writes checkpoints and the result ({@code false} for the tasks of a cluster but the first,
     * which train the same weights and resume from the first task's checkpoints).
     */
    public Options optWrites(boolean v) {
      writes = v;
      return this;
    }

    /** Threads building batches ahead of the step. */
    public Options optWorkers(int v) {
      workers = v;
      return this;
    }
  }

  private final Options options;
  private final Logger log;
  private final Checkpoints checkpoints;
  private final Checkpoints.Checkpoint resumeFrom;
  private final OutputLock lock;
  private boolean released;

  /**
   * Checks the run's folder before anything is read: without {@code resume} a folder that holds
   * checkpoints is an error; with it the newest valid checkpoint is found (and logged).
   */
  public TrainingLoop(Options options, Logger log) throws IOException, TrainingException {
    this.options = options;
    this.log = log;
    // the process that writes holds the folder until run() ends (or close()), so that a second run into it stops here, named
    this.lock = options.writes ? OutputLock.acquire(options.output, "training run") : null;
    try {
      this.checkpoints = options.output == null ? null : new Checkpoints(checkpointDir(options.output), 2);
      this.resumeFrom = checkpoints == null ? null : checkpoints.forStart(options.resume, options.output, log);
      if (resumeFrom == null && options.writes) refuseExistingPackage(options.output);
    } catch (IOException | TrainingException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * A run that starts afresh never writes over a model package another run left in its output (one whose
   * checkpoints are gone, or that another command wrote): the message names what is there and what to do.
   */
  static void refuseExistingPackage(Path output) throws TrainingException {
    if (!Files.isRegularFile(output.resolve(org.mflag.model.ModelPackage.RDF))) return;
    String what;
    try {
      org.mflag.model.ModelPackage p = org.mflag.model.ModelPackage.open(output);
      what = (p.task().equals(org.mflag.model.ModelPackage.PRETRAIN) ? "a pre-trained encoder package" : "a " + p.task() + " model package") + " ("
          + p.architecture().key() + ")";
    } catch (org.mflag.model.ModelPackageException e) {
      what = "a model package";
    }
    throw new TrainingException("output " + output + " already holds " + what + " from another run, and no checkpoints to resume:"
        + " choose another output, or move that folder away to replace it (nothing is overwritten)");
  }

  /** Lets go of the output folder (also when {@link #run} ends); may be called again. */
  @Override
  public synchronized void close() throws IOException {
    if (lock != null && !released) {
      released = true;
      lock.close();
    }
  }

  /**
   * Where a run keeps its checkpoints: {@code <output>.checkpoints}, beside the package folder and not in it, so
   * that the package folder (or its zip) is what a user shares. A run started before this layout keeps using
   * its {@code <output>/checkpoints}.
   */
  public static Path checkpointDir(Path output) {
    Path abs = output.toAbsolutePath().normalize();
    Path legacy = abs.resolve("checkpoints");
    Path beside = abs.getParent() == null ? legacy : abs.resolveSibling(abs.getFileName() + ".checkpoints");
    return Files.isDirectory(legacy) && !Files.isDirectory(beside) ? legacy : beside;
  }

  /** Trains {@code t} on the data of {@code manifest} (whose hash a resume must match) until done, stopped or cancelled. */
  public <B> TrainingResult run(Trainable<B> t, Manifest manifest, TrainingListener listener, BooleanSupplier canceled)
      throws IOException, TrainingException, ModelPackageException {
    try {
      Session<B> s = new Session<>(t, manifest);
      s.start();
      listener.onStart(s.event(Double.NaN, new double[0]).lr(t.lr(s.step)).build());
      if (resumeFrom == null) t.beforeTraining();
      try (BatchLoader<B> loader = new BatchLoader<>(t, options.workers)) {
        loader.start(s.step, s.end);
        while (s.step < s.end && s.stopReason == null) {
          if (canceled.getAsBoolean()) {
            log.info("cancelled at step " + s.step);
            break;
          }
          B batch = s.next(loader);
          if (batch == null) break;
          s.step(batch, listener);
        }
      }
      t.afterTraining();
      TrainingResult r = s.step < s.total && s.stopReason == null ? s.stopped() : s.completed();
      listener.onEnd(r);
      return r;
    } finally {
      close();
    }
  }

  /** One session of a run: its position, losses, timing and last checkpoint. */
  private final class Session<B> {
    final Trainable<B> t;
    final Manifest manifest;
    final int spe;
    final long total;
    final EpochStats stats;
    long step;
    long end;
    Path lastCheckpoint;
    float[] last;
    String stopReason;
    long timedFrom = -1;
    long timedStart;
    long waitedNanos;

    Session(Trainable<B> t, Manifest manifest) {
      this.t = t;
      this.manifest = manifest;
      spe = t.stepsPerEpoch();
      total = t.totalSteps();
      stats = new EpochStats(1 + t.lossParts().size());
      last = new float[1 + t.lossParts().size()];
      Arrays.fill(last, Float.NaN);
    }

    void start() throws IOException, TrainingException, ModelPackageException {
      if (resumeFrom != null) {
        Checkpoints.checkCompatible(resumeFrom, options.fingerprint, options.declared, manifest);
        t.restore(resumeFrom.arrays, resumeFrom.file.toString());
        step = resumeFrom.step;
        stats.restore(resumeFrom.meta);
        t.restoreState(resumeFrom.meta);
        lastCheckpoint = resumeFrom.file;
        stopReason = t.stopReason();
        log.info(String.format("resumed at epoch %d, step %d of %d", Math.min(t.epochs(), step / spe + 1), step, total));
      } else {
        t.initialise();
        step = 0;
      }
      end = options.maxSteps > 0 ? Math.min(total, options.maxSteps) : total;
    }

    /** The next batch, timing the wait; null when the thread was interrupted. */
    B next(BatchLoader<B> loader) {
      long waitStart = System.nanoTime();
      try {
        B batch = loader.next();
        if (timedFrom >= 0) waitedNanos += System.nanoTime() - waitStart;
        return batch;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        log.info("interrupted at step " + step);
        return null;
      }
    }

    void step(B batch, TrainingListener listener) throws IOException, TrainingException {
      double lr = t.lr(step);
      float[] loss;
      try {
        loss = t.step(batch, lr);
      } catch (RuntimeException e) {
        String why = t.explainFailure(e);
        if (why == null) throw e;
        throw new TrainingException(String.format("step %d (epoch %d) failed: %s. Checkpoints are in %s; start the run again with "
            + "resume=true to continue.", step + 1, step / spe + 1, why, checkpointDir(options.output)), e);
      }
      if (!Float.isFinite(loss[0])) {
        throw new TrainingException(String.format("loss became %s at step %d (epoch %d)%s. The last good checkpoint is %s. %s",
            loss[0], step, step / spe + 1, TrainingEvent.describeParts(parts(tail(loss))), lastCheckpoint == null ? "none" : lastCheckpoint,
            t.divergenceHint(lr)));
      }
      last = loss;
      step++;
      stats.add(loss);
      if (timedFrom < 0) { // the first step includes graph optimisation: time from the second on
        timedFrom = step;
        timedStart = System.nanoTime();
      }
      TrainingEvent ev = speed(event(loss[0], tail(loss)).lr(lr)).build();
      listener.onBatch(ev);
      if (step % options.logEvery == 0 || step == end) log.info(ev.describe());
      boolean epochEnd = step % spe == 0 || step == total;
      if (epochEnd) endEpoch(lr, listener);
      if (options.writes && (epochEnd || (options.checkpointEvery > 0 && step % options.checkpointEvery == 0) || step == end)) {
        lastCheckpoint = checkpoints.save(step, t.snapshot(), meta());
        log.debug("checkpoint " + lastCheckpoint);
      }
      if (epochEnd && stopReason == null) stopReason = t.stopReason();
      if (epochEnd && stopReason != null) log.info("early stop: " + stopReason);
    }

    void endEpoch(double lr, TrainingListener listener) throws IOException {
      int done = (int) ((step + spe - 1) / spe);
      double[] means = stats.means();
      String note = t.endEpoch(done, means[0]);
      TrainingEvent ev = speed(event(means[0], Arrays.copyOfRange(means, 1, means.length)).lr(lr)).build();
      stats.closeEpoch();
      log.info(String.format("epoch %d/%d done: mean loss %.4f%s%s", done, t.epochs(), means[0], TrainingEvent.describeParts(ev.parts),
          note));
      listener.onEpoch(ev);
    }

    TrainingResult stopped() throws IOException {
      if (options.writes && (lastCheckpoint == null || Checkpoints.stepOf(lastCheckpoint) != step)) {
        lastCheckpoint = checkpoints.save(step, t.snapshot(), meta());
      }
      log.info("stopped at step " + step + " of " + total + (options.output == null ? "" : "; checkpoint " + lastCheckpoint
          + " (run again with resume=true to continue)"));
      return new TrainingResult(TrainingResult.Outcome.STOPPED, step, lastCheckpoint, null, stats.epochs, last[0]);
    }

    TrainingResult completed() throws IOException, ModelPackageException, TrainingException {
      Path pkg = options.writes ? t.export(step, last, stats.epochs) : null;
      return new TrainingResult(TrainingResult.Outcome.COMPLETED, step, lastCheckpoint, pkg, stats.epochs, last[0]);
    }

    Properties meta() {
      Properties p = Checkpoints.meta(options.fingerprint, manifest);
      p.setProperty("last_loss", Float.toString(last[0]));
      stats.store(p);
      t.storeState(p);
      return p;
    }

    TrainingEvent.Builder event(double loss, double[] parts) {
      int epoch = (int) Math.min(t.epochs(), Math.max(1, (step + spe - 1) / spe));
      return new TrainingEvent.Builder(epoch, t.epochs(), step, total).loss(loss, parts(parts));
    }

    TrainingEvent.Builder speed(TrainingEvent.Builder b) {
      double secs = timedFrom < 0 ? 0 : (System.nanoTime() - timedStart) / 1e9;
      double rate = step > timedFrom && secs > 0 ? (step - timedFrom) * t.batchSize() / secs : 0;
      double eta = rate > 0 ? (end - step) * t.batchSize() / rate : 0;
      return b.speed(rate, eta, secs > 0 ? waitedNanos / 1e9 / secs : 0);
    }

    /** The loss parts by name (empty before the first step). */
    Map<String, Double> parts(double[] values) {
      List<String> names = t.lossParts();
      Map<String, Double> m = new LinkedHashMap<>();
      for (int i = 0; i < names.size() && i < values.length; i++) m.put(names.get(i), values[i]);
      return m;
    }
  }

  /** The parts of a step's loss vector (all but the total), as doubles. */
  private static double[] tail(float[] loss) {
    double[] d = new double[loss.length - 1];
    for (int i = 1; i < loss.length; i++) d[i - 1] = loss[i];
    return d;
  }

  /** Running sums of the current epoch's loss and its parts, and the mean loss of finished epochs; part of every checkpoint. */
  static final class EpochStats {
    final double[] sum;
    long count;
    final List<Double> epochs = new ArrayList<>();

    EpochStats(int parts) {
      sum = new double[parts];
    }

    void add(float[] loss) {
      for (int i = 0; i < sum.length; i++) sum[i] += loss[i];
      count++;
    }

    double[] means() {
      double[] m = new double[sum.length];
      for (int i = 0; i < m.length; i++) m[i] = count == 0 ? Double.NaN : sum[i] / count;
      return m;
    }

    void closeEpoch() {
      epochs.add(means()[0]);
      Arrays.fill(sum, 0);
      count = 0;
    }

    void store(Properties p) {
      StringBuilder s = new StringBuilder();
      for (double x : sum) s.append(s.length() == 0 ? "" : ",").append(x);
      p.setProperty("epoch_sum", s.toString());
      p.setProperty("epoch_count", Long.toString(count));
      StringBuilder sb = new StringBuilder();
      for (Double d : epochs) sb.append(sb.length() == 0 ? "" : ",").append(d);
      p.setProperty("epoch_losses", sb.toString());
    }

    void restore(Properties p) {
      String[] s = p.getProperty("epoch_sum", "").split(",");
      for (int i = 0; i < sum.length; i++) sum[i] = i < s.length && !s[i].isEmpty() ? Double.parseDouble(s[i]) : 0;
      count = Long.parseLong(p.getProperty("epoch_count", "0"));
      epochs.clear();
      for (String x : p.getProperty("epoch_losses", "").split(",")) if (!x.isEmpty()) epochs.add(Double.parseDouble(x));
    }
  }
}
