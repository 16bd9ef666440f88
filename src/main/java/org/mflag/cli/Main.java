package org.mflag.cli;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mflag.config.Key;
import org.mflag.config.KeyTable;
import org.mflag.config.KeyValues;
import org.mflag.config.Task;
import org.mflag.data.DatasetException;
import org.mflag.infer.BatchAnalysis;
import org.mflag.infer.Evaluate;
import org.mflag.infer.InferenceKeys;
import org.mflag.infer.ManifestAnalysis;
import org.mflag.model.ModelPackageException;
import org.mflag.train.FinetuneConfig;
import org.mflag.train.PretrainConfig;
import org.mflag.train.TrainingException;
import org.scijava.log.LogLevel;
import org.scijava.log.StderrLogService;

/**
 * The launcher's entry point: {@code mflag COMMAND key=value ...}, {@code mflag help} and
 * {@code mflag COMMAND help}. Keys are the same as the Fiji commands' and macros'.
 */
public final class Main {

  private static final Map<String, CliCommand> COMMANDS = new LinkedHashMap<>();

  static {
    for (CliCommand c : new CliCommand[] {new PretrainCli(), new FinetuneCli(Task.SEGMENTATION), new FinetuneCli(Task.CLASSIFICATION),
        new FinetuneCli(Task.DETECTION), new EvaluateCli(), new AnalyseCli(BatchAnalysis.Job.SEGMENT),
        new AnalyseCli(BatchAnalysis.Job.CLASSIFY), new AnalyseCli(BatchAnalysis.Job.DETECT), new AnalyseCli(BatchAnalysis.Job.EMBED), new AnalyseCli(BatchAnalysis.Job.ZERO_SHOT), new IndexCli(), new RetrieveCli(), new ExperimentCli(), new StudyCli(), new EmbedReportsCli(), new InstallLanguageModelCli(), new ImportWeightsCli(), new ExportCli(), new BenchCli(), new AboutCli()}) {
      COMMANDS.put(c.name(), c);
    }
  }

  private Main() {}

  public static void main(String[] argv) {
    System.exit(run(argv));
  }

  /** Runs a command line and returns the exit code (0 ok, 1 failed, 2 bad usage). */
  public static int run(String[] argv) {
    if (argv.length == 2 && isHelp(argv[0]) && argv[1].equals("markdown")) {
      for (Map.Entry<String, String> t : readmeTables().entrySet()) System.out.println("### " + t.getKey() + "\n\n" + t.getValue());
      return 0;
    }
    if (argv.length == 0 || isHelp(argv[0])) {
      System.out.println(usage());
      return argv.length == 0 ? 2 : 0;
    }
    CliCommand cmd = COMMANDS.get(argv[0]);
    if (cmd == null) {
      System.err.println("mflag: unknown command '" + argv[0] + "'; commands: " + COMMANDS.keySet() + " (mflag help)");
      return 2;
    }
    List<String> rest = Arrays.asList(argv).subList(1, argv.length);
    if (rest.size() == 1 && isHelp(rest.get(0))) {
      System.out.println(help(cmd));
      return 0;
    }
    StderrLogService log = new StderrLogService();
    log.setPrintStreams(level -> level <= LogLevel.WARN ? System.err : System.out);
    KeyValues kv;
    try {
      kv = KeyValues.parse(cmd.name(), cmd.keys(), rest);
    } catch (IllegalArgumentException e) {
      System.err.println("mflag " + e.getMessage() + " (mflag " + cmd.name() + " help)");
      return 2;
    }
    Cancellation cancel = new Cancellation();
    cancel.install();
    try {
      return cmd.run(kv, log, cancel);
    } catch (IllegalArgumentException e) {
      System.err.println("mflag " + cmd.name() + ": " + e.getMessage());
      return 2;
    } catch (DatasetException | ModelPackageException | TrainingException | java.io.IOException
        | org.mflag.runtime.TensorFlowUnavailableException e) {
      System.err.println("mflag " + cmd.name() + ": " + e.getMessage());
      return 1;
    } catch (Exception e) {
      log.error("mflag " + cmd.name() + " failed", e);
      return 1;
    } finally {
      cancel.done();
    }
  }

  private static boolean isHelp(String s) {
    return s.equals("help") || s.equals("--help") || s.equals("-h");
  }

  static String usage() {
    StringBuilder sb = new StringBuilder("usage: mflag COMMAND key=value ...\n\ncommands:\n");
    for (CliCommand c : COMMANDS.values()) sb.append(String.format("  %-20s %s%n", c.name(), c.summary()));
    sb.append(String.format("  %-20s %s%n", "spark-segment ...", "(the ./mflag script) segment, classify, detect, embed or zero-shot on Apache "
        + "Spark: the same keys, plus master (local[*]: all cores), format, chunk_size, partitions; spark-index: index from "
        + "spark-embed's results"));
    sb.append(String.format("  %-20s %s%n", "install-cuda", "(the ./mflag script) fetch the CUDA 12.3 / cuDNN 8.9 runtime TensorFlow "
        + "needs, once, for a machine with only the NVIDIA driver"));
    sb.append(String.format("  %-20s %s%n", "help", "this list; 'mflag COMMAND help' lists a command's keys; 'mflag help markdown' "
        + "prints the README's key tables"));
    return sb.toString();
  }

  static String help(CliCommand cmd) {
    StringBuilder sb = new StringBuilder("mflag " + cmd.name() + " key=value ...\n" + cmd.summary() + "\n\nkeys (default; allowed):\n");
    for (Key k : cmd.keys()) {
      String def = k.required() ? "required" : k.defaultValue().isEmpty() ? "empty" : k.defaultValue();
      sb.append(String.format("  %-18s %s (%s; %s)%n", k.name(), k.description(), def, k.allowed()));
    }
    return sb.toString();
  }

  /**
   * The README's key tables, by section title, generated from the key declarations (ReadmeTest checks that
   * the README holds each one verbatim; {@code mflag help markdown} prints them).
   */
  public static Map<String, String> readmeTables() {
    Map<String, String> t = new LinkedHashMap<>();
    t.put("pretrain", KeyTable.markdown(PretrainConfig.KEYS));
    Map<String, List<Key>> finetune = new LinkedHashMap<>();
    for (Task task : Task.values()) finetune.put(task.modelName(), FinetuneConfig.keys(task));
    t.put("finetune-segmenter, finetune-classifier, finetune-detector", KeyTable.markdown(finetune));
    t.put("evaluate", KeyTable.markdown(Evaluate.KEYS));
    t.put("export", KeyTable.markdown(org.mflag.model.PackageZip.KEYS));
    t.put("install-language-model", KeyTable.markdown(org.mflag.text.LanguageModelInstall.KEYS));
    t.put("import-weights", KeyTable.markdown(org.mflag.nn.ImageNetImport.KEYS));
    t.put("study", KeyTable.markdown(org.mflag.experiment.Study.KEYS));
    Map<String, List<Key>> retrieval = new LinkedHashMap<>();
    retrieval.put("index", org.mflag.retrieval.Retrieval.INDEX_KEYS);
    retrieval.put("spark-index", org.mflag.retrieval.Retrieval.SPARK_INDEX_KEYS);
    retrieval.put("retrieve", org.mflag.retrieval.Retrieval.RETRIEVE_KEYS);
    t.put("index, spark-index, retrieve", KeyTable.markdown(retrieval));
    Map<String, List<Key>> inference = new LinkedHashMap<>();
    inference.put("Segment", InferenceKeys.SEGMENT);
    inference.put("Detect", InferenceKeys.DETECT);
    inference.put("Classify", InferenceKeys.CLASSIFY);
    t.put("M-FLAG Segment, Detect, Classify", KeyTable.markdown(inference));
    Map<String, List<Key>> analysis = new LinkedHashMap<>();
    Map<String, List<Key>> spark = new LinkedHashMap<>();
    for (BatchAnalysis.Job job : BatchAnalysis.Job.values()) {
      analysis.put(job.key(), ManifestAnalysis.keys(job));
      spark.put("spark-" + job.key(), ManifestAnalysis.sparkKeys(job));
    }
    t.put("segment, classify, detect, embed, zero-shot", KeyTable.markdown(analysis));
    t.put("spark-segment, spark-classify, spark-detect, spark-embed, spark-zero-shot", KeyTable.markdown(spark));
    return t;
  }
}
