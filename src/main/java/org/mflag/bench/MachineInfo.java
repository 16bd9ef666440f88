package org.mflag.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** What the benchmark records about the machine (Linux {@code /proc}; "unknown" elsewhere). */
final class MachineInfo {

  private MachineInfo() {}

  static String cpuModel() {
    return procField(Path.of("/proc/cpuinfo"), "model name", "unknown CPU");
  }

  static long memoryBytes() {
    String kb = procField(Path.of("/proc/meminfo"), "MemTotal", "-1 kB");
    try {
      return Long.parseLong(kb.replace("kB", "").trim()) * 1024;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** File-name-safe: CPU model words and core count, e.g. {@code amd-epyc-2c}. */
  static String slug() {
    String cpu = cpuModel().toLowerCase(Locale.ROOT).replaceAll("\\((r|tm)\\)", "").replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
    String[] words = cpu.split("-");
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < Math.min(4, words.length); i++) b.append(i > 0 ? "-" : "").append(words[i]);
    return b + "-" + Runtime.getRuntime().availableProcessors() + "c";
  }

  private static String procField(Path file, String field, String otherwise) {
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
        if (line.startsWith(field)) return line.substring(line.indexOf(':') + 1).trim();
      }
    } catch (IOException | RuntimeException e) {
      return otherwise;
    }
    return otherwise;
  }
}
