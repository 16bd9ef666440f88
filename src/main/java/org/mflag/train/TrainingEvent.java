package org.mflag.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** An immutable snapshot of a run's progress, sent to {@link TrainingListener}s. Built by the {@link TrainingLoop}. */
public final class TrainingEvent {

  public final int epoch;
  public final int epochs;
  public final long step;
  public final long totalSteps;
  /** The step's loss (after each step) or the epoch's mean loss ({@link TrainingListener#onEpoch}). */
  public final double loss;
  /** Named parts of the loss, in order (pre-training: align, orth); empty when the loss has none. */
  public final Map<String, Double> parts;
  public final double lr;
  public final double imagesPerSecond;
  public final double etaSeconds;
  /** Fraction of the wall time the training step spent waiting for the data loader (0 = never starved). */
  public final double dataWait;

  private TrainingEvent(Builder b) {
    epoch = b.epoch;
    epochs = b.epochs;
    step = b.step;
    totalSteps = b.totalSteps;
    loss = b.loss;
    parts = Collections.unmodifiableMap(new LinkedHashMap<>(b.parts));
    lr = b.lr;
    imagesPerSecond = b.imagesPerSecond;
    etaSeconds = b.etaSeconds;
    dataWait = b.dataWait;
  }

  /** A loss part by name, NaN when the loss has no such part. */
  public double part(String name) {
    Double v = parts.get(name);
    return v == null ? Double.NaN : v;
  }

  /**
   * "epoch 1/2 step 12/24 loss 5.4321 (align 3.2100 orth 2.2221) lr 1.9e-05 11.8 img/s data wait 0% ETA 0:01:05"; the
   * parts in brackets only when the loss has them (pre-training).
   */
  public String describe() {
    long eta = Math.round(etaSeconds);
    return String.format("epoch %d/%d step %d/%d loss %.4f%s lr %.2e %.1f img/s data wait %.0f%% ETA %d:%02d:%02d",
        epoch, epochs, step, totalSteps, loss, describeParts(parts), lr, imagesPerSecond, 100 * dataWait, eta / 3600, eta / 60 % 60,
        eta % 60);
  }

  /** " (align 3.2100 orth 2.2221)", or "" without parts. */
  static String describeParts(Map<String, Double> parts) {
    if (parts.isEmpty()) return "";
    StringBuilder sb = new StringBuilder(" (");
    for (Map.Entry<String, Double> e : parts.entrySet()) {
      if (sb.length() > 2) sb.append(' ');
      sb.append(e.getKey()).append(String.format(" %.4f", e.getValue()));
    }
    return sb.append(')').toString();
  }

  /** Where in the run: {@code new Builder(epoch, epochs, step, totalSteps).loss(...).lr(...).speed(...).build()}. */
  public static final class Builder {
    private final int epoch;
    private final int epochs;
    private final long step;
    private final long totalSteps;
    private double loss = Double.NaN;
    private Map<String, Double> parts = Collections.emptyMap();
    private double lr = Double.NaN;
    private double imagesPerSecond;
    private double etaSeconds;
    private double dataWait;

    public Builder(int epoch, int epochs, long step, long totalSteps) {
      this.epoch = epoch;
      this.epochs = epochs;
      this.step = step;
      this.totalSteps = totalSteps;
    }

    public Builder loss(double total, Map<String, Double> namedParts) {
      loss = total;
      parts = namedParts;
      return this;
    }

    public Builder lr(double value) {
      lr = value;
      return this;
    }

    public Builder speed(double imagesPerSecond, double etaSeconds, double dataWait) {
      this.imagesPerSecond = imagesPerSecond;
      this.etaSeconds = etaSeconds;
      this.dataWait = dataWait;
      return this;
    }

    public TrainingEvent build() {
      return new TrainingEvent(this);
    }
  }
}
