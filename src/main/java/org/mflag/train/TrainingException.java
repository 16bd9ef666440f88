package org.mflag.train;

/** A run that cannot go on (non-finite loss, a checkpoint that does not match); the message says what to do. */
public class TrainingException extends Exception {

  private static final long serialVersionUID = 1L;

  public TrainingException(String message) {
    super(message);
  }

  public TrainingException(String message, Throwable cause) {
    super(message, cause);
  }
}
