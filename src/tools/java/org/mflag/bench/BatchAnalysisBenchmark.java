package org.mflag.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.mflag.config.Task;
import org.mflag.data.ImageDecoder;
import org.mflag.data.Manifest;
import org.mflag.io.Archives;
import org.mflag.train.FinetuneConfig;
import org.mflag.train.Finetuner;
import org.mflag.train.TrainingListener;
import org.scijava.log.Logger;

/**
 * Segmenting a manifest in one JVM ({@code ./mflag segment}) against Spark on this machine ({@code ./mflag spark-segment
 * master=local[*]}), each run as a user runs it and timed on a small and a five times larger manifest of the same
 * images, so that the per-image time (the difference) and the fixed cost (JVM, Spark session, model load) separate. From them: from which archive
 * size a cluster of k such machines finishes before this one JVM. The one JVM runs once more with {@code engine=onnxruntime}
 * (the rest name {@code engine=tensorflow}), so that the two engines' rates on a folder stand side by side.
 */
final class BatchAnalysisBenchmark {

  /** What the part measured. */
  static final class Result {
    int smallImages;
    int largeImages;
    double oneJvmSmallSeconds;
    double oneJvmLargeSeconds;
    double sparkSmallSeconds;
    double sparkLargeSeconds;
    double oneJvmImagesPerSecond;
    double sparkImagesPerSecond;
    double oneJvmFixedSeconds;
    double sparkFixedSeconds;
    double sparkOverOneJvm;
    double oneJvmOnnxruntimeSmallSeconds;
    double oneJvmOnnxruntimeLargeSeconds;
    double oneJvmOnnxruntimeImagesPerSecond;
    double oneJvmOnnxruntimeFixedSeconds;
    /** The one JVM's rate on ONNX Runtime over its rate on TensorFlow (a difference of two runs each: noisy). */
    double onnxruntimeOverTensorflow;
    /** The larger manifest's wall-clock time on TensorFlow over that on ONNX Runtime: what a user waits for. */
    double tensorflowOverOnnxruntimeLarge;
    /** Archive size from which k machines on Spark finish first, by k (null: never). */
    Map<String, Double> breakEvenImages = new LinkedHashMap<>();
    String skipped;
  }

  private BatchAnalysisBenchmark() {}

  static Result run(Path manifest, String imageColumn, ImageDecoder decoder, Logger log) throws Exception {
    Result r = new Result();
    Path launcher = Path.of("mflag").toAbsolutePath();
    if (!Files.isExecutable(launcher)) {
      r.skipped = "run ./mflag bench from the repository root (the Spark side runs ./mflag spark-segment)";
      return r;
    }
    Path tmp = Files.createTempDirectory("mflag-bench-analysis");
    try {
      Path model = segmenter(manifest, tmp.resolve("segmenter"), decoder, log);
      Manifest m = Manifest.read(manifest, "id", imageColumn);
      Path small = copies(m, imageColumn, 1, tmp.resolve("small.csv"));
      Path large = copies(m, imageColumn, 5, tmp.resolve("large.csv"));
      r.smallImages = m.size();
      r.largeImages = 5 * m.size();
      r.oneJvmSmallSeconds = launch(launcher, "segment", model, small, tmp.resolve("one-small"), "tensorflow");
      r.oneJvmLargeSeconds = launch(launcher, "segment", model, large, tmp.resolve("one-large"), "tensorflow");
      r.oneJvmOnnxruntimeSmallSeconds = launch(launcher, "segment", model, small, tmp.resolve("ort-small"), "onnxruntime");
      r.oneJvmOnnxruntimeLargeSeconds = launch(launcher, "segment", model, large, tmp.resolve("ort-large"), "onnxruntime");
      r.sparkSmallSeconds = launch(launcher, "spark-segment", model, small, tmp.resolve("spark-small"), "tensorflow");
      r.sparkLargeSeconds = launch(launcher, "spark-segment", model, large, tmp.resolve("spark-large"), "tensorflow");
    } finally {
      Archives.deleteTree(tmp);
    }
    int extra = r.largeImages - r.smallImages;
    r.oneJvmImagesPerSecond = extra / (r.oneJvmLargeSeconds - r.oneJvmSmallSeconds);
    r.sparkImagesPerSecond = extra / (r.sparkLargeSeconds - r.sparkSmallSeconds);
    r.oneJvmFixedSeconds = r.oneJvmSmallSeconds - r.smallImages / r.oneJvmImagesPerSecond;
    r.sparkFixedSeconds = r.sparkSmallSeconds - r.smallImages / r.sparkImagesPerSecond;
    r.sparkOverOneJvm = r.sparkImagesPerSecond / r.oneJvmImagesPerSecond;
    r.oneJvmOnnxruntimeImagesPerSecond = extra / (r.oneJvmOnnxruntimeLargeSeconds - r.oneJvmOnnxruntimeSmallSeconds);
    r.oneJvmOnnxruntimeFixedSeconds = r.oneJvmOnnxruntimeSmallSeconds - r.smallImages / r.oneJvmOnnxruntimeImagesPerSecond;
    r.onnxruntimeOverTensorflow = r.oneJvmOnnxruntimeImagesPerSecond / r.oneJvmImagesPerSecond;
    r.tensorflowOverOnnxruntimeLarge = r.oneJvmLargeSeconds / r.oneJvmOnnxruntimeLargeSeconds;
    for (int k : new int[] {1, 4, 16}) {
      // n / (k r_spark) + F_spark < n / r_one + F_one
      double gain = 1 / r.oneJvmImagesPerSecond - 1 / (k * r.sparkImagesPerSecond);
      r.breakEvenImages.put(Integer.toString(k), gain <= 0 ? null : Math.max(0, (r.sparkFixedSeconds - r.oneJvmFixedSeconds) / gain));
    }
    return r;
  }

  /** A U-Net (ResNet-50 encoder, 224 px) trained for one epoch on a tenth of the images: inference costs what any costs. */
  private static Path segmenter(Path manifest, Path out, ImageDecoder decoder, Logger log) throws Exception {
    Map<String, String> k = new LinkedHashMap<>();
    k.put("manifest", manifest.toString());
    k.put("encoder_model", "random");
    k.put("encoder", "resnet50");
    k.put("image_size", "224");
    k.put("batch_size", "4");
    k.put("epochs", "1");
    k.put("fraction", "0.1");
    k.put("output", out.toString());
    new Finetuner(FinetuneConfig.of(Task.SEGMENTATION, k), decoder, log).run(new TrainingListener() {}, () -> false);
    return out;
  }

  /**
   * The manifest's images {@code times} over, with distinct ids: the images are copied once into
   * {@code images/} beside {@code csv} (a manifest's paths stay inside its folder).
   */
  private static Path copies(Manifest m, String imageColumn, int times, Path csv) throws Exception {
    Path images = Files.createDirectories(csv.toAbsolutePath().getParent().resolve("images"));
    StringBuilder b = new StringBuilder("id,image\n");
    for (int t = 0; t < times; t++) {
      for (Manifest.Row row : m.rows()) {
        Path source = m.locate(row.get(imageColumn));
        Path copy = images.resolve(source.getFileName());
        if (!Files.exists(copy)) Files.copy(source, copy);
        b.append(row.id()).append('-').append(t).append(',').append(Manifest.csvField("images/" + copy.getFileName())).append('\n');
      }
    }
    Files.writeString(csv, b);
    return csv;
  }

  /** Wall-clock seconds of {@code ./mflag <command>} as a user runs it: its JVM's and (Spark's) session's start-up included. */
  private static double launch(Path launcher, String command, Path model, Path manifest, Path out, String engine) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(launcher.toString(), command, "model=" + model, "manifest=" + manifest,
        "output=" + out, "engine=" + engine));
    long start = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    StringBuilder tail = new StringBuilder();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null;) {
        tail.append(line).append('\n');
        if (tail.length() > 4000) tail.delete(0, tail.length() - 4000);
      }
    }
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("./mflag " + command + " failed (exit " + (p.isAlive() ? "none: still running" : p.exitValue()) + "):\n" + tail.toString().trim());
    }
    return (System.nanoTime() - start) / 1e9;
  }
}
