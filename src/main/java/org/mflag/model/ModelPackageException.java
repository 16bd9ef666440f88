package org.mflag.model;

/** A model folder that cannot be used; the message names the folder or file and what is wrong. */
public class ModelPackageException extends Exception {

  private static final long serialVersionUID = 1L;

  public ModelPackageException(String message) {
    super(message);
  }

  public ModelPackageException(String message, Throwable cause) {
    super(message, cause);
  }
}
