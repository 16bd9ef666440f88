package org.mflag.runtime;

/**
 * TensorFlow cannot run in this process: this platform has no natives, they are not installed, or they do not load.
 * The message is one line that says which, and what works without TensorFlow; the launcher prints it as it is.
 */
public class TensorFlowUnavailableException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  public TensorFlowUnavailableException(String message) {
    super(message);
  }

  public TensorFlowUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
