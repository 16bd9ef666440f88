package org.mflag.zeroshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.config.KeyValues;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.infer.AnalysisConfig;
import org.mflag.infer.BatchAnalysis;
import org.mflag.infer.Job;
import org.mflag.infer.ManifestAnalysis;
import org.mflag.infer.ZeroShotAnalysis;

/** {@code ./mflag zero-shot} on the samples with a small pre-trained package: results, scores, and re-runs. */
class ZeroShotRunTest {

  @TempDir
  static Path tmp;

  static Path pretrained;

  @BeforeAll
  static void pretrain() throws Exception {
    pretrained = TestData.pretrained();
  }

  private static ManifestAnalysis.Summary zeroShot(Path out, String prompts, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("model=" + pretrained, "manifest=" + TestData.manifest(), "output=" + out,
        "prompts=" + prompts, "cache_dir=" + TestData.cacheDir()));
    args.addAll(List.of(extra));
    KeyValues kv = KeyValues.parse("zero-shot", AnalysisConfig.keys(Job.ZERO_SHOT), args);
    return ManifestAnalysis.run(AnalysisConfig.of(Job.ZERO_SHOT, kv), new ImageFileDecoder(), TestData.log(), () -> false);
  }

  @Test
  void everyImageGetsClassProbabilitiesAndLabelsGiveAuroc() throws Exception {
    Path out = tmp.resolve("sets");
    String prompts = "COVID-19: covid-19 pneumonia | ground-glass opacities; COVID-19, ARDS: acute respiratory distress syndrome";
    ManifestAnalysis.Summary s = zeroShot(out, prompts, "label_column=finding", "pooling=max");
    assertEquals(48, s.analysed);
    assertEquals(0, s.errors);
    try (CSVParser p = CSVParser.parse(out.resolve("results.csv"), java.nio.charset.StandardCharsets.UTF_8,
        CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get())) {
      assertTrue(p.getHeaderNames().containsAll(List.of("predicted", "p_COVID_19", "p_COVID_19_ARDS")), p.getHeaderNames().toString());
      int rows = 0;
      for (CSVRecord r : p) {
        double a = Double.parseDouble(r.get("p_COVID_19")), b = Double.parseDouble(r.get("p_COVID_19_ARDS"));
        assertEquals(1, a + b, 1e-5, "prompt sets compete in one softmax");
        assertEquals(a >= b ? "COVID-19" : "COVID-19, ARDS", org.mflag.io.CsvCells.original(r.get("predicted")));
        rows++;
      }
      assertEquals(48, rows);
    }
    String metrics = Files.readString(out.resolve("metrics.json"));
    assertTrue(metrics.contains("\"auroc_macro\"") && metrics.contains("\"images\": 48") && metrics.contains("\"auroc_macro_ci_low\""), metrics);

    // the same output with other prompts would mix two classifiers in one file
    IOException e = assertThrows(IOException.class, () -> zeroShot(out, "COVID-19: viral pneumonia; COVID-19, ARDS: ards"));
    assertTrue(e.getMessage().contains("other prompts") && e.getMessage().contains(ZeroShotAnalysis.PROMPTS_FILE), e.getMessage());
    // the same prompts continue (nothing left to do)
    assertEquals(48, zeroShot(out, prompts, "label_column=finding", "pooling=max").alreadyDone);
  }

  @Test
  void pairsAreDecidedPerClassAndATaskPackageIsRefused() throws Exception {
    Path out = tmp.resolve("pairs");
    zeroShot(out, "ards: acute respiratory distress syndrome vs no respiratory distress");
    List<String> lines = Files.readAllLines(out.resolve("results.csv"));
    assertEquals(49, lines.size());
    assertTrue(lines.get(0).endsWith(",predicted,p_ards"), lines.get(0));
    Path segmenter = TestData.smallFinetune(org.mflag.config.Task.SEGMENTATION, tmp.resolve("segmenter"), "epochs", "1", "ignore_value", "127");
    KeyValues kv = KeyValues.parse("zero-shot", AnalysisConfig.keys(Job.ZERO_SHOT), List.of("model=" + segmenter,
        "manifest=" + TestData.manifest(), "output=" + tmp.resolve("x"), "prompts=a: b vs c", "cache_dir=" + TestData.cacheDir()));
    Exception e = assertThrows(Exception.class,
        () -> ManifestAnalysis.run(AnalysisConfig.of(Job.ZERO_SHOT, kv), new ImageFileDecoder(), TestData.log(), () -> false));
    assertTrue(e.getMessage().contains("segmentation model") && e.getMessage().contains("text projector"), e.getMessage());
  }
}
