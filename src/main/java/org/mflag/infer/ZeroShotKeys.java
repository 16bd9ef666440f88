package org.mflag.infer;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.data.DataKeys;
import org.mflag.data.DatasetException;
import org.mflag.data.Labels;
import org.mflag.data.Manifest;
import org.mflag.eval.MetricsReport;
import org.mflag.io.Archives;
import org.mflag.io.CsvCells;
import org.mflag.model.ModelPackage;
import org.mflag.model.ModelPackageException;
import org.mflag.text.ReportEmbedder;
import org.mflag.text.TextModels;
import org.mflag.zeroshot.Prompts;
import org.mflag.zeroshot.ZeroShot;
import org.scijava.log.Logger;

/**
 * The keys of zero-shot classification ({@code ./mflag zero-shot}, {@code spark-zero-shot}) and what the
 * launcher does with them beyond the manifest analysis: the classifier from the prompts, the record of the
 * prompts a results file was made with, and the scores against a label column.
 */
public final class ZeroShotKeys {

  public static final Key PROMPTS = Key.text("prompts", null, "classes as prompts: 'name: prompt | prompt vs negative | negative; ...'"
      + " (pairs: each class on its own, CheXzero) or 'name: prompt | prompt; ...' (two or more classes in one softmax); or @file,"
      + " one class per line");
  public static final Key POOLING = Key.choice("pooling", "mean", "how a class's several prompts are pooled: mean or max of the"
      + " similarities", "mean", "max");
  public static final Key TEMPERATURE = Key.number("temperature", "1", "similarities are divided by it before the softmax (1 as"
      + " CheXzero); changes how sure the probabilities look, not their order (nor AUROC)").above(0);
  public static final Key LABEL_COLUMN = DataKeys.LABEL_COLUMN.withDefault("").describedAs("manifest column with the true class"
      + " (names as in prompts; several separated by | for pairs): writes metrics.json/.csv with AUROC per class and macro;"
      + " empty = no scoring");

  public static final Key TEXT_MODEL = TextModels.TEXT_MODEL.describedAs("the frozen language model that embeds the prompts: the"
      + " package's (default BERT) or a SavedModel folder");

  public static final List<Key> KEYS = Collections.unmodifiableList(Arrays.asList(PROMPTS, POOLING, TEMPERATURE, LABEL_COLUMN,
      TEXT_MODEL, DataKeys.CACHE_DIR));

  /** Bootstrap draws of the test images for the interval of the macro AUROC. */
  static final int BOOTSTRAP_DRAWS = 2000;

  /** The keys of the Fiji command, which classifies the open image: the package, the prompts and how they are scored. */
  public static final List<Key> IMAGE = Collections.unmodifiableList(Arrays.asList(
      InferenceKeys.MODEL.describedAs("encoder package folder or .zip (from pretrain)"), PROMPTS, POOLING, TEMPERATURE, TEXT_MODEL,
      DataKeys.CACHE_DIR));

  /** The file in the output folder that records the prompts its results were made with. */
  public static final String PROMPTS_FILE = "zero-shot.txt";

  private ZeroShotKeys() {}

  /** The classifier of {@code kv}: its prompts embedded by the language model and projected by the package. */
  public static ZeroShot classifier(KeyValues kv, Logger log) throws IOException, ModelPackageException {
    Prompts prompts = Prompts.parse(kv.string(PROMPTS), null);
    ModelPackage pkg = ModelPackage.open(kv.path(InferenceKeys.MODEL));
    try (ReportEmbedder lm = TextModels.open(kv.string(TextModels.TEXT_MODEL), kv.path(DataKeys.CACHE_DIR), log)) {
      ZeroShot z = ZeroShot.open(pkg, lm, prompts, ZeroShot.Pooling.fromKey(kv.string(POOLING)), kv.number(TEMPERATURE));
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
  public static MetricsReport score(KeyValues kv, Path results, ZeroShot z, Logger log) throws IOException, DatasetException {
    Manifest m = Manifest.read(kv.path(DataKeys.MANIFEST), kv.string(DataKeys.ID_COLUMN), kv.string(DataKeys.IMAGE_COLUMN));
    Labels labels = new Labels(z.classes(), z.multiLabel(), kv.string(LABEL_COLUMN), List.of());
    m.requireColumns("label_column", kv.string(LABEL_COLUMN));
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
    about.put("model", kv.string(InferenceKeys.MODEL));
    about.put("manifest", kv.string(DataKeys.MANIFEST));
    about.put("label_column", kv.string(LABEL_COLUMN));
    about.put("prompts", z.fingerprint());
    report.write(results.getParent(), about);
    log.info(String.format("zero-shot scored on %d labelled images (%d rows without a usable label left out; classes %s):%n%s", ids.size(),
        unlabelled, z.classes(), report.describe().trim()));
    if (ids.isEmpty()) log.warn("no analysed row has a label naming the classes " + z.classes() + " in column " + kv.string(LABEL_COLUMN));
    return report;
  }
}
