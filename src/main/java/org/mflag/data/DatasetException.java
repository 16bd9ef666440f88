package org.mflag.data;

/** A manifest, image or report that cannot be used; the message names the file and the problem. */
public class DatasetException extends Exception {

  private static final long serialVersionUID = 1L;

  public DatasetException(String message) {
    super(message);
  }

  public DatasetException(String message, Throwable cause) {
    super(message, cause);
  }
}
