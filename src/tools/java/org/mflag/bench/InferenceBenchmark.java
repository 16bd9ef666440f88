package org.mflag.bench;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mflag.config.Task;
import org.mflag.data.GrayImage;
import org.mflag.data.ImageDecoder;
import org.mflag.data.Preprocessing;
import org.mflag.infer.Engine;
import org.mflag.infer.Inference;
import org.mflag.infer.InferenceOptions;
import org.mflag.infer.Job;
import org.mflag.infer.Segmentation;
import org.mflag.io.Archives;
import org.mflag.io.NdArray;
import org.mflag.io.Npy;
import org.mflag.model.TaskGraph;
import org.mflag.nn.Architecture;
import org.mflag.train.FinetuneConfig;
import org.mflag.train.Finetuner;
import org.mflag.train.TrainingListener;
import org.scijava.log.Logger;

/**
 * Segmenting a 2048 x 2048 X-ray the way M-FLAG Segment does with {@code scale=0.25}: a U-Net
 * package (ResNet-50, 224 px, written by {@code finetune-segmenter} after one step: speed does not
 * depend on the weights) run in overlapping tiles and blended, once on each engine (TensorFlow through
 * DJL, ONNX Runtime on the package's ONNX weights). Compared with the floor:
 * the tiles' forward FLOPs (counted from the package's graph) at the measured MatMul peak. The timing
 * runs in its own JVM, so that the peak resident memory is that of segmenting, not of the training
 * that wrote the package; the work outside the network (resizing, tiling, blending) is timed apart.
 */
final class InferenceBenchmark {

  static final class Result {
    String engine;
    int width;
    int height;
    double scale;
    int tiles;
    long flopsPerTile;
    double seconds;
    double floorSeconds;
    double overFloor;
    double hostSeconds;
    double wholeImageSeconds;
    long peakResidentBytes;
    int tilesPerCall;

    /** The floor (the tiles' forward FLOPs at {@code peakFlops}) and the time over it. */
    void floor(double peakFlops) {
      floorSeconds = tiles * (double) flopsPerTile / peakFlops;
      overFloor = seconds / floorSeconds;
    }

    /** The network's share of {@link #seconds}: without resizing, tiling and blending. */
    double networkSeconds() {
      return seconds - hostSeconds;
    }
  }

  private InferenceBenchmark() {}

  /** Arguments: package folder, image (.npy, height x width), scale, timed runs, engine. */
  public static void main(String[] args) throws Exception {
    NdArray a;
    try (InputStream in = Files.newInputStream(Path.of(args[1]))) {
      a = Npy.read(in, args[1]);
    }
    GrayImage image = new GrayImage((int) a.shape()[1], (int) a.shape()[0], a.data());
    Result r = new Result();
    r.width = image.width();
    r.height = image.height();
    r.scale = Double.parseDouble(args[2]);
    int runs = Integer.parseInt(args[3]);
    r.engine = args[4];
    try (Inference net = Inference.open(Path.of(args[0]), Job.SEGMENT, InferenceOptions.DEFAULTS, null, Engine.of(r.engine))) {
      List<GrayImage> one = List.of(image);
      r.tiles = net.tiles(image, r.scale, -1);
      r.tilesPerCall = net.tiling(-1).batch();
      net.segment(one, r.scale, -1); // warm-up: graph optimised, buffers allocated
      net.segment(image);
      double[] t = new double[runs];
      for (int i = 0; i < runs; i++) {
        long t0 = System.nanoTime();
        net.segment(one, r.scale, -1);
        t[i] = (System.nanoTime() - t0) / 1e9;
      }
      r.seconds = TrainStepBenchmark.median(t);
      long t0 = System.nanoTime();
      net.segment(image);
      r.wholeImageSeconds = (System.nanoTime() - t0) / 1e9;
      // the same resizing, tiling, blending, thresholding and regions around a network that returns its input
      int w = (int) Math.round(r.width * r.scale), h = (int) Math.round(r.height * r.scale);
      long h0 = System.nanoTime();
      float[] scaled = Preprocessing.normalise(Preprocessing.whole(image, w, h));
      float[] p = net.tiling(-1).apply(scaled, w, h, (tiles, n) -> tiles);
      Segmentation.of(Preprocessing.resizeBilinear(p, w, h, r.width, r.height), r.width, r.height, net.threshold());
      r.hostSeconds = (System.nanoTime() - h0) / 1e9;
    }
    r.peakResidentBytes = ProcessMemory.peakBytes();
    ChildJvm.reply(r);
  }

  /** The same image on each of {@code engines}, each in its own JVM, in that order. */
  static List<Result> run(Path manifest, Path xray, ImageDecoder decoder, int runs, double peakFlops, List<Engine> engines, Logger log)
      throws Exception {
    Architecture arch = Architecture.RESNET50;
    int size = 224, side = 2048;
    Path dir = Files.createTempDirectory("mflag-bench-segmenter");
    try {
      Map<String, String> k = new LinkedHashMap<>();
      k.put("manifest", manifest.toString());
      k.put("encoder_model", "random");
      k.put("encoder", arch.key());
      k.put("output", dir.resolve("segmenter").toString());
      k.put("image_size", String.valueOf(size));
      k.put("batch_size", "2");
      k.put("epochs", "1");
      k.put("fraction", "0.06");
      k.put("ignore_value", "127");
      k.put("log_every", "1000");
      log.info("inference: writing a " + arch.key() + " U-Net package at " + size + " px (one training step)");
      new Finetuner(FinetuneConfig.of(Task.SEGMENTATION, k), decoder, log).run(new TrainingListener() {}, () -> false);

      GrayImage small = decoder.read(xray);
      Path npy = dir.resolve("xray.npy");
      try (OutputStream out = Files.newOutputStream(npy)) {
        Npy.write(new NdArray(Preprocessing.resizeBilinear(small.pixels(), small.width(), small.height(), side, side), side, side), out);
      }
      long flopsPerTile;
      try (TaskGraph g = new TaskGraph(Task.SEGMENTATION, arch, size, 1, false)) {
        flopsPerTile = FlopCount.of(List.of(g.output().op()), 1).total();
      }
      List<Result> out = new java.util.ArrayList<>();
      for (Engine engine : engines) {
        Result r = ChildJvm.run(InferenceBenchmark.class, List.of(dir.resolve("segmenter").toString(), npy.toString(),
            String.valueOf(512.0 / side), String.valueOf(runs), engine.key()), null, Map.of(), Result.class);
        r.flopsPerTile = flopsPerTile;
        r.floor(peakFlops);
        out.add(r);
      }
      return out;
    } finally {
      Archives.deleteTree(dir);
    }
  }
}
