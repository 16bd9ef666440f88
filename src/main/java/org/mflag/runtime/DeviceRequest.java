package org.mflag.runtime;

import java.io.Serializable;

/**
 * A {@code device} value as typed, parsed once when a command's config is built, before TensorFlow loads: its grammar,
 * its ranges and how many data-parallel replicas it asks for are checked here, so that a wrong value (or a batch that
 * the replicas cannot share) stops a run before any data is read. {@link Devices#resolve(DeviceRequest)} then asks
 * TensorFlow which of the requested devices it can use.
 */
public final class DeviceRequest implements Serializable {

  private static final long serialVersionUID = 1L;

  /** What the value names. */
  public enum Kind {
    /** A GPU TensorFlow can use, else the CPU. */
    AUTO,
    /** The CPU, one device (or {@code cpu:N}: N logical devices sharing its cores). */
    CPU,
    /** The first usable GPU; an error without one. */
    GPU,
    /** GPU N (one replica) or GPUs 0..k-1 (one data-parallel replica each). */
    GPUS
  }

  public static final DeviceRequest AUTO = parse("auto");

  private final String value;
  private final Kind kind;
  /** Requested replicas: logical CPUs for {@code cpu:N}, GPUs for {@code gpu:0,1,...}, else 1. */
  private final int replicas;
  /** {@code gpu:N}: N; otherwise -1. */
  private final int gpu;

  private DeviceRequest(String value, Kind kind, int replicas, int gpu) {
    this.value = value;
    this.kind = kind;
    this.replicas = replicas;
    this.gpu = gpu;
  }

  /**
   * Parses a {@code device} value ({@link Devices#DEVICE}'s grammar).
   *
   * @throws IllegalArgumentException naming the value and what is allowed
   */
  public static DeviceRequest parse(String value) {
    String v = Devices.DEVICE.check(value);
    if (v.equals("auto")) return new DeviceRequest(v, Kind.AUTO, 1, -1);
    if (v.equals("cpu")) return new DeviceRequest(v, Kind.CPU, 1, -1);
    if (v.equals("gpu")) return new DeviceRequest(v, Kind.GPU, 1, -1);
    if (v.startsWith("cpu:")) {
      int n = Integer.parseInt(v.substring(4));
      if (n < 1 || n > 64) throw new IllegalArgumentException("device=" + value + ": 1 to 64 logical CPU devices");
      return new DeviceRequest(v, Kind.CPU, n, -1);
    }
    String[] ids = v.substring(4).split(",");
    if (ids.length == 1) return new DeviceRequest(v, Kind.GPUS, 1, Integer.parseInt(ids[0]));
    for (int i = 0; i < ids.length; i++) {
      if (Integer.parseInt(ids[i]) != i) {
        throw new IllegalArgumentException("device=" + value + ": several GPUs are used as gpu:0,1,...; make these cards the "
            + "first ones with CUDA_VISIBLE_DEVICES=" + v.substring(4) + " (./mflag does this)");
      }
    }
    return new DeviceRequest(v, Kind.GPUS, ids.length, 0);
  }

  public Kind kind() {
    return kind;
  }

  /** The data-parallel replicas asked for: N for {@code cpu:N}, k for {@code gpu:0,...,k-1}, else 1. */
  public int replicas() {
    return replicas;
  }

  /** The one GPU of {@code gpu:N}, or -1 (any other value). */
  int singleGpu() {
    return replicas == 1 ? gpu : -1;
  }

  /**
   * Checks that {@code batchSize} images split evenly over the replicas of {@code tasks} processes (a cluster's tasks;
   * 1 alone), before anything is loaded.
   */
  public void requireDivides(int batchSize, int tasks) {
    int devices = replicas * tasks;
    if (batchSize % devices != 0) {
      throw new IllegalArgumentException("batch_size=" + batchSize + ": must be a multiple of the " + devices + " devices (" + replicas
          + " per task, device=" + value + ", x " + tasks + " cluster tasks)");
    }
  }

  /** The value as the key takes it: {@code auto}, {@code gpu:0,1}, ... */
  @Override
  public String toString() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeviceRequest && ((DeviceRequest) o).value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }
}
