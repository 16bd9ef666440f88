package org.mflag.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's resident memory (Linux {@code /proc/self}), native allocations included, which is
 * where TensorFlow's tensors live. Benchmark parts that report memory run in their own JVM.
 */
final class ProcessMemory {

  private ProcessMemory() {}

  /** Peak resident set size since the process started, in bytes; -1 if unknown. */
  static long peakBytes() {
    return status("VmHWM:");
  }

  /** Resident set size now, in bytes; -1 if unknown. */
  static long residentBytes() {
    return status("VmRSS:");
  }

  private static long status(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
        if (line.startsWith(field)) return Long.parseLong(line.substring(field.length()).replace("kB", "").trim()) * 1024;
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
