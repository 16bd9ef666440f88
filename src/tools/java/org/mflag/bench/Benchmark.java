package org.mflag.bench;

import ai.djl.engine.Engine;
import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.data.DataKeys;
import org.mflag.data.ImageDecoder;
import org.mflag.io.Archives;
import org.mflag.nn.Architecture;
import org.mflag.nn.Precision;
import org.mflag.report.MarkdownTable;
import org.mflag.runtime.TensorFlowRuntime;
import org.mflag.text.TextModels;
import org.scijava.log.Logger;

/**
 * {@code ./mflag bench}: how close to the machine's limit and how far ahead of the alternative, each
 * as a ratio of two figures measured in this one run on this machine (issue 7):
 * <ol>
 * <li>the ResNet-50 pre-training step's FLOP/s (exact count) over the fp32 peak: the best measured GEMM, OpenBLAS's
 * SGEMM or TensorFlow's MatMul, with the theoretical peak of the CPU's features and clock beside it;</li>
 * <li>our step against native PyTorch (every python3 with torch) and DJL's PyTorch engine training the same network;</li>
 * <li>the data loader's throughput over the step's demand;</li>
 * <li>the frozen language model's first epoch against the cached second;</li>
 * <li>tiled segmentation of a 2048 x 2048 X-ray against its FLOP floor, and its peak memory;</li>
 * <li>step time and memory over batch 8/16/32 and 128/224/320 px;</li>
 * <li>the ResNet-50 step in bfloat16 mixed precision against fp32, and run-time levers on the fp32 step;</li>
 * <li>two data-parallel replicas on logical CPU devices against one device;</li>
 * <li>segmenting a manifest in one JVM against Spark on this machine, and from which archive size a cluster pays.</li>
 * <li>a top-10 search of a 1,000,000-entry retrieval index against reading its matrix once.</li>
 * </ol>
 * Writes {@code <output>/<date>-<machine>.json} and {@code .md}. {@code quick=true} times fewer steps
 * and leaves out the largest configurations.
 */
public final class Benchmark {

  public static final Key QUICK = Key.bool("quick", "false", "fewer timed steps and no batch 32 / 320 px (under 5 minutes on 2 cores)");
  public static final Key OUTPUT = Key.path("output", "docs/benchmarks", "folder for <date>-<machine>.json and .md").directory();
  public static final Key MACHINE = Key.text("machine", "auto", "name of this machine in the file names; auto = CPU model and core count");
  public static final Key MANIFEST = DataKeys.MANIFEST.withDefault("samples/cxr/manifest.csv")
      .describedAs("image-report manifest for the loader, language-model and inference parts");
  public static final Key PYTORCH_JARS = Key.path("pytorch_jars", "target/bench-pytorch",
      "folder with DJL's PyTorch engine jars for the comparison (./mflag bench fills it)").directory();

  public static final Key OPENBLAS_JARS = Key.path("openblas_jars", "target/bench-openblas",
      "folder with OpenBLAS (org.bytedeco) and its natives for the measured GEMM peak (./mflag bench fills it)").directory();

  public static final List<Key> KEYS = Collections.unmodifiableList(Arrays.asList(QUICK, OUTPUT, MACHINE, MANIFEST,
      DataKeys.IMAGE_COLUMN, DataKeys.TEXT_COLUMN, DataKeys.ID_COLUMN, DataKeys.WORKERS,
      TextModels.TEXT_MODEL.describedAs("frozen language model to time"), PYTORCH_JARS, OPENBLAS_JARS, DataKeys.CACHE_DIR));

  /** Everything one run measured; written as JSON with snake_case names. */
  static final class Report {
    String date;
    String machine;
    boolean quick;
    Map<String, Object> environment = new LinkedHashMap<>();
    /** The peak every "of peak" ratio divides by: the best measured GEMM, OpenBLAS's or TensorFlow's. */
    double matmulPeakFlopsPerSecond;
    String peakSource;
    /** TensorFlow's MatMul, at the start and the end of the run. */
    List<Double> matmulPeakRuns = new ArrayList<>();
    BlasPeak.Result blasPeak;
    MachineInfo.TheoreticalPeak theoreticalPeak;
    TrainStepBenchmark.Result trainingStep;
    PyTorchComparison.Result pytorch;
    double oursOverPytorch;
    List<NativePyTorch.Result> nativePytorch = new ArrayList<>();
    /** Over the fastest native PyTorch. */
    double oursOverNativePytorch;
    double loaderImagesPerSecond;
    double loaderOverStep;
    EmbeddingBenchmark.Result languageModel;
    /** Tiled segmentation on TensorFlow, and the same on ONNX Runtime. */
    InferenceBenchmark.Result inference;
    InferenceBenchmark.Result inferenceOnnxruntime;
    /** Each kind's forward pass (ResNet-50, 224 px) on both engines, calls alternating, against the same floor. */
    List<EngineForward.Result> engineForward = new ArrayList<>();
    List<EngineForward.Comparison> engineComparison = new ArrayList<>();
    /** What this run says about {@code engine=auto}'s choice where both engines load ({@link #autoEngineVerdict}). */
    String autoEngine;
    /** The inference part's tiles through native PyTorch's forward of the same U-Net, one result per torch build. */
    List<NativePyTorch.Result> nativePytorchSegment = new ArrayList<>();
    /** One convolution alone in TensorFlow and in native PyTorch: the cause of the two rows above. */
    List<ConvProbe.Result> convProbe = new ArrayList<>();
    List<TrainStepBenchmark.Result> scaling = new ArrayList<>();
    ReplicaBenchmark.Result replicas;
    BatchAnalysisBenchmark.Result batchAnalysis;
    RetrievalBenchmark.Result retrieval;
    /** Pre-training's data path on manifests of 10^4 (and, in the full run, 10^5) pairs. */
    List<ScaleBenchmark.Result> archiveScale = new ArrayList<>();
    TrainStepBenchmark.Result mixedStep;
    double mixedOverFp32;
    List<StepLevers.Lever> levers = new ArrayList<>();
    double seconds;
  }

  /** JSON of the results, snake_case names; also how child JVMs hand their figures back. */
  static final Gson JSON = new GsonBuilder().setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
      .setPrettyPrinting().disableHtmlEscaping().serializeSpecialFloatingPointValues().create();

  private Benchmark() {}

  public static Path run(KeyValues kv, ImageDecoder decoder, Logger log, BooleanSupplier canceled) throws Exception {
    long start = System.nanoTime();
    boolean quick = kv.bool(QUICK);
    int steps = quick ? 2 : 5;
    Path manifest = kv.path(MANIFEST);
    Report r = new Report();
    r.date = LocalDate.now().toString();
    r.machine = "auto".equals(kv.string(MACHINE)) ? MachineInfo.slug() : kv.string(MACHINE);
    r.quick = quick;
    r.environment = environment();
    log.info("bench: " + r.environment);

    r.theoreticalPeak = MachineInfo.theoreticalPeak();
    r.matmulPeakRuns.add(MatMulPeak.flopsPerSecond(4096, 5));
    r.blasPeak = BlasPeak.run(kv.path(OPENBLAS_JARS), 4096, 5);
    choosePeak(r);
    log.info(String.format(Locale.ROOT, "1/9 fp32 peak: theoretical %.0f GFLOP/s (%s); measured 4096^3, best of 5: OpenBLAS SGEMM %s, "
        + "TensorFlow MatMul %.0f GFLOP/s; peak = %s", r.theoreticalPeak.fp32FlopsPerSecond / 1e9, r.theoreticalPeak.derivation,
        r.blasPeak.skipped == null ? String.format(Locale.ROOT, "%.0f GFLOP/s", r.blasPeak.flopsPerSecond / 1e9) : "skipped (" + r.blasPeak.skipped + ")",
        r.matmulPeakRuns.get(0) / 1e9, r.peakSource));

    r.trainingStep = TrainStepBenchmark.inChildJvm(Architecture.RESNET50, 16, 224, steps, r.matmulPeakFlopsPerSecond, true);
    log.info(String.format(Locale.ROOT, "1/9 training step (ResNet-50, 224 px, batch 16): %.2f s = %.2f img/s, %.1f GFLOP/step, %.0f GFLOP/s"
        + " = %.2f of peak (target >= 0.6, goal 0.8); time by op %s", r.trainingStep.stepSeconds, r.trainingStep.imagesPerSecond,
        r.trainingStep.flopsPerStep / 1e9, r.trainingStep.flopsPerSecond / 1e9, r.trainingStep.fractionOfPeak, percent(r.trainingStep.timeShareByOp)));
    if (canceled.getAsBoolean()) return null;

    r.pytorch = PyTorchComparison.run(kv.path(PYTORCH_JARS), 16, 224, quick ? 1 : steps, log);
    if (r.pytorch.skipped == null) {
      r.oursOverPytorch = r.pytorch.stepSeconds / r.trainingStep.stepSeconds;
      log.info(String.format(Locale.ROOT, "2/9 DJL PyTorch %s: %.2f s/step = %.2f img/s; ours is %.2fx faster (target >= 1.5)",
          r.pytorch.version, r.pytorch.stepSeconds, r.pytorch.imagesPerSecond, r.oursOverPytorch));
    } else {
      log.warn("2/9 PyTorch comparison skipped: " + r.pytorch.skipped);
    }
    r.nativePytorch = NativePyTorch.run(16, 224, quick ? 2 : steps, log);
    if (r.nativePytorch.isEmpty()) {
      log.warn("2/9 native PyTorch skipped: no python3 imports torch; " + NativePyTorch.INSTALL);
    } else {
      double best = r.nativePytorch.stream().mapToDouble(x -> x.stepSeconds).min().getAsDouble();
      r.oursOverNativePytorch = best / r.trainingStep.stepSeconds;
      for (NativePyTorch.Result x : r.nativePytorch) {
        log.info(String.format(Locale.ROOT, "2/9 native PyTorch %s (%s, %d threads): %.2f s/step = %.2f img/s", x.version, x.python, x.threads,
            x.stepSeconds, x.imagesPerSecond));
      }
      log.info(String.format(Locale.ROOT, "2/9 ours is %.2fx the fastest native PyTorch's speed (target >= 1.2)", r.oursOverNativePytorch));
    }
    if (canceled.getAsBoolean()) return null;

    int workers = kv.integer(DataKeys.WORKERS);
    r.loaderImagesPerSecond = LoaderBenchmark.imagesPerSecond(manifest, kv.string(DataKeys.IMAGE_COLUMN), kv.string(DataKeys.TEXT_COLUMN), 224, 16,
        workers, quick ? 6 : 24, kv.path(DataKeys.CACHE_DIR), decoder, log);
    r.loaderOverStep = r.loaderImagesPerSecond / r.trainingStep.imagesPerSecond;
    log.info(String.format(Locale.ROOT, "3/9 data loader (%d workers): %.0f img/s, %.1fx the step's demand (target >= 1.5)", workers,
        r.loaderImagesPerSecond, r.loaderOverStep));
    if (canceled.getAsBoolean()) return null;

    r.languageModel = EmbeddingBenchmark.run(manifest, kv.string(DataKeys.ID_COLUMN), kv.string(DataKeys.TEXT_COLUMN), quick ? 16 : 48,
        kv.string(TextModels.TEXT_MODEL), kv.path(DataKeys.CACHE_DIR), r.matmulPeakFlopsPerSecond, log);
    log.info(String.format(Locale.ROOT, "4/9 language model: %.1f embeddings/s in the first epoch (%.1f s; model load %.1f s), second epoch"
        + " %.4f s from the cache: %.0fx faster", r.languageModel.embeddingsPerSecond, r.languageModel.firstEpochSeconds,
        r.languageModel.modelLoadSeconds, r.languageModel.secondEpochSeconds, r.languageModel.firstOverSecond));
    if (canceled.getAsBoolean()) return null;

    Path xray = manifest.resolveSibling("images").resolve("16660_3_1.png");
    List<InferenceBenchmark.Result> segmenting = InferenceBenchmark.run(manifest, Files.isRegularFile(xray) ? xray
        : firstImage(manifest, kv.string(DataKeys.IMAGE_COLUMN)), decoder, quick ? 3 : 5, r.matmulPeakFlopsPerSecond,
        List.of(org.mflag.infer.Engine.TENSORFLOW, org.mflag.infer.Engine.ONNXRUNTIME), log);
    r.inference = segmenting.get(0);
    r.inferenceOnnxruntime = segmenting.get(1);
    log.info(String.format(Locale.ROOT, "5/9 segmenting %dx%d at scale %.2f: %d tiles in %.2f s, floor %.2f s: %.2fx the floor (target < 1.5);"
        + " %.2f s of it outside the network (resize, tile, blend); peak RSS %.2f GiB; whole image resized to one tile %.2f s",
        r.inference.width, r.inference.height, r.inference.scale, r.inference.tiles, r.inference.seconds, r.inference.floorSeconds,
        r.inference.overFloor, r.inference.hostSeconds, r.inference.peakResidentBytes / 1073741824.0, r.inference.wholeImageSeconds));
    log.info(String.format(Locale.ROOT, "5/9 the same on ONNX Runtime: %.2f s = %.2fx the floor (%.2f s outside the network), peak RSS %.2f GiB;"
        + " TensorFlow/ONNX Runtime %.2f", r.inferenceOnnxruntime.seconds, r.inferenceOnnxruntime.overFloor, r.inferenceOnnxruntime.hostSeconds,
        r.inferenceOnnxruntime.peakResidentBytes / 1073741824.0, r.inference.seconds / r.inferenceOnnxruntime.seconds));
    r.engineForward = EngineForward.run(8, quick ? 5 : 7, r.matmulPeakFlopsPerSecond, r.engineComparison, log);
    r.nativePytorchSegment = NativePyTorch.segment(r.inference.tiles, 224, quick ? 2 : 5, log);
    for (NativePyTorch.Result x : r.nativePytorchSegment) {
      log.info(String.format(Locale.ROOT, "5/9 native PyTorch %s (%s): the same %d tiles in one U-Net forward call %.2f s; ours %.2f s"
          + " without resizing and blending: %.2fx its speed", x.version, x.python, x.batch, x.callSeconds, r.inference.networkSeconds(),
          x.callSeconds / r.inference.networkSeconds()));
    }
    r.convProbe = ConvProbe.run(quick ? 3 : 9, log);
    for (ConvProbe.Result c : r.convProbe) log.info("5/9 " + describe(c));
    if (canceled.getAsBoolean()) return null;

    int[][] configs = quick ? new int[][] {{8, 224}, {16, 128}} : new int[][] {{8, 224}, {32, 224}, {16, 128}, {16, 320}};
    r.scaling.add(r.trainingStep);
    for (int[] c : configs) {
      if (canceled.getAsBoolean()) return null;
      TrainStepBenchmark.Result s = TrainStepBenchmark.inChildJvm(Architecture.RESNET50, c[0], c[1], steps, r.matmulPeakFlopsPerSecond, false);
      r.scaling.add(s);
      log.info(String.format(Locale.ROOT, "6/9 batch %d, %d px: %.2f s/step, %.2f img/s, %.2f of peak, peak RSS %.2f GiB", c[0], c[1],
          s.stepSeconds, s.imagesPerSecond, s.fractionOfPeak, s.peakResidentBytes / 1073741824.0));
    }
    r.scaling.sort((a, b) -> a.imageSize != b.imageSize ? Integer.compare(a.imageSize, b.imageSize) : Integer.compare(a.batch, b.batch));
    if (canceled.getAsBoolean()) return null;

    r.mixedStep = TrainStepBenchmark.inChildJvm(Architecture.RESNET50, 16, 224, steps, r.matmulPeakFlopsPerSecond, false, Precision.MIXED);
    r.mixedOverFp32 = r.trainingStep.stepSeconds / r.mixedStep.stepSeconds;
    log.info(String.format(Locale.ROOT, "7/9 the same step with precision=mixed (bfloat16 convolutions and matrix products): %.2f s/step = %.2f"
        + " img/s, %.2fx the fp32 step's speed", r.mixedStep.stepSeconds, r.mixedStep.imagesPerSecond, r.mixedOverFp32));
    if (canceled.getAsBoolean()) return null;

    r.levers = StepLevers.run(steps, r.matmulPeakFlopsPerSecond, log);
    if (canceled.getAsBoolean()) return null;

    r.replicas = ReplicaBenchmark.run(Architecture.RESNET18, 16, 128, steps);
    log.info(String.format(Locale.ROOT, "8/9 two data-parallel replicas on 2 logical CPU devices (ResNet-18, 128 px, batch 16): %.2f s/step vs "
        + "%.2f s on one device; loss differs by %.1e, gradients by %.1e (relative)", r.replicas.replicatedSeconds,
        r.replicas.oneDeviceSeconds, r.replicas.lossRelativeDifference, r.replicas.gradientRelativeDifference));
    if (canceled.getAsBoolean()) return null;

    r.batchAnalysis = BatchAnalysisBenchmark.run(manifest, kv.string(DataKeys.IMAGE_COLUMN), decoder, log);
    log.info(r.batchAnalysis.skipped != null ? "9/9 batch analysis skipped: " + r.batchAnalysis.skipped : describe(r.batchAnalysis));
    r.autoEngine = autoEngineVerdict(r);
    log.info("engines: " + r.autoEngine);
    if (canceled.getAsBoolean()) return null;

    r.archiveScale = ScaleBenchmark.run(manifest, quick ? new int[] {10_000} : new int[] {10_000, 100_000}, 288, 128, workers,
        kv.path(DataKeys.CACHE_DIR), log);
    if (canceled.getAsBoolean()) return null;

    r.retrieval = RetrievalBenchmark.run(quick ? 100_000 : 1_000_000, 1024, 5);
    log.info(describe(r.retrieval));
    // the peak again at the end; the ratios use the better of the two (the practical peak), and a
    // machine that slowed down (thermal, a neighbour) shows as two different figures
    r.matmulPeakRuns.add(MatMulPeak.flopsPerSecond(4096, 5));
    choosePeak(r);
    rescale(r, r.matmulPeakFlopsPerSecond);
    r.seconds = (System.nanoTime() - start) / 1e9;

    Path out = kv.path(OUTPUT);
    Files.createDirectories(out);
    // a second run on the same day and machine gets the next free number: earlier reports are never overwritten
    String base = r.date + "-" + r.machine;
    for (int n = 2; Files.exists(out.resolve(base + ".json")) || Files.exists(out.resolve(base + ".md")); n++) {
      base = r.date + "-" + r.machine + "-" + n;
    }
    Archives.writeAtomically(out.resolve(base + ".json"), (JSON.toJson(r) + "\n").getBytes(StandardCharsets.UTF_8));
    Archives.writeAtomically(out.resolve(base + ".md"), markdown(r).getBytes(StandardCharsets.UTF_8));
    log.info(String.format(Locale.ROOT, "bench: %.1f minutes; wrote %s and %s", r.seconds / 60, out.resolve(base + ".json"), out.resolve(base + ".md")));
    return out.resolve(base + ".md");
  }

  /**
   * Whether this run bears out {@code engine=auto}'s choice where both engines load ({@link org.mflag.infer.Engine#preferred}):
   * the forward passes whose pairs of calls all favour one engine, and the tiled and folder figures beside them.
   */
  static String autoEngineVerdict(Report r) {
    String preferred = org.mflag.infer.Engine.preferred().key();
    List<String> pro = new ArrayList<>(), contra = new ArrayList<>();
    for (EngineForward.Comparison c : r.engineComparison) {
      String what = f("%s forward %.2f", c.task, c.tensorflowOverOnnxruntime);
      if (c.faster.equals(preferred)) pro.add(what);
      else if (!c.faster.equals("neither")) contra.add(what);
    }
    // the tiled and folder figures are not paired calls: only a gap over 10% (this machine's drift within a run) counts
    if (r.inference != null && r.inferenceOnnxruntime != null) {
      double tfOverOrt = r.inference.seconds / r.inferenceOnnxruntime.seconds;
      weigh(preferred, "tiled segmentation", tfOverOrt, pro, contra);
    }
    if (r.batchAnalysis != null && r.batchAnalysis.skipped == null) {
      weigh(preferred, f("a folder of %d X-rays", r.batchAnalysis.largeImages), r.batchAnalysis.tensorflowOverOnnxruntimeLarge, pro, contra);
    }
    String verdict = contra.isEmpty() ? (pro.isEmpty() ? "no gap over noise" : "borne out") : pro.isEmpty() ? "contradicted" : "mixed";
    return f("auto takes %s where both engines load; TensorFlow's time over ONNX Runtime's, where one engine was faster over noise: for %s: %s;"
        + " against: %s: %s", preferred, preferred, pro.isEmpty() ? "none" : String.join(", ", pro), contra.isEmpty() ? "none"
        : String.join(", ", contra), verdict);
  }

  private static void weigh(String preferred, String what, double tfOverOrt, List<String> pro, List<String> contra) {
    String item = f("%s %.2f", what, tfOverOrt);
    boolean ortFaster = tfOverOrt > 1.1, tfFaster = tfOverOrt < 1 / 1.1;
    if (ortFaster) (preferred.equals("onnxruntime") ? pro : contra).add(item);
    if (tfFaster) (preferred.equals("tensorflow") ? pro : contra).add(item);
  }

  /** The best measured GEMM as the peak: OpenBLAS's SGEMM or TensorFlow's MatMul (the better of its runs). */
  private static void choosePeak(Report r) {
    double tf = Collections.max(r.matmulPeakRuns);
    boolean blas = r.blasPeak != null && r.blasPeak.skipped == null && r.blasPeak.flopsPerSecond > tf;
    r.matmulPeakFlopsPerSecond = blas ? r.blasPeak.flopsPerSecond : tf;
    r.peakSource = blas ? "OpenBLAS SGEMM" : "TensorFlow MatMul";
  }

  /** Re-expresses every fraction of the peak against {@code peak}. */
  private static void rescale(Report r, double peak) {
    for (TrainStepBenchmark.Result s : r.scaling) s.fractionOfPeak = s.flopsPerSecond / peak;
    for (InferenceBenchmark.Result in : List.of(r.inference, r.inferenceOnnxruntime)) in.floor(peak);
    for (EngineForward.Result e : r.engineForward) e.floor(peak);
    r.matmulPeakFlopsPerSecond = peak;
  }

  private static Path firstImage(Path manifest, String column) throws Exception {
    return manifest.resolveSibling(org.mflag.data.Manifest.read(manifest, "id", column).rows().get(0).get(column));
  }

  static Map<String, Object> environment() {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("cpu", MachineInfo.cpuModel());
    e.put("cpu_identity", MachineInfo.cpuIdentity());
    e.put("cores", Runtime.getRuntime().availableProcessors());
    e.put("memory_bytes", MachineInfo.memoryBytes());
    e.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    e.put("jvm_flags", ManagementFactory.getRuntimeMXBean().getInputArguments());
    e.put("tensorflow", TensorFlowRuntime.ensureLoaded());
    e.put("djl", Engine.getDjlVersion());
    String onednn = System.getenv("TF_ENABLE_ONEDNN_OPTS");
    e.put("onednn", onednn == null ? "on (TensorFlow's default on x86)" : ("0".equals(onednn) ? "off" : "on") + " (TF_ENABLE_ONEDNN_OPTS=" + onednn + ")");
    e.put("threads", "TensorFlow intra-op and inter-op pools at their defaults (one thread per core); TF_NUM_INTRAOP_THREADS="
        + System.getenv("TF_NUM_INTRAOP_THREADS") + ", OMP_NUM_THREADS=" + System.getenv("OMP_NUM_THREADS"));
    java.util.List<Integer> gpus = org.mflag.runtime.Devices.usableGpus();
    e.put("gpu", gpus.isEmpty() ? "none (" + org.mflag.runtime.Devices.whyNoGpu() + ")"
        : gpus + " (TensorFlow places the timed steps and the MatMul peak on GPU 0; GPU runs of the benchmark are not verified yet)");
    return e;
  }

  private static String describe(RetrievalBenchmark.Result x) {
    return String.format(Locale.ROOT, "retrieval: a %,d x %d index answers a top-10 query in %.3f s (median of 5; target well under 1 s on"
        + " 2 cores), %.2fx the time of reading its matrix once on every core (the floor of an exact scan)", x.entries, x.dimension,
        x.secondsPerQuery, x.overRead);
  }

  private static String describe(ConvProbe.Result c) {
    StringBuilder b = new StringBuilder(f("one 3x3 convolution, %d x %d x %d x %d -> %d: TensorFlow %.1f ms (%.0f GFLOP/s)", c.batch, c.size,
        c.size, c.inChannels, c.outChannels, c.tensorflowSeconds * 1e3, c.flops / c.tensorflowSeconds / 1e9));
    for (NativePyTorch.Result x : c.pytorch) {
      b.append(f("; PyTorch %s %.1f ms (%.0f GFLOP/s): ours %.2fx its speed", x.version, x.callSeconds * 1e3, c.flops / x.callSeconds / 1e9,
          x.callSeconds / c.tensorflowSeconds));
    }
    return b.toString();
  }

  private static String describe(BatchAnalysisBenchmark.Result b) {
    StringBuilder k = new StringBuilder();
    for (Map.Entry<String, Double> e : b.breakEvenImages.entrySet()) {
      k.append(String.format(Locale.ROOT, "%s %s machine%s %s", k.length() == 0 ? ":" : ";", e.getKey(), e.getKey().equals("1") ? "" : "s",
          e.getValue() == null ? "never" : String.format(Locale.ROOT, "from %,.0f images", e.getValue())));
    }
    return String.format(Locale.ROOT, "9/9 segmenting a manifest (ResNet-50 U-Net, 224 px): one JVM %.1f img/s + %.1f s fixed, Spark local[*] "
        + "%.1f img/s + %.1f s fixed (%.2fx the one JVM's rate; %d and %d images, %.1f/%.1f s and %.1f/%.1f s); Spark on k such machines "
        + "finishes first%s", b.oneJvmImagesPerSecond, b.oneJvmFixedSeconds, b.sparkImagesPerSecond, b.sparkFixedSeconds, b.sparkOverOneJvm,
        b.smallImages, b.largeImages, b.oneJvmSmallSeconds, b.oneJvmLargeSeconds, b.sparkSmallSeconds, b.sparkLargeSeconds, k);
  }

  private static EngineForward.Result forward(Report r, String task, String engine) {
    return r.engineForward.stream().filter(e -> e.task.equals(task) && e.engine.equals(engine)).findFirst()
        .orElseThrow(() -> new IllegalStateException("no " + engine + " forward for " + task));
  }

  private static String percent(Map<String, Double> shares) {
    StringBuilder b = new StringBuilder();
    if (shares == null) return "";
    for (Map.Entry<String, Double> s : shares.entrySet()) {
      if (b.length() > 0) b.append(", ");
      b.append(String.format(Locale.ROOT, "%s %.0f%%", s.getKey(), 100 * s.getValue()));
    }
    return b.toString();
  }

  private static String f(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }

  static String markdown(Report r) {
    StringBuilder md = new StringBuilder();
    md.append("# Benchmark ").append(r.date).append(", ").append(r.machine).append(r.quick ? " (quick)" : "").append("\n\n");
    md.append(f("`./mflag bench%s` in %.1f minutes on %s (%s), %s cores; TensorFlow %s, oneDNN %s. Every ratio divides two figures of this run.%n%n",
        r.quick ? " quick=true" : "", r.seconds / 60, r.environment.get("cpu"), r.environment.get("cpu_identity"), r.environment.get("cores"),
        r.environment.get("tensorflow"),
        r.environment.get("onednn")));
    TrainStepBenchmark.Result s = r.trainingStep;
    List<List<String>> t = new ArrayList<>();
    MachineInfo.TheoreticalPeak tp = r.theoreticalPeak;
    t.add(List.of("fp32 peak: the best measured GEMM (4096^3, best of 5)", f("OpenBLAS SGEMM %s; TensorFlow MatMul %s GFLOP/s; theoretical %.0f GFLOP/s"
        + " = %s%s", r.blasPeak == null || r.blasPeak.skipped != null ? "skipped" : f("%.0f GFLOP/s", r.blasPeak.flopsPerSecond / 1e9),
        fmt(r.matmulPeakRuns), tp.fp32FlopsPerSecond / 1e9, tp.derivation, tp.bf16FlopsPerSecond > 0 ? f("; bfloat16 %.0f GFLOP/s",
        tp.bf16FlopsPerSecond / 1e9) : ""), f("peak %.0f GFLOP/s (%s), %.2f of theoretical", r.matmulPeakFlopsPerSecond / 1e9, r.peakSource,
        r.matmulPeakFlopsPerSecond / tp.fp32FlopsPerSecond), "the denominator of every \"of peak\""));
    t.add(List.of("ResNet-50 pre-training step, 224 px, batch 16, NHWC (fwd + bwd + AdamW)",
        f("%.2f s/step, %.2f img/s; %.1f GFLOP/step (exact count) = %.0f GFLOP/s", s.stepSeconds,
            s.imagesPerSecond, s.flopsPerStep / 1e9, s.flopsPerSecond / 1e9),
        f("%.2f of peak", s.fractionOfPeak), ">= 0.6 (goal 0.8)"));
    if (r.nativePytorch.isEmpty()) {
      t.add(List.of("the same step in native PyTorch", "skipped: " + NativePyTorch.INSTALL, "", ">= 1.2x"));
    }
    for (NativePyTorch.Result x : r.nativePytorch) {
      t.add(List.of(f("the same step in native PyTorch %s (%s, %d threads, channels_last)", x.version, x.python, x.threads),
          f("%.2f s/step, %.2f img/s", x.stepSeconds, x.imagesPerSecond), f("ours %.2fx its speed", x.stepSeconds / s.stepSeconds), ">= 1.2x"));
    }
    if (r.pytorch.skipped == null) {
      t.add(List.of("the same step in DJL's PyTorch engine (" + r.pytorch.version + "), own JVM, its Trainer",
          f("%.2f s/step, %.2f img/s (%s)", r.pytorch.stepSeconds, r.pytorch.imagesPerSecond, r.pytorch.allocator),
          f("ours %.2fx its speed", r.oursOverPytorch), ">= 1.5x"));
    } else {
      t.add(List.of("the same step in DJL's PyTorch engine", "skipped: " + r.pytorch.skipped, "", ">= 1.5x"));
    }
    t.add(List.of("data loader (cached decode, augment, batch) vs the step's demand", f("%.0f img/s vs %.2f img/s", r.loaderImagesPerSecond,
        s.imagesPerSecond), f("%.0fx", r.loaderOverStep), ">= 1.5"));
    EmbeddingBenchmark.Result lm = r.languageModel;
    t.add(List.of(f("frozen BERT, %d reports: first epoch vs second (cache)", lm.reports), f("%.1f embeddings/s (%.1f s, model load %.1f s) vs %.4f s",
        lm.embeddingsPerSecond, lm.firstEpochSeconds, lm.modelLoadSeconds, lm.secondEpochSeconds), f("%.0fx", lm.firstOverSecond),
        "second = cache read only"));
    EmbeddingBenchmark.Lengths len = lm.lengths;
    if (len != null && len.skipped == null) {
      t.add(List.of(f("frozen BERT, the same %d reports: batches at their longest report's length (sorted by length) vs at the model's %d"
          + " tokens", len.reports, len.maxLength), f("%.1f vs %.1f reports/s; %,d token positions run instead of %,d (the reports hold %,d);"
          + " %.2f vs %.2f of peak (BERT-Base's matrix products); [CLS] features within %.1e of %.2f", len.batchLengthReportsPerSecond,
          len.modelLengthReportsPerSecond, len.batchLengthTokens, len.modelLengthTokens, len.reportTokens, len.batchLengthOfPeak,
          len.modelLengthOfPeak, len.maxDifference, len.maxFeature), f("%.2fx", len.speedup), ">= 2x"));
    }
    InferenceBenchmark.Result in = r.inference;
    t.add(List.of(f("segmenting a %dx%d X-ray, scale %.2f, %d tiles of 224 (ResNet-50 U-Net)", in.width, in.height, in.scale, in.tiles),
        f("%.2f s (%.2f s outside the network) vs floor %.2f s (%.1f GFLOP/tile at peak); peak RSS %.2f GiB", in.seconds, in.hostSeconds,
            in.floorSeconds, in.flopsPerTile / 1e9, in.peakResidentBytes / 1073741824.0), f("%.2fx the floor", in.overFloor), "< 1.5x"));
    InferenceBenchmark.Result ort = r.inferenceOnnxruntime;
    if (ort != null) {
      t.add(List.of(f("the same %d tiles on ONNX Runtime (the package's weights.onnx)", ort.tiles), f("%.2f s (%.2f s outside the network);"
          + " peak RSS %.2f GiB", ort.seconds, ort.hostSeconds, ort.peakResidentBytes / 1073741824.0), f("%.2fx the floor; TensorFlow/ONNX"
          + " Runtime %.2f", ort.overFloor, in.seconds / ort.seconds), "< 1.5x"));
    }
    for (EngineForward.Comparison c : r.engineComparison) {
      EngineForward.Result tf = forward(r, c.task, "tensorflow"), onnx = forward(r, c.task, "onnxruntime");
      t.add(List.of(f("%s forward (ResNet-50, 224 px, batch %d): TensorFlow vs ONNX Runtime, %d alternating pairs of calls", c.task,
          tf.batch, c.pairs), f("%.3f s vs %.3f s (floor %.3f s): %.2fx and %.2fx the floor", tf.callSeconds, onnx.callSeconds,
          tf.floorSeconds, tf.overFloor, onnx.overFloor), f("TensorFlow/ONNX Runtime %.2f (pairs %.2f-%.2f): faster %s",
          c.tensorflowOverOnnxruntime, c.lowestPairRatio, c.highestPairRatio, c.faster), "< 1.5x"));
    }
    for (NativePyTorch.Result x : r.nativePytorchSegment) {
      t.add(List.of(f("the same %d tiles in native PyTorch %s (%s): the same U-Net's forward, one call, eval, channels_last", x.batch, x.version,
          x.python), f("%.2f s vs ours %.2f s without resizing and blending (calls of %d tiles): %.2fx the floor", x.callSeconds,
          in.networkSeconds(), in.tilesPerCall, x.callSeconds / in.floorSeconds), f("ours %.2fx its speed", x.callSeconds / in.networkSeconds()),
          ""));
    }
    for (ConvProbe.Result c : r.convProbe) {
      for (NativePyTorch.Result x : c.pytorch) {
        t.add(List.of(f("one 3x3 convolution alone, %d x %d x %d x %d -> %d channels (NHWC): TensorFlow vs native PyTorch %s (%s)", c.batch,
            c.size, c.size, c.inChannels, c.outChannels, x.version, x.python), f("%.1f ms vs %.1f ms (%.0f vs %.0f GFLOP/s)",
            c.tensorflowSeconds * 1e3, x.callSeconds * 1e3, c.flops / c.tensorflowSeconds / 1e9, c.flops / x.callSeconds / 1e9),
            f("ours %.2fx its speed", x.callSeconds / c.tensorflowSeconds), ""));
      }
    }
    if (r.batchAnalysis != null && r.batchAnalysis.skipped == null) {
      double floorRate = r.matmulPeakFlopsPerSecond / in.flopsPerTile;
      t.add(List.of("segmenting a folder in one JVM (`./mflag segment`: decode, the same U-Net on each whole image at 224 px, mask PNG and row)",
          f("%.1f X-rays/s vs floor %.1f/s (%.1f GFLOP per image at peak)", r.batchAnalysis.oneJvmImagesPerSecond, floorRate,
              in.flopsPerTile / 1e9), f("%.2fx the floor", floorRate / r.batchAnalysis.oneJvmImagesPerSecond), ""));
      t.add(List.of("the same folder with `engine=onnxruntime`", f("%.1f X-rays/s (+ %.1f s fixed); %d X-rays in %.1f s against %.1f s on"
          + " TensorFlow", r.batchAnalysis.oneJvmOnnxruntimeImagesPerSecond, r.batchAnalysis.oneJvmOnnxruntimeFixedSeconds, r.batchAnalysis.largeImages,
          r.batchAnalysis.oneJvmOnnxruntimeLargeSeconds, r.batchAnalysis.oneJvmLargeSeconds), f("%.2fx the floor; %.2fx TensorFlow's rate",
          floorRate / r.batchAnalysis.oneJvmOnnxruntimeImagesPerSecond, r.batchAnalysis.onnxruntimeOverTensorflow), ""));
    }
    md.append(MarkdownTable.render(List.of("what", "measured", "ratio", "target"), t)).append('\n');
    if (r.autoEngine != null) md.append("Engines: ").append(r.autoEngine).append(".\n\n");
    md.append("Where the training step's time goes (summed operation time of one traced step): ").append(percent(s.timeShareByOp))
        .append(".\nIts FLOPs by operation: ").append(percent(s.flopShareByOp)).append(".\n\n");
    if (r.mixedStep != null) {
      md.append(f("Mixed precision (`precision=mixed`: bfloat16 convolutions and matrix products, fp32 weights and optimiser), the same "
          + "ResNet-50 step: %.2f s/step = %.2f img/s, %.2fx the fp32 step's speed (bfloat16 is fast on CPUs with AVX512_BF16 or AMX "
          + "and on GPUs from Ampere on, not native elsewhere).%n%n", r.mixedStep.stepSeconds, r.mixedStep.imagesPerSecond, r.mixedOverFp32));
    }
    if (!r.levers.isEmpty()) {
      List<List<String>> lv = new ArrayList<>();
      for (StepLevers.Lever l : r.levers) {
        lv.add(List.of(l.name, "`" + l.env.toString().replaceAll("[{}]", "") + "`", f("%.2f", l.stepSeconds), f("%.2f", l.defaultStepSeconds),
            f("%.2fx", l.speedup)));
      }
      md.append("Levers tried on the same fp32 step, each in its own JVM right after one with the defaults:\n\n")
          .append(MarkdownTable.render(List.of("lever", "setting", "s/step", "defaults s/step", "speed-up"), lv)).append('\n');
    }
    if (r.replicas != null) {
      ReplicaBenchmark.Result rp = r.replicas;
      md.append(f("Several devices in one run (%s, %d px, batch %d): %d data-parallel replicas on logical CPU devices take %.2f s/step "
          + "against %.2f s on one device (the devices share the same cores: this is the replicated graph's overhead, not a "
          + "speed-up); on a batch whose halves are the same images the loss differs from one device's by %.1e and the gradients "
          + "by %.1e (relative).%n%n", rp.network, rp.imageSize, rp.batch, rp.devices, rp.replicatedSeconds, rp.oneDeviceSeconds,
          rp.lossRelativeDifference, rp.gradientRelativeDifference));
    }
    if (r.batchAnalysis != null) {
      md.append(r.batchAnalysis.skipped != null ? "Batch analysis: skipped (" + r.batchAnalysis.skipped + ").\n\n"
          : "Batch analysis, " + describe(r.batchAnalysis).substring("9/9 ".length()) + ".\n\n");
    }
    if (!r.archiveScale.isEmpty()) {
      List<List<String>> as = new ArrayList<>();
      for (ScaleBenchmark.Result x : r.archiveScale) {
        as.add(List.of(f("%,d", x.pairs), f("%d", x.distinctReports), f("%.2f s", x.manifestReadSeconds), f("%.0f s = %.0f img/s", x.preprocessSeconds,
            x.preprocessImagesPerSecond), f("%,d files, %.0f MB; largest folder %,d", x.cacheFiles, x.cacheBytes / 1e6, x.largestCacheFolderFiles),
            f("%.1f s / %.2f s", x.embedFirstSeconds, x.embedLookupSeconds), f("%.1f s", x.warmStartSeconds), f("%.0f img/s", x.loaderImagesPerSecond),
            f("%.2f GiB", x.peakResidentBytes / 1073741824.0), f("%.0f / %.0f / %.0f MB", x.liveAfterManifestBytes / 1e6,
            x.liveAfterDatasetBytes / 1e6, x.liveAfterEmbeddingsBytes / 1e6)));
      }
      md.append(f("Pre-training's data path at archive scale (hard links to the sample X-rays, %d px, %d workers; each manifest in its own JVM):%n%n",
          r.archiveScale.get(0).imageSize, r.archiveScale.get(0).workers))
          .append(MarkdownTable.render(List.of("pairs", "distinct reports", "manifest read", "preprocessing (cold cache)", "cache",
              "embeddings: first / lookup", "warm start to the first batch", "loader", "peak RSS",
              "live heap: manifest / + dataset / + embeddings"), as)).append('\n');
    }
    if (r.retrieval != null) md.append("Retrieval, ").append(describe(r.retrieval).substring("retrieval: ".length())).append(".\n\n");
    md.append("## Scale\n\n");
    List<List<String>> sc = new ArrayList<>();
    for (TrainStepBenchmark.Result x : r.scaling) {
      sc.add(List.of(String.valueOf(x.batch), String.valueOf(x.imageSize), f("%.2f", x.stepSeconds), f("%.2f", x.imagesPerSecond),
          f("%.1f", x.flopsPerStep / 1e9), f("%.2f", x.fractionOfPeak), f("%.2f", x.peakResidentBytes / 1073741824.0)));
    }
    md.append(MarkdownTable.render(List.of("batch", "px", "s/step", "img/s", "GFLOP/step", "of peak", "peak RSS GiB"), sc)).append('\n');
    md.append(f("MatMul peak at the start and the end of the run: %s GFLOP/s. JVM flags: %s.%n", fmt(r.matmulPeakRuns),
        r.environment.get("jvm_flags")));
    return md.toString();
  }

  private static String fmt(List<Double> v) {
    List<String> s = new ArrayList<>();
    for (double d : v) s.add(String.format(Locale.ROOT, "%.0f", d / 1e9));
    return String.join(", ", s);
  }
}
