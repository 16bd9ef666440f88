package org.mflag.runtime;

import ai.djl.engine.Engine;

/**
 * Loads TensorFlow's native library once per process.
 *
 * <p>DJL's TensorFlow engine owns the JNI library that the bundled TensorFlow Java API
 * ({@code org.tensorflow}) also uses: {@code Engine.getEngine("TensorFlow")} must run before any
 * {@code org.tensorflow} class is touched, or the JNI symbols are missing. DJL loads the natives from the folder
 * that {@code TENSORFLOW_LIBRARY_PATH} names (an environment variable or a system property): where the user set it,
 * that folder (the CUDA build of {@code install-cuda}, say); otherwise the folder that {@link TensorFlowNatives}
 * unpacks from TensorFlow Java's natives jar beside the plugin, on Linux, Windows and macOS alike. So nothing is
 * downloaded at run time.</p>
 *
 * <p>Nothing goes out on the network either: unless the user set them, DJL's usage tracking is switched off
 * ({@code OPT_OUT_TRACKING}; otherwise every engine start asks 169.254.169.254, EC2's metadata address) and DJL
 * runs offline ({@code ai.djl.offline}: no model or native downloads), before the engine starts.</p>
 */
public final class TensorFlowRuntime {

  /** DJL's (and our) name of the folder the natives are loaded from. */
  public static final String LIBRARY_PATH = "TENSORFLOW_LIBRARY_PATH";

  private static volatile String version;
  private static volatile String source;

  private TensorFlowRuntime() {}

  /**
   * Loads the natives if needed and returns TensorFlow's version (e.g. {@code 2.16.2}); fails with a
   * {@link TensorFlowUnavailableException} that says in one line why TensorFlow cannot run here.
   */
  public static String ensureLoaded() {
    String v = version;
    if (v == null) {
      synchronized (TensorFlowRuntime.class) {
        if (version == null) {
          stayOffline();
          String folder = userLibraryPath();
          if (folder == null) {
            // fails with one line where this platform has no natives or they are not installed
            folder = TensorFlowNatives.libraryFolder(TensorFlowNatives.defaultCacheRoot(), TensorFlowRuntime::log).toString();
            System.setProperty(LIBRARY_PATH, folder);
            source = folder + " (TensorFlow Java " + TensorFlowNatives.VERSION + "'s natives)";
          } else {
            source = folder + " (" + LIBRARY_PATH + ")";
          }
          try {
            version = Engine.getEngine("TensorFlow").getVersion();
          } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new TensorFlowUnavailableException("TensorFlow could not be loaded from " + source + ": " + e.getMessage(), e);
          }
        }
        v = version;
      }
    }
    return v;
  }

  /** Why TensorFlow cannot run here, once asked. */
  private static volatile String unavailable;

  /**
   * Null when TensorFlow runs in this process (its natives are loaded now if they were not), else the one line
   * {@link #ensureLoaded} fails with; the first answer is kept for the process. What the inference engine {@code auto}
   * asks before it takes ONNX Runtime instead.
   */
  public static String unavailableReason() {
    if (version != null) return null;
    if (unavailable != null) return unavailable;
    synchronized (TensorFlowRuntime.class) {
      if (unavailable == null && version == null) {
        try {
          ensureLoaded();
        } catch (TensorFlowUnavailableException e) {
          unavailable = e.getMessage();
        }
      }
      return unavailable;
    }
  }

  /** Where the natives were loaded from, once {@link #ensureLoaded} has run (else null). */
  public static String source() {
    return source;
  }

  /** The folder the user named with {@code TENSORFLOW_LIBRARY_PATH} (environment first, as DJL reads it), or null. */
  static String userLibraryPath() {
    String env = System.getenv(LIBRARY_PATH);
    if (env != null && !env.isBlank()) return env;
    String prop = System.getProperty(LIBRARY_PATH);
    return prop == null || prop.isBlank() ? null : prop;
  }

  private static void log(String line) {
    System.err.println("[INFO] " + line);
  }

  /** Switches DJL's tracking and downloads off, where neither the environment nor a system property decided. */
  static void stayOffline() {
    for (String key : new String[] {"OPT_OUT_TRACKING", "ai.djl.offline"}) {
      if (System.getenv(key) == null && System.getProperty(key) == null) System.setProperty(key, "true");
    }
  }
}
