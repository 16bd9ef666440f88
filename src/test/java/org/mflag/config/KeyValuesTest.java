package org.mflag.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.mflag.infer.Evaluate;
import org.mflag.infer.EvaluateConfig;
import org.mflag.infer.InferenceKeys;
import org.mflag.train.PretrainConfig;

class KeyValuesTest {

  private static PretrainConfig parse(String... args) {
    return PretrainConfig.fromKeyValues(KeyValues.parse("pretrain", PretrainConfig.KEYS, Arrays.asList(args)));
  }

  private static String error(String... args) {
    return assertThrows(IllegalArgumentException.class, () -> parse(args)).getMessage();
  }

  @Test
  void defaultsAreThePapersAndKeysParse() {
    PretrainConfig c = parse("manifest=m.csv", "output=out");
    assertEquals(2e-5, c.lr());
    assertEquals(0.05, c.weightDecay());
    assertEquals(1f, c.lambdaOrth());
    assertEquals(42, c.seed());
    assertEquals("resnet50", c.encoder().key());
    PretrainConfig d = parse("manifest=m.csv", "output=out", "encoder=resnet18", "image_size=128", "orth_variant=normalized",
        "batch_size=8", "resume=true");
    assertEquals(128, d.imageSize());
    assertTrue(d.resume());
    assertEquals("normalized", d.orthVariant().key());
  }

  @Test
  void badInputNamesTheKeyAndWhatIsAllowed() {
    assertTrue(error("manifest=m.csv", "output=o", "epoch=3").contains("unknown key 'epoch'"));
    assertTrue(error("output=o").contains("missing required key 'manifest'"));
    assertTrue(error("manifest=m.csv", "output=o", "encoder=vgg").contains("encoder=vgg: allowed values are [resnet18, resnet34, resnet50, resnet50_v1]"));
    assertTrue(error("manifest=m.csv", "output=o", "batch_size=1").contains("batch_size=1: must be >= 2"));
    assertTrue(error("manifest=m.csv", "output=o", "lr=fast").contains("lr=fast: not a number"));
    assertTrue(error("manifest=m.csv", "output=o", "resume=maybe").contains("resume=maybe: must be true or false"));
    assertTrue(error("manifest=m.csv", "output=o", "min_lr=1", "lr=0.1").contains("min_lr"));
    assertTrue(error("manifest=m.csv", "output=o", "seed").contains("'seed' is not key=value"));
  }

  @Test
  void evaluateRefusesThresholdsThatAreNoProbabilities() {
    for (String v : new String[] {"NaN", "Infinity", "5", "-0.5"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> KeyValues.parse("evaluate", EvaluateConfig.KEYS, Arrays.asList("model=m", "manifest=x.csv", "threshold=" + v)));
      assertTrue(e.getMessage().startsWith("threshold=" + v + ": must be"), e.getMessage());
    }
    KeyValues kv = KeyValues.parse("evaluate", EvaluateConfig.KEYS, Arrays.asList("model=m", "manifest=x.csv", "threshold=0.25"));
    assertEquals(0.25, kv.number(InferenceKeys.THRESHOLD, 0.5));
  }
}
