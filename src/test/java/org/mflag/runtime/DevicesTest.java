package org.mflag.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.config.Task;
import org.mflag.train.FinetuneConfig;
import org.mflag.train.Finetuner;
import org.mflag.train.Pretrainer;
import org.mflag.train.TrainingListener;

/**
 * The {@code device} key on a machine without a usable GPU (CI and the build machines): {@code auto} runs on
 * the CPU and says why, {@code gpu} stops with the reason before any data is read, bad values are named.
 */
class DevicesTest {

  private static void assumeNoGpu() {
    Assumptions.assumeTrue(Devices.usableGpus().isEmpty(), "this machine has a GPU TensorFlow can use");
  }

  @Test
  void autoFallsBackToTheCpuAndSaysWhy() {
    assumeNoGpu();
    Devices.Plan p = Devices.resolve("auto");
    assertFalse(p.usesGpu());
    assertTrue(p.describe().startsWith("cpu (device=auto: no usable GPU: "), p.describe());
    assertEquals(0, p.config().getDeviceCountOrDefault("GPU", -1), "a CPU plan's sessions hold no GPU device");
    assertEquals("cpu (device=cpu)", Devices.resolve("CPU").describe());
  }

  @Test
  void badValuesAreNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Devices.resolve("tpu"));
    assertEquals("device=tpu: allowed values are auto, cpu, gpu, gpu:N, gpu:0,1,..., cpu:N", e.getMessage());
    assertEquals("cpu:0,1 (device=cpu:2: 2 logical CPU devices sharing the cores, one data-parallel replica each)",
        Devices.resolve("cpu:2").describe());
    assumeNoGpu();
    IllegalArgumentException two = assertThrows(IllegalArgumentException.class, () -> Devices.resolve("gpu:0,1"));
    assertTrue(two.getMessage().startsWith("device=gpu:0,1: no usable GPU: "), two.getMessage());
  }

  /** The GPU is checked right after the output folder, before the manifest (which does not exist here) is read. */
  @Test
  void gpuWithoutOneStopsBeforeAnyDataIsRead(@TempDir Path tmp) {
    assumeNoGpu();
    Path missing = tmp.resolve("no-such-manifest.csv");
    IllegalArgumentException pre = assertThrows(IllegalArgumentException.class, () -> new Pretrainer(
        TestData.smallRun(tmp.resolve("pre")).setManifest(missing).optDevice("gpu").build(), null, TestData.log())
        .run(new TrainingListener() {}, () -> false));
    assertTrue(pre.getMessage().startsWith("device=gpu: no usable GPU: "), pre.getMessage());
    IllegalArgumentException fine = assertThrows(IllegalArgumentException.class, () -> new Finetuner(FinetuneConfig.of(
        Task.SEGMENTATION, Map.of("manifest", missing.toString(), "encoder_model", "random", "output", tmp.resolve("seg").toString(),
            "device", "gpu")), null, TestData.log()).run(new TrainingListener() {}, () -> false));
    assertTrue(fine.getMessage().startsWith("device=gpu: no usable GPU: "), fine.getMessage());
    assertFalse(Files.exists(tmp.resolve("pre").resolve("skipped.csv")));
  }

  /**
   * A device value and a batch the devices cannot share stop a run when its config is built, before TensorFlow loads
   * or any data is read: the message names the batch, the devices and the value.
   */
  @Test
  void theBatchMustSplitOverTheRequestedDevicesWhenTheConfigIsBuilt(@TempDir Path tmp) {
    assertEquals(3, DeviceRequest.parse("cpu:3").replicas());
    assertEquals(2, DeviceRequest.parse("gpu:0,1").replicas());
    assertEquals(1, DeviceRequest.parse("gpu:1").replicas());
    IllegalArgumentException order = assertThrows(IllegalArgumentException.class, () -> DeviceRequest.parse("gpu:1,0"));
    assertTrue(order.getMessage().contains("CUDA_VISIBLE_DEVICES=1,0"), order.getMessage());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TestData.smallRun(tmp.resolve("out")).optBatchSize(8).optDevice("cpu:3").build());
    assertTrue(e.getMessage().contains("batch_size=8") && e.getMessage().contains("3 devices") && e.getMessage().contains("device=cpu:3"),
        e.getMessage());
    assertEquals(DeviceRequest.parse("cpu:2"), TestData.smallRun(tmp.resolve("out")).optBatchSize(8).optDevice("cpu:2").build().device());
  }
}
