package org.mflag.train;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

/** How a run ended and what it left behind. */
public final class TrainingResult {

  public enum Outcome {
    /** All epochs done; the model package is exported. */
    COMPLETED,
    /** Cancelled or stopped at max_steps; a checkpoint holds the state to resume from. */
    STOPPED
  }

  public final Outcome outcome;
  public final long step;
  public final Path checkpoint;
  public final Path modelPackage;
  /** Mean loss of each completed epoch. */
  public final List<Double> epochLosses;
  public final double lastLoss;

  public TrainingResult(Outcome outcome, long step, Path checkpoint, Path modelPackage, List<Double> epochLosses,
      double lastLoss) {
    this.outcome = outcome;
    this.step = step;
    this.checkpoint = checkpoint;
    this.modelPackage = modelPackage;
    this.epochLosses = Collections.unmodifiableList(epochLosses);
    this.lastLoss = lastLoss;
  }
}
