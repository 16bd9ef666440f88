package org.mflag.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one benchmark part in a fresh JVM: its own thread pools, and a peak memory that is its own
 * rather than what earlier parts left resident. The child answers with {@link #reply} (one line
 * {@code RESULT <json>}); its other output is kept only to explain a failure.
 */
final class ChildJvm {

  private ChildJvm() {}

  /** What a child's {@code main} prints last: its result as one line of JSON. */
  static void reply(Object result) {
    System.out.println("RESULT " + Benchmark.JSON.toJson(result).replace('\n', ' '));
  }

  /**
   * Runs {@code main} with this JVM's class path (plus {@code extraClassPath}, may be null), heap and
   * environment (plus {@code env}); returns what it passed to {@link #reply}.
   */
  static <T> T run(Class<?> main, List<String> args, String extraClassPath, Map<String, String> env, Class<T> type) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx" + Runtime.getRuntime().maxMemory() / (1 << 20) + "m");
    cmd.add("-Djava.awt.headless=true");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path") + (extraClassPath == null ? "" : File.pathSeparator + extraClassPath));
    cmd.add(main.getName());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String result = null;
    StringBuilder tail = new StringBuilder();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null;) {
        if (line.startsWith("RESULT ")) result = line.substring(7);
        tail.append(line).append('\n');
        if (tail.length() > 4000) tail.delete(0, tail.length() - 4000);
      }
    } finally {
      if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
    }
    if (result == null) {
      int exit = p.exitValue();
      String output = tail.toString().trim();
      throw new IllegalStateException(main.getSimpleName() + " " + String.join(" ", args) + " ended (exit " + exit
          + (exit == 137 ? ": killed, most often by the kernel for want of memory (dmesg says)" : "") + ") without a result"
          + (output.isEmpty() ? ", and printed nothing" : ":\n" + output));
    }
    return Benchmark.JSON.fromJson(result, type);
  }
}
