package org.mflag.infer;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.mflag.data.DatasetException;
import org.mflag.data.Labels;
import org.mflag.data.Manifest;
import org.mflag.eval.MetricsReport;
import org.mflag.io.Archives;
import org.mflag.io.CsvCells;
import org.mflag.model.ModelPackage;
import org.mflag.model.ModelPackageException;
import org.mflag.model.TextProjector;
import org.mflag.text.ReportEmbedder;
import org.mflag.text.TextModels;
import org.mflag.zeroshot.Prompts;
import org.mflag.zeroshot.ZeroShot;
import org.scijava.log.Logger;

/**
 * What zero-shot classification ({@code ./mflag zero-shot}, {@code spark-zero-shot}, M-FLAG Zero-shot Classify) does
 * beyond the manifest analysis: the classifier from the prompts, the record of the prompts a results file was made with,
 * and the scores against a label column. Its keys are {@link ZeroShotConfig}'s.
 */
public final class ZeroShotAnalysis {

  /** Bootstrap draws of the test images for the interval of the macro AUROC. */
  static final int BOOTSTRAP_DRAWS = 2000;

  /** The file in the output folder that records the prompts its results were made with. */
  public static final String PROMPTS_FILE = "zero-shot.txt";

  private ZeroShotAnalysis() {}

  /** The classifier of {@code cfg} with the package in {@code model}: its prompts embedded by the language model and projected by the package. */
  public static ZeroShot classifier(ZeroShotConfig cfg, Path model, Engine engine, Logger log) throws IOException, ModelPackageException {
    Prompts prompts = cfg.prompts();
    ModelPackage pkg = ModelPackage.open(model);
    try (ReportEmbedder lm = TextModels.open(cfg.textModel(), cfg.cacheDir(), log); TextProjector projector = engine.textProjector(pkg)) {
      ZeroShot z = ZeroShot.open(pkg, lm, projector, prompts, cfg.pooling(), cfg.temperature());
      log.info("zero-shot: " + prompts.classes().size() + " classes from " + prompts.texts().size() + " prompts ("
          + (prompts.pairs() ? "pairs, each class on its own" : "prompt sets, one class per image") + ")");
      return z;
    }
  }

  /**
   * Records the classifier's prompts in {@code out}; when {@code results} rows exist already (a re-run), they must
   * have been made with the same prompts, so that one results file never mixes two classifiers.
   */
  public static void recordPrompts(Path out, ZeroShot z, boolean results) throws IOException {
    Path file = out.resolve(PROMPTS_FILE);
    String now = z.fingerprint() + "\n";
    if (results && Files.isRegularFile(file)) {
      String before = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
      if (!before.equals(now)) {
        throw new IOException(out + " holds results of other prompts (" + file + ": " + before.trim() + "); choose another output");
      }
      return;
    }
    Archives.writeAtomically(file, now.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Scores a results file against the manifest's {@code label_column}: AUROC per class and macro (and accuracy),
   * over the rows analysed without error whose label names the classes, with a 95% bootstrap interval of the macro AUROC
   * over those images. Writes metrics.json/.csv beside the results.
   */
  public static MetricsReport score(AnalysisConfig cfg, Path results, ZeroShot z, Logger log) throws IOException, DatasetException {
    Manifest m = cfg.data().readManifest();
    String labelColumn = cfg.zeroShot().labelColumn();
    Labels labels = new Labels(z.classes(), z.multiLabel(), labelColumn, List.of());
    m.requireColumns("label_column", labelColumn);
    Map<String, float[]> truth = new HashMap<>();
    String[] why = new String[1];
    int unlabelled = 0;
    for (Manifest.Row r : m.rows()) {
      float[] y = labels.encode(r, why);
      if (y == null) unlabelled++;
      else truth.put(r.id(), y);
    }
    List<String> ids = new ArrayList<>();
    List<float[]> truths = new ArrayList<>();
    List<Float> probs = new ArrayList<>();
    int c = z.classes().size();
    try (Reader in = Files.newBufferedReader(results, StandardCharsets.UTF_8);
        CSVParser p = CSVParser.parse(in, CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get())) {
      for (CSVRecord r : p) {
        String id = CsvCells.original(r.get("id"));
        if (!"ok".equals(r.get("status")) || !truth.containsKey(id)) continue;
        ids.add(id);
        truths.add(truth.get(id));
        for (String k : z.classes()) probs.add(Float.parseFloat(r.get("p_" + BatchAnalysis.columnName(k))));
      }
    }
    float[] p = new float[probs.size()];
    for (int i = 0; i < p.length; i++) p[i] = probs.get(i);
    MetricsReport report = MetricsReport.classification(ids, truths, p, z.classes(), z.multiLabel());
    if (ids.size() > 1) { // how much the macro AUROC depends on which images were tested: 95% percentile bootstrap
      org.mflag.eval.Bootstrap.Interval ci = org.mflag.eval.Bootstrap.interval(ids.size(), items -> {
        List<String> bi = new ArrayList<>();
        List<float[]> bt = new ArrayList<>();
        float[] bp = new float[items.length * c];
        for (int k = 0; k < items.length; k++) {
          bi.add(ids.get(items[k]));
          bt.add(truths.get(items[k]));
          System.arraycopy(p, items[k] * c, bp, k * c, c);
        }
        return MetricsReport.classification(bi, bt, bp, z.classes(), z.multiLabel()).metrics.get("auroc_macro");
      }, BOOTSTRAP_DRAWS, 42, 0.95);
      Map<String, Double> interval = new LinkedHashMap<>();
      interval.put("auroc_macro_ci_low", ci.low);
      interval.put("auroc_macro_ci_high", ci.high);
      report = report.with(interval);
    }
    Map<String, String> about = new LinkedHashMap<>();
    about.put("model", cfg.model().toString());
    about.put("manifest", cfg.data().manifest().toString());
    about.put("label_column", labelColumn);
    about.put("prompts", z.fingerprint());
    report.write(results.getParent(), about);
    log.info(String.format("zero-shot scored on %d labelled images (%d rows without a usable label left out; classes %s):%n%s", ids.size(),
        unlabelled, z.classes(), report.describe().trim()));
    if (ids.isEmpty()) log.warn("no analysed row has a label naming the classes " + z.classes() + " in column " + labelColumn);
    return report;
  }
}
