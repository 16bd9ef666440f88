package org.mflag.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.scijava.log.Logger;

/**
 * Native PyTorch, the stack the official M-FLAG code uses, run by {@code pytorch_step.py} (written with {@code torch.nn})
 * with every Python interpreter found ({@code python3} on the PATH, then the system's {@code /usr/bin/python3}) that
 * imports torch: e.g. a pip-installed torch and Debian's {@code python3-torch}. It times the training step (the
 * network, loss and optimiser of {@link PyTorchStep}), the forward pass of our segmentation U-Net on a batch of tiles
 * ({@link #segment}), or one convolution alone ({@link #conv}). Each runs in its own process, one thread per core,
 * with PyTorch's fastest allocator setting ({@link PyTorchComparison#KEEP_FREED_MEMORY}).
 */
final class NativePyTorch {

  static final String INSTALL = "install PyTorch for python3 (Debian/Ubuntu: apt-get install python3-torch; elsewhere: pip install torch)";

  static final class Result extends PyTorchComparison.Result {
    String python;
    int threads;
    boolean onednn;
    String cpuCapability;
    String mode;
    List<Double> stepTimes;
    /** {@link #segment} and {@link #conv}: median seconds of one call (on {@code batch} tiles or inputs), and each call's time. */
    double callSeconds;
    List<Double> callTimes;
  }

  private NativePyTorch() {}

  /** The training step: one result per interpreter with torch (different torch builds once each); empty when none has it. */
  static List<Result> run(int batch, int size, int steps, Logger log) throws IOException, InterruptedException {
    return run(List.of(String.valueOf(batch), String.valueOf(size), String.valueOf(steps)),
        "ResNet-50 + projector, batch " + batch + ", " + size + " px", log);
  }

  /** The U-Net's forward pass on {@code tiles} tiles of {@code size} px per call, median of {@code runs} calls; as {@link #run}. */
  static List<Result> segment(int tiles, int size, int runs, Logger log) throws IOException, InterruptedException {
    return run(List.of(String.valueOf(tiles), String.valueOf(size), String.valueOf(runs), "segment"),
        "ResNet-50 U-Net forward, " + tiles + " tiles of " + size + " px per call", log);
  }

  /** One 3x3 convolution alone ({@link ConvProbe}): median seconds of {@code runs} calls; as {@link #run}. */
  static List<Result> conv(int batch, int size, int in, int out, int runs, Logger log) throws IOException, InterruptedException {
    return run(List.of(String.valueOf(batch), String.valueOf(size), String.valueOf(runs), "conv", String.valueOf(in), String.valueOf(out)),
        "one 3x3 convolution, " + batch + " x " + size + " x " + size + " x " + in + " -> " + out, log);
  }

  private static List<Result> run(List<String> args, String what, Logger log) throws IOException, InterruptedException {
    Path script = Files.createTempFile("mflag-pytorch-step", ".py");
    try (InputStream in = NativePyTorch.class.getResourceAsStream("pytorch_step.py")) {
      Files.write(script, in.readAllBytes());
    }
    List<Result> out = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    try {
      for (String python : List.of("python3", "/usr/bin/python3")) {
        String version = torchVersion(python);
        if (version == null || !seen.add(version)) continue;
        log.info("pytorch (native): " + python + ", torch " + version + ": " + what);
        List<String> cmd = new ArrayList<>(List.of(python, script.toString()));
        cmd.addAll(args.subList(0, 3));
        cmd.add(String.valueOf(Runtime.getRuntime().availableProcessors()));
        cmd.addAll(args.subList(3, args.size()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(PyTorchComparison.KEEP_FREED_MEMORY);
        Process p = pb.start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        String json = null;
        for (String line : text.split("\n")) if (line.startsWith("{")) json = line;
        if (p.exitValue() != 0 || json == null) {
          log.warn("pytorch (native) with " + python + " failed (exit " + p.exitValue() + "): " + text.substring(Math.max(0, text.length() - 500)));
          continue;
        }
        Result r = Benchmark.JSON.fromJson(json, Result.class);
        r.python = python;
        r.allocator = PyTorchComparison.KEEP_FREED_MEMORY_TEXT;
        out.add(r);
      }
    } finally {
      Files.deleteIfExists(script);
    }
    return out;
  }

  /** torch's version under {@code python}, or null when it has none (or no such interpreter). */
  private static String torchVersion(String python) {
    try {
      Process p = new ProcessBuilder(python, "-c", "import torch; print(torch.__version__)").redirectErrorStream(true).start();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return null;
      }
      return p.exitValue() == 0 && !text.isEmpty() ? text.substring(text.lastIndexOf('\n') + 1) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
