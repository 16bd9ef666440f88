package org.mflag.nn;

/** Whether a graph is built for training (batch statistics, moving-average updates) or inference. */
public enum Mode {
  TRAIN, INFER
}
