package org.mflag.train;

/** An immutable snapshot of a run's progress, sent to {@link TrainingListener}s. */
public final class TrainingEvent {

  public final int epoch;
  public final int epochs;
  public final long step;
  public final long totalSteps;
  public final double loss;
  public final double align;
  public final double orth;
  public final double lr;
  public final double imagesPerSecond;
  public final double etaSeconds;
  /** Fraction of the wall time the training step spent waiting for the data loader (0 = never starved). */
  public final double dataWait;

  public TrainingEvent(int epoch, int epochs, long step, long totalSteps, double loss, double align, double orth,
      double lr, double imagesPerSecond, double etaSeconds, double dataWait) {
    this.epoch = epoch;
    this.epochs = epochs;
    this.step = step;
    this.totalSteps = totalSteps;
    this.loss = loss;
    this.align = align;
    this.orth = orth;
    this.lr = lr;
    this.imagesPerSecond = imagesPerSecond;
    this.etaSeconds = etaSeconds;
    this.dataWait = dataWait;
  }

  /**
   * "epoch 1/2 step 12/24 loss 5.4321 (align 3.2100 orth 2.2221) lr 1.9e-05 11.8 img/s data wait 0% ETA 0:01:05"; the
   * parts in brackets only when the loss has them (pre-training).
   */
  public String describe() {
    long eta = Math.round(etaSeconds);
    String parts = Double.isNaN(align) ? "" : String.format(" (align %.4f orth %.4f)", align, orth);
    return String.format("epoch %d/%d step %d/%d loss %.4f%s lr %.2e %.1f img/s data wait %.0f%% ETA %d:%02d:%02d",
        epoch, epochs, step, totalSteps, loss, parts, lr, imagesPerSecond, 100 * dataWait, eta / 3600, eta / 60 % 60, eta % 60);
  }
}
