package org.mflag.runtime;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.mflag.config.Key;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;
import org.tensorflow.types.TFloat32;

/**
 * Where a run's TensorFlow sessions compute: the {@code device} key, resolved once at the start of a
 * command (before any data is read) into a {@link Plan} whose sessions are configured for it.
 *
 * <p>Which GPUs TensorFlow can use is asked of TensorFlow itself: a one-op graph pinned to
 * {@code /device:GPU:i} with soft placement off runs or fails, so a GPU is reported only when
 * TensorFlow really computes on it (a driver without the CUDA 12 / cuDNN 8.9 runtime libraries that
 * TensorFlow 2.16.1 loads gives no usable GPU, and the plan says why). {@code auto} takes a usable
 * GPU and says so; {@code gpu} fails with the reason when there is none.</p>
 *
 * <p>A run computes on GPU 0, where TensorFlow places every op that has a GPU kernel (the gradient
 * ops that {@code Graph.addGradients} adds carry no device, so pinning a graph to another GPU would
 * leave its backward pass on GPU 0; and TensorFlow fixes the visible GPUs once per process). Another
 * card is chosen by making it GPU 0: {@code CUDA_VISIBLE_DEVICES=N} before the JVM starts, which
 * the launcher sets for {@code device=gpu:N}.</p>
 */
public final class Devices {

  /** The {@code device} key of every command that trains or infers. */
  public static final Key DEVICE = Key.text("device", "auto", "where TensorFlow computes: auto (a GPU TensorFlow can use, else "
      + "the CPU), cpu, gpu (the first usable GPU; fails without one), gpu:N (that GPU), gpu:0,1,... (pre-training: one "
      + "data-parallel replica per GPU), cpu:N (pre-training on N logical CPU devices sharing the cores: the several-device "
      + "path without GPUs, not faster)")
      .matching("auto|cpu|gpu|gpu:\\d+(,\\d+)*|cpu:\\d+", "auto, cpu, gpu, gpu:N, gpu:0,1,..., cpu:N").operational();

  /** Devices probed at most (TensorFlow numbers them from 0). */
  private static final int MAX_GPUS = 16;

  private static volatile List<Integer> usable;

  private Devices() {}

  /** The devices of one run: the CPU, or one GPU by TensorFlow's index. */
  public static final class Plan {
    private final int gpu;
    private final String why;
    private final int replicas;

    private Plan(int gpu, String why, int replicas) {
      this.gpu = gpu;
      this.why = why;
      this.replicas = replicas;
    }

    private Plan(int gpu, String why) {
      this(gpu, why, 1);
    }

    /** The CPU: TensorFlow sees no GPU in these sessions. */
    public static Plan cpu(String why) {
      return new Plan(-1, why);
    }

    /**
     * The CPU split into {@code n} logical devices ({@code /device:CPU:0..n-1}, sharing its cores): runs the
     * several-device path on a machine without GPUs (tests, the benchmark), not faster than one device.
     */
    public static Plan logicalCpus(int n) {
      if (n < 1) throw new IllegalArgumentException("logical CPU devices: " + n);
      return new Plan(-1, "device=cpu:" + n + ": " + n + " logical CPU devices sharing the cores, one data-parallel replica each", n);
    }

    /** GPUs 0..n-1, one data-parallel replica each. */
    static Plan gpus(int n, String why) {
      return new Plan(0, why, n);
    }

    /** The devices of the data-parallel replicas, in order ({@code /device:GPU:0}, ...); one for a single-device run. */
    public List<org.tensorflow.DeviceSpec> replicas() {
      List<org.tensorflow.DeviceSpec> out = new ArrayList<>();
      for (int i = 0; i < replicas; i++) {
        out.add(org.tensorflow.DeviceSpec.newBuilder().deviceType(gpu >= 0 ? org.tensorflow.DeviceSpec.DeviceType.GPU
            : org.tensorflow.DeviceSpec.DeviceType.CPU).deviceIndex(gpu >= 0 ? gpu + i : i).build());
      }
      return out;
    }

    public boolean usesGpu() {
      return gpu >= 0;
    }

    /** TensorFlow's index of the GPU, or -1 for the CPU. */
    public int gpuIndex() {
      return gpu;
    }

    /** "gpu:0 (...)" or "cpu (...)": the first log line of a run. */
    public String describe() {
      StringBuilder ids = new StringBuilder();
      for (int i = 0; i < replicas; i++) ids.append(i == 0 ? "" : ",").append(gpu >= 0 ? gpu + i : i);
      String where = gpu >= 0 ? "gpu:" + ids : replicas > 1 ? "cpu:" + ids : "cpu";
      return where + " (" + why + ")";
    }

    /**
     * The session configuration: the CPU alone (no GPU device in the session), or TensorFlow's placement on
     * GPU 0 with memory that grows as needed, so that other programs (Fiji's viewers, a second run) keep theirs.
     */
    public ConfigProto config() {
      ConfigProto.Builder c = ConfigProto.newBuilder().setAllowSoftPlacement(true).setGpuOptions(GPUOptions.newBuilder().setAllowGrowth(true));
      if (gpu >= 0) return c.build();
      c.putDeviceCount("GPU", 0);
      if (replicas > 1) c.putDeviceCount("CPU", replicas);
      return c.build();
    }

    /** A session on this plan's device. */
    public Session open(Graph graph) {
      return new Session(graph, config());
    }
  }

  /** {@link #resolve(DeviceRequest)} of a {@code device} value. */
  public static Plan resolve(String value) {
    return resolve(DeviceRequest.parse(value));
  }

  /**
   * The devices TensorFlow can give a request (parsed, and so checked, when the command's config was built); TensorFlow
   * must be loadable.
   *
   * @throws IllegalArgumentException for {@code gpu} or {@code gpu:N} when that GPU cannot be used, naming the reason
   */
  public static Plan resolve(DeviceRequest request) {
    String v = request.toString();
    if (request.kind() == DeviceRequest.Kind.CPU) {
      return request.replicas() == 1 ? Plan.cpu("device=" + v) : Plan.logicalCpus(request.replicas());
    }
    if (request.kind() == DeviceRequest.Kind.AUTO) {
      // without TensorFlow (ONNX Runtime's inference), auto is the CPU
      String noTensorFlow = TensorFlowRuntime.unavailableReason();
      if (noTensorFlow != null) return Plan.cpu("device=auto: TensorFlow cannot run here (" + noTensorFlow + ")");
    }
    List<Integer> gpus = usableGpus();
    if (request.kind() == DeviceRequest.Kind.AUTO) {
      if (gpus.isEmpty()) return Plan.cpu("device=auto: no usable GPU: " + whyNoGpu());
      return new Plan(0, "device=auto: " + count(gpus) + " usable" + (gpus.size() > 1 ? ", one device per run" : ""));
    }
    if (gpus.isEmpty()) {
      throw new IllegalArgumentException("device=" + v + ": no usable GPU: " + whyNoGpu() + ". Leave device out (auto: a GPU"
          + " when there is one, else the CPU) or give device=cpu; see docs/gpu.md");
    }
    if (request.kind() == DeviceRequest.Kind.GPU) {
      return new Plan(0, "device=gpu: " + count(gpus) + " usable" + (gpus.size() > 1 ? ", one device per run" : ""));
    }
    if (request.replicas() > 1) {
      for (int i = 0; i < request.replicas(); i++) {
        if (!gpus.contains(i)) throw new IllegalArgumentException("device=" + v + ": TensorFlow cannot use GPU " + i + "; usable: " + gpus);
      }
      return Plan.gpus(request.replicas(), "device=" + v + ": one data-parallel replica per GPU");
    }
    int id = request.singleGpu();
    if (!gpus.contains(id)) throw new IllegalArgumentException("device=" + v + ": TensorFlow cannot use GPU " + id + "; usable: " + gpus);
    if (id != 0) {
      throw new IllegalArgumentException("device=" + v + ": a run computes on GPU 0; make card " + id + " GPU 0 with "
          + "CUDA_VISIBLE_DEVICES=" + id + " before starting (./mflag does this for device=gpu:" + id + ")");
    }
    return new Plan(0, "device=" + v);
  }

  private static String count(List<Integer> gpus) {
    return gpus.size() + " GPU" + (gpus.size() == 1 ? "" : "s") + " " + gpus;
  }

  /** The GPU indices TensorFlow can compute on (probed once per process). */
  public static List<Integer> usableGpus() {
    List<Integer> u = usable;
    if (u == null) {
      synchronized (Devices.class) {
        if (usable == null) usable = probe();
        u = usable;
      }
    }
    return u;
  }

  private static List<Integer> probe() {
    TensorFlowRuntime.ensureLoaded();
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < MAX_GPUS; i++) {
      if (!runsOnGpu(i)) break;
      out.add(i);
    }
    return Collections.unmodifiableList(out);
  }

  /** Whether a one-op graph pinned to {@code /device:GPU:index} runs there (soft placement off: no silent fallback). */
  static boolean runsOnGpu(int index) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      tf.withDevice(org.tensorflow.DeviceSpec.newBuilder().deviceType(org.tensorflow.DeviceSpec.DeviceType.GPU).deviceIndex(index).build())
          .withName("probe").math.add(tf.constant(1f), tf.constant(1f));
      try (Session s = new Session(g, ConfigProto.newBuilder().setAllowSoftPlacement(false)
          .setGpuOptions(GPUOptions.newBuilder().setAllowGrowth(true)).build());
          org.tensorflow.Result r = s.runner().fetch("probe").run()) {
        return r.get(0) instanceof TFloat32;
      }
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Why TensorFlow has no GPU here, as far as files on this machine tell. */
  public static String whyNoGpu() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    if (os.contains("mac")) return "TensorFlow Java has no GPU support on macOS (no CUDA, no Metal plug-in)";
    if (os.contains("win")) return "TensorFlow has no GPU build for native Windows since 2.11 (WSL2 with Linux has one)";
    if (!Files.exists(Path.of("/proc/driver/nvidia/version")) && !System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("win")) {
      return "no NVIDIA driver (no /proc/driver/nvidia/version)";
    }
    List<String> missing = new ArrayList<>();
    for (String lib : new String[] {"libcudart.so.12", "libcublas.so.12", "libcudnn.so.8"}) {
      if (findLibrary(lib) == null) missing.add(lib);
    }
    if (!missing.isEmpty()) {
      return "an NVIDIA driver is installed, but TensorFlow 2.16.1's CUDA 12 / cuDNN 8.9 runtime libraries are not on "
          + "LD_LIBRARY_PATH (" + String.join(", ", missing) + " not found): run ./mflag install-cuda";
    }
    return "TensorFlow found no GPU it can use (TF_CPP_MIN_LOG_LEVEL=0 shows its reasons)";
  }

  /** The first folder of LD_LIBRARY_PATH (or the usual system folders) that holds {@code name}, or null. */
  static Path findLibrary(String name) {
    List<String> dirs = new ArrayList<>();
    String ld = System.getenv("LD_LIBRARY_PATH");
    if (ld != null) Collections.addAll(dirs, ld.split(File.pathSeparator));
    Collections.addAll(dirs, "/usr/lib/x86_64-linux-gnu", "/usr/local/cuda/lib64", "/usr/lib64", "/usr/lib");
    for (String d : dirs) {
      if (d.isEmpty()) continue;
      Path p = Path.of(d, name);
      if (Files.exists(p)) return p;
    }
    return null;
  }
}
