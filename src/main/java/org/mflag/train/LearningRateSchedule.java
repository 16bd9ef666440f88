package org.mflag.train;

import org.mflag.config.Choices;

/** Learning rate as a pure function of the global step (0-based), so resuming needs only the step. */
public interface LearningRateSchedule {

  double at(long step);

  /** The schedules on offer, by their parameter value. */
  enum Kind {
    /** Linear warm-up to the base rate, then cosine decay to the minimum at the last step (default). */
    COSINE,
    /** SGDR, {@code CosineAnnealingWarmRestarts(T_0, T_mult=1, eta_min)} stepped per iteration, as the official code. */
    RESTARTS;

    public String key() {
      return Choices.key(this);
    }

    public static Kind fromKey(String key) {
      return Choices.parse(Kind.class, "schedule", key);
    }

    public static String[] keys() {
      return Choices.keys(Kind.class);
    }
  }

  static LearningRateSchedule cosineWithWarmup(double base, long warmupSteps, long totalSteps, double min) {
    return step -> {
      if (step < warmupSteps) return base * (step + 1) / warmupSteps;
      long decaySteps = Math.max(1, totalSteps - warmupSteps);
      double progress = Math.min(1.0, (double) (step - warmupSteps) / decaySteps);
      return min + (base - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
    };
  }

  /**
   * Warm restarts with period {@code t0} steps; a linear warm-up, if any, comes first. The official
   * code derives T_0 from a hard-coded GPU count (MFLAG.md); here it is a number of steps.
   */
  static LearningRateSchedule warmRestarts(double base, long warmupSteps, long t0, double min) {
    if (t0 < 1) throw new IllegalArgumentException("restart_period must be >= 1 step, got " + t0);
    return step -> {
      if (step < warmupSteps) return base * (step + 1) / warmupSteps;
      long tCur = (step - warmupSteps) % t0;
      return min + (base - min) * 0.5 * (1 + Math.cos(Math.PI * tCur / t0));
    };
  }
}
