package org.mflag.runtime;

import ai.djl.engine.Engine;

/**
 * Loads TensorFlow's native library once per process.
 *
 * <p>DJL's TensorFlow engine owns the JNI library that the bundled TensorFlow Java API
 * ({@code org.tensorflow}) also uses: {@code Engine.getEngine("TensorFlow")} must run before any
 * {@code org.tensorflow} class is touched, or the JNI symbols are missing. The natives are found
 * through {@code TENSORFLOW_LIBRARY_PATH} (set by the launcher and the build), so nothing is
 * downloaded at run time.</p>
 *
 * <p>Nothing goes out on the network either: unless the user set them, DJL's usage tracking is switched off
 * ({@code OPT_OUT_TRACKING}; otherwise every engine start asks 169.254.169.254, EC2's metadata address) and DJL
 * runs offline ({@code ai.djl.offline}: no model or native downloads), before the engine starts.</p>
 */
public final class TensorFlowRuntime {

  private static volatile String version;

  private TensorFlowRuntime() {}

  /** Loads the natives if needed and returns TensorFlow's version (e.g. {@code 2.16.1}). */
  public static String ensureLoaded() {
    String v = version;
    if (v == null) {
      synchronized (TensorFlowRuntime.class) {
        if (version == null) {
          try {
            stayOffline();
            version = Engine.getEngine("TensorFlow").getVersion();
          } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new IllegalStateException("TensorFlow could not be loaded (TENSORFLOW_LIBRARY_PATH="
                + System.getenv("TENSORFLOW_LIBRARY_PATH") + "): " + e.getMessage()
                + ". Run through ./mflag, or build with mvn so that the natives are unpacked.", e);
          }
        }
        v = version;
      }
    }
    return v;
  }

  /** Switches DJL's tracking and downloads off, where neither the environment nor a system property decided. */
  static void stayOffline() {
    for (String key : new String[] {"OPT_OUT_TRACKING", "ai.djl.offline"}) {
      if (System.getenv(key) == null && System.getProperty(key) == null) System.setProperty(key, "true");
    }
  }
}
