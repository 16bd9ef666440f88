package org.mflag.onnx;

/** An ONNX model that cannot be written or that is refused, with the node or file and the reason. */
public final class OnnxException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public OnnxException(String message) {
    super(message);
  }

  public OnnxException(String message, Throwable cause) {
    super(message, cause);
  }
}
