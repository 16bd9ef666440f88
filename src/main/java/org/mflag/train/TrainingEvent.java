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

  public TrainingEvent(int epoch, int epochs, long step, long totalSteps, double loss, double align, double orth,
      double lr, double imagesPerSecond, double etaSeconds) {
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
  }

  /** "epoch 1/2 step 12/24 loss 5.4321 (align 3.2100 orth 2.2221) lr 1.9e-05 11.8 img/s ETA 0:01:05". */
  public String describe() {
    long eta = Math.round(etaSeconds);
    return String.format("epoch %d/%d step %d/%d loss %.4f (align %.4f orth %.4f) lr %.2e %.1f img/s ETA %d:%02d:%02d",
        epoch, epochs, step, totalSteps, loss, align, orth, lr, imagesPerSecond, eta / 3600, eta / 60 % 60, eta % 60);
  }
}
