package org.mflag.experiment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.mflag.config.Choices;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.config.Task;
import org.mflag.data.DatasetException;
import org.mflag.data.ImageDecoder;
import org.mflag.eval.MetricsReport;
import org.mflag.infer.Evaluate;
import org.mflag.infer.EvaluateConfig;
import org.mflag.io.Archives;
import org.mflag.model.ModelPackage;
import org.mflag.model.ModelPackageException;
import org.mflag.report.LinePlot;
import org.mflag.report.MarkdownTable;
import org.mflag.train.FinetuneConfig;
import org.mflag.train.Finetuner;
import org.mflag.train.TrainingException;
import org.mflag.train.TrainingListener;
import org.mflag.train.TrainingResult;
import org.scijava.log.Logger;

/**
 * {@code experiment}: the paper's label-efficiency grid for one task. Every encoder of
 * {@code encoder_models} (named {@code name=DIR}, or {@code random}) is fine-tuned at every label
 * fraction into {@code output/<name>-<fraction>/}, then scored on the test split through its exported
 * package ({@code evaluate}). Writes {@code results.csv} (every metric), {@code results.md} (the task's
 * metric, encoders x fractions) and {@code results.png} (metric vs label fraction).
 *
 * <p>A finished cell (its folder holds a model package) is not trained again and a cancelled one
 * resumes, so an interrupted grid is continued by running the same command.</p>
 */
public final class Experiment {

  /** Keys of every fine-tune command, minus the ones the grid sets per run. */
  private static final Set<String> PER_RUN = new LinkedHashSet<>(Arrays.asList("encoder_model", "output", "fraction", "resume", "max_steps"));

  public static final Key TASK = Key.choice("task", null, "which downstream task the grid trains", Choices.keys(Task.class));
  public static final Key ENCODER_MODELS = Key.text("encoder_models", null, "comma-separated encoders: name=DIR (a pretrain "
      + "package) or random, e.g. mflag=models/a,no_orth=models/b,random");
  public static final Key FRACTIONS = Key.text("fractions", "0.01,0.1,1.0", "label fractions of the training split");
  public static final Key OUTPUT = Key.path("output", null, "folder for one sub-folder per run and the results").directory();

  public static final List<Key> KEYS;

  static {
    List<Key> k = new ArrayList<>(Arrays.asList(TASK, ENCODER_MODELS, FRACTIONS, OUTPUT));
    Map<String, Key> union = new LinkedHashMap<>();
    for (Task t : Task.values()) {
      for (Key key : FinetuneConfig.keys(t)) {
        if (PER_RUN.contains(key.name()) || union.containsKey(key.name())) continue;
        union.put(key.name(), key.required() && !key.name().equals("manifest")
            ? key.withDefault("").describedAs(key.description() + " (required for its task)") : key);
      }
    }
    k.addAll(union.values());
    KEYS = Collections.unmodifiableList(k);
  }

  /** One cell of the grid. */
  public static final class Cell {
    public final String encoder;
    public final double fraction;
    public final Map<String, Double> test;
    public final Map<String, Double> validation;
    public final int trainingImages;

    Cell(String encoder, double fraction, Map<String, Double> test, Map<String, Double> validation, int trainingImages) {
      this.encoder = encoder;
      this.fraction = fraction;
      this.test = test;
      this.validation = validation;
      this.trainingImages = trainingImages;
    }
  }

  private Experiment() {}

  public static List<Cell> run(KeyValues kv, ImageDecoder decoder, Logger log, BooleanSupplier canceled)
      throws DatasetException, IOException, TrainingException, ModelPackageException {
    Task task = Task.fromKey(kv.string(TASK));
    Map<String, String> encoders = encoders(kv.string(ENCODER_MODELS));
    List<Double> fractions = fractions(kv.string(FRACTIONS));
    Path out = kv.path(OUTPUT);
    Set<String> taskKeys = new LinkedHashSet<>();
    for (Key key : FinetuneConfig.keys(task)) taskKeys.add(key.name());
    Map<String, String> shared = new LinkedHashMap<>();
    for (Key key : KEYS.subList(4, KEYS.size())) { // after task, encoder_models, fractions, output
      if (!kv.given(key)) continue;
      if (!taskKeys.contains(key.name())) throw new IllegalArgumentException(key.name() + ": does not apply to task=" + task.key());
      shared.put(key.name(), kv.string(key));
    }
    List<Cell> cells = new ArrayList<>();
    int total = encoders.size() * fractions.size(), done = 0;
    for (Map.Entry<String, String> enc : encoders.entrySet()) {
      for (double f : fractions) {
        if (canceled.getAsBoolean()) throw new TrainingException("experiment cancelled after " + done + " of " + total + " runs; "
            + "run the same command again to continue");
        Path dir = out.resolve(enc.getKey() + "-" + fractionName(f));
        log.info(String.format("experiment run %d/%d: encoder %s, fraction %s -> %s", ++done, total, enc.getKey(), fractionName(f), dir));
        if (!Files.isRegularFile(dir.resolve(ModelPackage.RDF))) {
          Map<String, String> keys = new LinkedHashMap<>(shared);
          keys.put("encoder_model", enc.getValue());
          keys.put("output", dir.toString());
          keys.put("fraction", Double.toString(f));
          keys.put("resume", Files.isDirectory(org.mflag.train.TrainingLoop.checkpointDir(dir)) ? "true" : "false");
          TrainingResult r = new Finetuner(FinetuneConfig.of(task, keys), decoder, log).run(new TrainingListener() {}, canceled);
          if (r.outcome != TrainingResult.Outcome.COMPLETED) {
            throw new TrainingException("experiment stopped in run " + dir + "; run the same command again to continue");
          }
        } else {
          log.info(dir + " holds a model package already: not trained again");
        }
        cells.add(new Cell(enc.getKey(), f, evaluate(kv, dir, decoder, log).metrics, validation(dir), trainingImages(dir)));
      }
    }
    write(task, out, cells, encoders.keySet(), fractions);
    return cells;
  }

  private static MetricsReport evaluate(KeyValues kv, Path model, ImageDecoder decoder, Logger log)
      throws ModelPackageException, DatasetException, IOException {
    List<String> args = new ArrayList<>(List.of("model=" + model, "split=test", "output=" + model.resolve("evaluation-test")));
    for (Key k : EvaluateConfig.KEYS) {
      String n = k.name();
      if (kv.has(k) && kv.given(k) && !n.equals("output") && !n.equals("batch_size")) args.add(n + "=" + kv.string(k));
    }
    return Evaluate.run(EvaluateConfig.of(KeyValues.parse("evaluate", EvaluateConfig.KEYS, args)), decoder, log);
  }

  private static Map<String, Double> validation(Path dir) throws ModelPackageException {
    Map<String, Double> v = ModelPackage.open(dir).config().validationMetrics();
    return v == null ? Map.of() : v;
  }

  private static int trainingImages(Path dir) throws ModelPackageException {
    Integer n = ModelPackage.open(dir).config().trainingImages();
    return n == null ? -1 : n;
  }

  /** The task's headline metric (MFLAG.md): Dice, mAP, or AUROC (macro). */
  public static String metric(Task task) {
    switch (task) {
      case SEGMENTATION:
        return "dice";
      case DETECTION:
        return "map";
      default:
        return "auroc_macro";
    }
  }

  private static void write(Task task, Path out, List<Cell> cells, Set<String> encoders, List<Double> fractions) throws IOException {
    List<String> names = new ArrayList<>();
    for (Cell c : cells) for (String m : c.test.keySet()) if (!names.contains(m)) names.add(m);
    StringBuilder csv = new StringBuilder("encoder,fraction,training_images," + String.join(",", names) + "\n");
    for (Cell c : cells) {
      csv.append(c.encoder).append(',').append(fractionName(c.fraction)).append(',').append(c.trainingImages);
      for (String m : names) csv.append(',').append(c.test.containsKey(m) ? String.format(Locale.ROOT, "%.6f", c.test.get(m)) : "");
      csv.append('\n');
    }
    Archives.writeAtomically(out.resolve("results.csv"), csv.toString().getBytes(StandardCharsets.UTF_8));

    String metric = metric(task);
    List<String> header = new ArrayList<>(List.of("encoder"));
    for (double f : fractions) header.add(percent(f) + " labels");
    List<List<String>> rows = new ArrayList<>();
    LinePlot plot = new LinePlot(task.key() + ": test " + metric + " vs label fraction", "labelled training images", "test " + metric).logX(true);
    for (String e : encoders) {
      List<String> row = new ArrayList<>(List.of(e));
      double[] x = new double[fractions.size()], y = new double[fractions.size()];
      for (int i = 0; i < fractions.size(); i++) {
        x[i] = fractions.get(i);
        y[i] = Double.NaN;
        for (Cell c : cells) if (c.encoder.equals(e) && c.fraction == fractions.get(i)) y[i] = c.test.getOrDefault(metric, Double.NaN);
        row.add(MarkdownTable.number(y[i], 3));
      }
      rows.add(row);
      plot.series(e, x, y);
    }
    String md = "Test " + metric + " (" + task.key() + "), by encoder and label fraction:\n\n" + MarkdownTable.render(header, rows);
    Archives.writeAtomically(out.resolve("results.md"), md.getBytes(StandardCharsets.UTF_8));
    plot.write(out.resolve("results.png"), 720, 450);
  }

  static Map<String, String> encoders(String spec) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String item : spec.split(",")) {
      String s = item.trim();
      if (s.isEmpty()) continue;
      int eq = s.indexOf('=');
      String name = eq < 0 ? (s.equalsIgnoreCase("random") ? "random" : Path.of(s).getFileName().toString()) : s.substring(0, eq).trim();
      String value = eq < 0 ? s : s.substring(eq + 1).trim();
      if (!name.matches("[A-Za-z0-9_.-]+")) throw new IllegalArgumentException("encoder_models: name '" + name + "' may hold only letters, digits, _ . -");
      if (out.put(name, value) != null) throw new IllegalArgumentException("encoder_models: name '" + name + "' used twice");
    }
    if (out.isEmpty()) throw new IllegalArgumentException("encoder_models: no encoder given");
    return out;
  }

  static List<Double> fractions(String spec) {
    List<Double> out = new ArrayList<>();
    for (String s : spec.split(",")) {
      if (s.trim().isEmpty()) continue;
      double f;
      try {
        f = Double.parseDouble(s.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("fractions: '" + s.trim() + "' is not a number");
      }
      if (!(f > 0 && f <= 1)) throw new IllegalArgumentException("fractions: " + f + " is not in (0, 1]");
      out.add(f);
    }
    if (out.isEmpty()) throw new IllegalArgumentException("fractions: none given");
    return out;
  }

  static String fractionName(double f) {
    return String.format(Locale.ROOT, "%s", f).replaceAll("0+$", "").replaceAll("\\.$", "");
  }

  static String percent(double f) {
    double p = f * 100;
    return (p == Math.rint(p) ? String.format(Locale.ROOT, "%d", (long) p) : String.format(Locale.ROOT, "%s", p)) + "%";
  }
}
