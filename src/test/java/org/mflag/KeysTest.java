package org.mflag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mflag.bench.Benchmark;
import org.mflag.cli.Main;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.config.Task;
import org.mflag.experiment.Experiment;
import org.mflag.infer.Evaluate;
import org.mflag.infer.EvaluateConfig;
import org.mflag.infer.InferenceKeys;
import org.mflag.text.EmbedReports;
import org.mflag.train.FinetuneConfig;
import org.mflag.train.PretrainConfig;

/** The key declarations: sound defaults, one vocabulary, every value checked before data is read, README tables from them. */
class KeysTest {

  static Map<String, List<Key>> allCommands() {
    Map<String, List<Key>> m = new LinkedHashMap<>();
    m.put("pretrain", PretrainConfig.KEYS);
    for (Task t : Task.values()) m.put(FinetuneConfig.command(t), FinetuneConfig.keys(t));
    m.put("evaluate", EvaluateConfig.KEYS);
    m.put("export", org.mflag.model.PackageZip.KEYS);
    m.put("install-language-model", org.mflag.text.LanguageModelInstall.KEYS);
    m.put("import-weights", org.mflag.nn.ImageNetImport.KEYS);
    m.put("experiment", Experiment.KEYS);
    m.put("study", org.mflag.experiment.Study.KEYS);
    m.put("index", org.mflag.retrieval.Retrieval.INDEX_KEYS);
    m.put("spark-index", org.mflag.retrieval.Retrieval.SPARK_INDEX_KEYS);
    m.put("retrieve", org.mflag.retrieval.Retrieval.RETRIEVE_KEYS);
    m.put("embed-reports", EmbedReports.KEYS);
    m.put("bench", Benchmark.KEYS);
    m.put("segment", InferenceKeys.SEGMENT);
    m.put("detect", InferenceKeys.DETECT);
    m.put("classify", InferenceKeys.CLASSIFY);
    return m;
  }

  @Test
  void everyDefaultPassesItsOwnCheckAndAKeyNameHasOneType() {
    Map<String, Key.Type> types = new LinkedHashMap<>();
    for (Map.Entry<String, List<Key>> c : allCommands().entrySet()) {
      for (Key k : c.getValue()) {
        if (!k.required() && !k.defaultValue().isEmpty()) k.check(k.defaultValue());
        if (k.name().equals("output")) continue; // a folder or file everywhere but Segment, where it is mask or labels
        Key.Type was = types.putIfAbsent(k.name(), k.type());
        assertTrue(was == null || was == k.type(), k.name() + " is a " + was + " in one command and a " + k.type() + " in " + c.getKey());
      }
    }
  }

  private static String finetuneError(Task task, String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("manifest", "/nonexistent/manifest.csv"); // never read: the values fail first
    m.put("encoder_model", "random");
    m.put("output", "/nonexistent/out");
    if (task == Task.DETECTION) m.put("boxes", "/nonexistent/boxes.json");
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return assertThrows(IllegalArgumentException.class, () -> FinetuneConfig.of(task, m)).getMessage();
  }

  @Test
  void everyValueIsCheckedBeforeAnyDataIsReadAndTheErrorNamesKeyAndRange() {
    assertEquals("threshold=1.5: must be in [0, 1]", finetuneError(Task.SEGMENTATION, "threshold", "1.5"));
    assertEquals("confidence=high: not a number", finetuneError(Task.DETECTION, "confidence", "high"));
    assertEquals("nms_iou=-0.1: must be in [0, 1]", finetuneError(Task.DETECTION, "nms_iou", "-0.1"));
    assertEquals("fraction=0: must be in (0, 1]", finetuneError(Task.CLASSIFICATION, "fraction", "0"));
    assertEquals("image_size=100: must be a multiple of 32", finetuneError(Task.SEGMENTATION, "image_size", "100"));
    assertEquals("ignore_value=none: not an integer", finetuneError(Task.SEGMENTATION, "ignore_value", "none"));
    assertEquals("mode=probe: allowed values are [linear, finetune]", finetuneError(Task.CLASSIFICATION, "mode", "probe"));
    assertTrue(finetuneError(Task.SEGMENTATION, "lr", "fast").startsWith("lr=fast: not a number (or auto)"));
    // auto is a fine-tuning learning rate (derived from the task), not a pre-training one
    assertEquals(5e-4, FinetuneConfig.of(Task.SEGMENTATION, Map.of("manifest", "m.csv", "encoder_model", "random", "output", "o")).lr());
    IllegalArgumentException pre = assertThrows(IllegalArgumentException.class, () -> PretrainConfig.fromKeyValues(
        KeyValues.parse("pretrain", PretrainConfig.KEYS, List.of("manifest=m.csv", "output=o", "lr=auto"))));
    assertEquals("lr=auto: not a number", pre.getMessage());
    // inference takes auto (the model's value) or a value in range
    KeyValues ok = KeyValues.parse("evaluate", EvaluateConfig.KEYS, List.of("model=m", "manifest=m.csv"));
    assertEquals(0.7, ok.number(InferenceKeys.THRESHOLD, 0.7));
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> KeyValues.parse("evaluate", EvaluateConfig.KEYS, List.of("model=m", "manifest=m.csv", "threshold=2")));
    assertEquals("threshold=2: must be in [0, 1]", bad.getMessage());
  }

  /** docs/keys.md is the declarations' ({@code ./mflag help markdown > docs/keys.md} writes it). */
  @Test
  void theKeysPageIsTheDeclarations() throws Exception {
    String page = new String(Files.readAllBytes(Path.of("docs", "keys.md")), StandardCharsets.UTF_8);
    String expected = Main.keysPage();
    if (!page.equals(expected)) {
      String[] a = page.split("\n", -1), b = expected.split("\n", -1);
      int i = 0;
      while (i < Math.min(a.length, b.length) && a[i].equals(b[i])) i++;
      throw new AssertionError("docs/keys.md differs from the key declarations at line " + (i + 1) + " (run ./mflag help markdown > docs/keys.md):"
          + "\n  page: " + (i < a.length ? a[i] : "<end>") + "\n  code: " + (i < b.length ? b[i] : "<end>"));
    }
    for (String title : Main.tables().keySet()) {
      assertTrue(page.contains("\n## " + title + "\n"), title);
    }
  }
}
