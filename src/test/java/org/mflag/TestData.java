package org.mflag;

import java.nio.file.Path;
import org.mflag.nn.Architecture;
import org.mflag.train.PretrainConfig;
import org.scijava.log.LogLevel;
import org.scijava.log.Logger;
import org.scijava.log.StderrLogService;

/** The in-repo samples and settings shared by tests. */
public final class TestData {

  private TestData() {}

  /** {@code samples/cxr/manifest.csv} of this checkout. */
  public static Path manifest() {
    return Path.of(System.getProperty("mflag.samples", "samples")).resolve("cxr").resolve("manifest.csv");
  }

  /** One cache for all tests, so the frozen BERT runs once per build (target/ is wiped by mvn clean). */
  public static Path cacheDir() {
    return Path.of("target", "test-cache").toAbsolutePath();
  }

  public static Logger log() {
    StderrLogService log = new StderrLogService();
    log.setLevel(LogLevel.WARN);
    return log;
  }

  /** A small, fast run on the samples: ResNet-18, 64 px, batch 8 (6 steps per epoch). */
  public static PretrainConfig.Builder smallRun(Path output) {
    return PretrainConfig.builder().setManifest(manifest()).setOutput(output).optEncoder(Architecture.RESNET18)
        .optImageSize(64).optBatchSize(8).optEpochs(2).optSeed(1).optCacheDir(cacheDir()).optWorkers(2)
        .optLogEvery(100);
  }
}
