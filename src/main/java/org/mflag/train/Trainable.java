package org.mflag.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.mflag.data.BatchLoader;
import org.mflag.io.NdArray;
import org.mflag.model.ModelPackageException;

/**
 * What a run plugs into the {@link TrainingLoop}: its batches (built ahead on loader threads, from the
 * global step alone), the optimisation step, its weights for checkpoints, what happens at an epoch's end,
 * and the export when it completes. Pre-training ({@link Pretrainer}) and each fine-tuning task
 * ({@link Finetuner}) are one; the loop owns everything else (start or resume, cancel, the non-finite
 * loss guard, progress, checkpoints, the ending).
 *
 * @param <B> the batch type
 */
public interface Trainable<B> extends BatchLoader.Source<B> {

  int batchSize();

  int stepsPerEpoch();

  int epochs();

  /**
   * Steps of the whole run: {@code stepsPerEpoch() * epochs()}, or fewer when the last epoch is shorter (a head trained
   * for a number of steps, scored every {@code stepsPerEpoch()}); the last step also ends an epoch.
   */
  default long totalSteps() {
    return (long) stepsPerEpoch() * epochs();
  }

  /** Names of the loss parts that {@link #step} returns after the total (pre-training: align, orth); may be empty. */
  List<String> lossParts();

  /** The learning rate of a global step (0-based). */
  double lr(long step);

  /** One optimisation step; returns the loss before the update, then its {@link #lossParts}. */
  float[] step(B batch, double lr);

  /**
   * Why a step failed with {@code e}, in words for the user, when the run knows (a cluster task that stopped); null to
   * let the exception through as it is.
   */
  default String explainFailure(RuntimeException e) {
    return null;
  }

  /** Sets the weights of a new run (seeded initialisation, pre-trained or imported weights). */
  void initialise() throws IOException, ModelPackageException;

  /** Every variable (weights, batch-norm statistics, optimiser state) by name, for a checkpoint. */
  Map<String, NdArray> snapshot();

  /** Sets every variable from a checkpoint; {@code source} names it in errors. */
  void restore(Map<String, NdArray> arrays, String source);

  /** State beyond weights and losses (early stopping, history) into a checkpoint's properties. */
  default void storeState(Properties p) {}

  /** Reads what {@link #storeState} wrote. */
  default void restoreState(Properties p) {}

  /** Before the first step of a new run, not of a resumed one (fine-tuning scores the untrained model). */
  default void beforeTraining() throws IOException {}

  /** At the end of epoch {@code epoch} (1-based), with its mean loss; returns a note for the epoch's log line. */
  default String endEpoch(int epoch, double meanLoss) throws IOException {
    return "";
  }

  /** Why the run ends before its last epoch (early stopping), or null to go on. */
  default String stopReason() {
    return null;
  }

  /** What the error says to try when the loss stops being finite at learning rate {@code lr}. */
  String divergenceHint(double lr);

  /** After the last step of this session, whether the run completed or stopped (fine-tuning writes its history). */
  default void afterTraining() throws IOException {}

  /** The run is complete (all epochs, or stopped early): writes the model package and returns its folder. */
  Path export(long steps, float[] lastLoss, List<Double> epochLosses) throws IOException, ModelPackageException, TrainingException;
}
