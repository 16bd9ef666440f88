package org.mflag.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The bench's last word on engine=auto names every figure that goes against the choice, not only the paired ones. */
class EngineVerdictTest {

  private static Benchmark.Report report(String forwardFaster, double tiledTfOverOrt) {
    Benchmark.Report r = new Benchmark.Report();
    EngineForward.Comparison c = new EngineForward.Comparison();
    c.task = "segmentation";
    c.tensorflowOverOnnxruntime = forwardFaster.equals("onnxruntime") ? 1.2 : forwardFaster.equals("tensorflow") ? 0.8 : 1.0;
    c.faster = forwardFaster;
    r.engineComparison.add(c);
    r.inference = new InferenceBenchmark.Result();
    r.inferenceOnnxruntime = new InferenceBenchmark.Result();
    r.inference.seconds = tiledTfOverOrt;
    r.inferenceOnnxruntime.seconds = 1;
    return r;
  }

  @Test
  void aFigureAgainstTheChoiceIsNamedAndMakesTheVerdictMixedOrContradicted() {
    String preferred = org.mflag.infer.Engine.preferred().key(), other = preferred.equals("onnxruntime") ? "tensorflow" : "onnxruntime";
    double againstTiled = preferred.equals("onnxruntime") ? 0.8 : 1.25;
    String mixed = Benchmark.autoEngineVerdict(report(preferred, againstTiled));
    assertTrue(mixed.endsWith(": mixed") && mixed.contains("against: tiled segmentation"), mixed);
    String contradicted = Benchmark.autoEngineVerdict(report(other, againstTiled));
    assertTrue(contradicted.endsWith(": contradicted"), contradicted);
    String borne = Benchmark.autoEngineVerdict(report(preferred, 1.0));
    assertTrue(borne.endsWith(": borne out") && borne.contains("against: none"), borne);
    assertTrue(Benchmark.autoEngineVerdict(report("neither", 1.05)).endsWith(": no gap over noise"));
  }
}
