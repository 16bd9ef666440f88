package org.mflag.train;

/** Receives a run's progress; all methods are called on the training thread and must return quickly. */
public interface TrainingListener {

  default void onStart(TrainingEvent e) {}

  /** After each step. */
  default void onBatch(TrainingEvent e) {}

  /** After each epoch, with the epoch's mean loss parts in the event. */
  default void onEpoch(TrainingEvent e) {}

  default void onEnd(TrainingResult result) {}
}
