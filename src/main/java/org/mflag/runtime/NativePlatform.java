package org.mflag.runtime;

import java.util.Locale;
import java.util.Optional;

/**
 * The desktop platforms for which TensorFlow Java 1.0.0 (the TensorFlow 2.16 line that DJL 0.36's JNI
 * loads) publishes natives on Maven Central, with the two names each goes by: Fiji's (the update
 * site's {@code lib/<name>/} folders, as imagej-updater names platforms) and TensorFlow Java's (the
 * Maven classifier of {@code org.tensorflow:tensorflow-core-native}, which is also the folder of the
 * libraries inside that jar).
 *
 * <p>Intel macOS, Linux on ARM and Windows on ARM have no TensorFlow 2.16 natives there: on them
 * {@link #current()} is empty, and everything that needs TensorFlow says so in one line.</p>
 */
public enum NativePlatform {
  LINUX64("linux64", "linux-x86_64", "Linux x86_64"),
  WIN64("win64", "windows-x86_64", "Windows x86_64"),
  MACOS_ARM64("macos-arm64", "macosx-arm64", "macOS on Apple silicon (arm64)");

  private final String fiji;
  private final String classifier;
  private final String description;

  NativePlatform(String fiji, String classifier, String description) {
    this.fiji = fiji;
    this.classifier = classifier;
    this.description = description;
  }

  /** Fiji's name of the platform: {@code linux64}, {@code win64}, {@code macos-arm64}. */
  public String fijiName() {
    return fiji;
  }

  /** TensorFlow Java's (JavaCPP's) name: {@code linux-x86_64}, {@code windows-x86_64}, {@code macosx-arm64}. */
  public String classifier() {
    return classifier;
  }

  /** For messages: "Windows x86_64". */
  public String description() {
    return description;
  }

  /** This JVM's platform, where TensorFlow Java serves it. */
  public static Optional<NativePlatform> current() {
    return of(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
  }

  /** The platform of an {@code os.name} and {@code os.arch}, where TensorFlow Java serves it. */
  static Optional<NativePlatform> of(String osName, String osArch) {
    String os = osName.toLowerCase(Locale.ROOT);
    String arch = osArch.toLowerCase(Locale.ROOT);
    boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
    boolean arm64 = arch.equals("aarch64") || arch.equals("arm64");
    if (os.startsWith("linux") && x64) return Optional.of(LINUX64);
    if (os.startsWith("windows") && x64) return Optional.of(WIN64);
    if ((os.startsWith("mac") || os.startsWith("darwin")) && arm64) return Optional.of(MACOS_ARM64);
    return Optional.empty();
  }

  /** This JVM's platform in words, for the message that TensorFlow has no natives here: "macOS on Intel (x86_64)". */
  public static String describeCurrent() {
    String os = System.getProperty("os.name", "?"), arch = System.getProperty("os.arch", "?");
    boolean mac = os.toLowerCase(Locale.ROOT).startsWith("mac");
    boolean intel = arch.equals("x86_64") || arch.equals("amd64");
    return mac && intel ? "macOS on Intel (x86_64)" : os + " " + arch;
  }
}
