package org.mflag.cli;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.mflag.config.Key;
import org.mflag.config.KeyTable;
import org.mflag.config.KeyValues;
import org.mflag.config.Task;
import org.mflag.data.DatasetException;
import org.mflag.infer.AnalysisConfig;
import org.mflag.infer.Job;
import org.mflag.infer.Evaluate;
import org.mflag.infer.EvaluateConfig;
import org.mflag.infer.InferenceKeys;
import org.mflag.model.ModelPackageException;
import org.mflag.train.FinetuneConfig;
import org.mflag.train.PretrainConfig;
import org.mflag.train.TrainingException;
import org.scijava.log.LogLevel;
import org.scijava.log.Logger;
import org.scijava.log.StderrLogService;

/**
 * The launcher's entry point: {@code mflag COMMAND key=value ...}, {@code mflag help} and
 * {@code mflag COMMAND help}. Keys are the same as the Fiji commands' and macros'.
 */
public final class Main {

  private static final Map<String, CliCommand> COMMANDS = commands(ServiceLoader.load(CliCommand.class, Main.class.getClassLoader()));

  /**
   * Every command by name, in the order {@code mflag help} lists them: the plugin's own, and the developer tools of
   * {@code src/tools} ({@code found}: what {@link ServiceLoader} finds of them) at their places. A tool that is not
   * found (the plugin jar alone) is a stand-in that says where the tool runs; one found but not placed comes last.
   */
  static Map<String, CliCommand> commands(Iterable<CliCommand> found) {
    Map<String, CliCommand> tools = new LinkedHashMap<>();
    for (CliCommand c : found) tools.putIfAbsent(c.name(), c);
    Map<String, CliCommand> out = new LinkedHashMap<>();
    for (CliCommand c : new CliCommand[] {new PretrainCli(), new FinetuneCli(Task.SEGMENTATION), new FinetuneCli(Task.CLASSIFICATION),
        new FinetuneCli(Task.DETECTION), new EvaluateCli(), new AnalyseCli(Job.SEGMENT),
        new AnalyseCli(Job.CLASSIFY), new AnalyseCli(Job.DETECT), new AnalyseCli(Job.EMBED), new AnalyseCli(Job.ZERO_SHOT), new IndexCli(), new RetrieveCli(), tool(tools, "experiment"), tool(tools, "study"), new EmbedReportsCli(), new InstallLanguageModelCli(), new ImportWeightsCli(), new ExportCli(), tool(tools, "bench"), new SampleDataCli(), new AboutCli()}) {
      out.put(c.name(), c);
    }
    for (CliCommand c : tools.values()) out.putIfAbsent(c.name(), c);
    return out;
  }

  private static CliCommand tool(Map<String, CliCommand> found, String name) {
    CliCommand c = found.remove(name);
    return c != null ? c : new AbsentTool(name);
  }

  /** A developer tool whose classes are not on the class path: the plugin jar carries only the product. */
  static final class AbsentTool implements CliCommand {
    private final String name;

    AbsentTool(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public String summary() {
      return "(developer tool) run it from a clone of the repository with ./mflag " + name;
    }

    @Override
    public List<Key> keys() {
      return List.of();
    }

    @Override
    public int run(KeyValues args, Logger log, Cancellation cancel) {
      return refuse();
    }

    /** Says in one line where the tool runs; the exit code of a command that cannot run here. */
    int refuse() {
      System.err.println("mflag " + name + ": a developer tool, not part of the plugin: run it from a clone of the repository with ./mflag " + name);
      return 2;
    }
  }

  private Main() {}

  public static void main(String[] argv) {
    System.exit(run(argv));
  }

  /** Runs a command line and returns the exit code (0 ok, 1 failed, 2 bad usage). */
  public static int run(String[] argv) {
    return run(argv, COMMANDS);
  }

  /** {@link #run(String[])} with these commands ({@link #commands}). */
  static int run(String[] argv, Map<String, CliCommand> commands) {
    if (argv.length == 2 && isHelp(argv[0]) && argv[1].equals("markdown")) {
      System.out.print(keysPage());
      return 0;
    }
    if (argv.length == 0 || isHelp(argv[0])) {
      System.out.println(usage(commands));
      return argv.length == 0 ? 2 : 0;
    }
    CliCommand cmd = commands.get(argv[0]);
    if (cmd == null) {
      System.err.println("mflag: unknown command '" + argv[0] + "'; commands: " + commands.keySet() + " (mflag help)");
      return 2;
    }
    if (cmd instanceof AbsentTool) return ((AbsentTool) cmd).refuse();
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

  static String usage(Map<String, CliCommand> commands) {
    StringBuilder sb = new StringBuilder("usage: mflag COMMAND key=value ...\n\ncommands:\n");
    for (CliCommand c : commands.values()) sb.append(String.format("  %-20s %s%n", c.name(), c.summary()));
    sb.append(String.format("  %-20s %s%n", "spark-segment ...", "(the ./mflag script) segment, classify, detect, embed or zero-shot on Apache "
        + "Spark: the same keys, plus master (local[*]: all cores), format, chunk_size, partitions; spark-index: index from "
        + "spark-embed's results"));
    sb.append(String.format("  %-20s %s%n", "install-cuda", "(the ./mflag script) fetch the CUDA 12.3 / cuDNN 8.9 runtime TensorFlow "
        + "needs, once, for a machine with only the NVIDIA driver"));
    sb.append(String.format("  %-20s %s%n", "help", "this list; 'mflag COMMAND help' lists a command's keys; 'mflag help markdown' "
        + "prints docs/keys.md, every command's keys"));
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
   * docs/keys.md: every command's keys, generated from their declarations ({@code ./mflag help markdown > docs/keys.md};
   * KeysTest fails when the page and the declarations differ). Commands that share most keys share a table, with a
   * column naming the commands that take each key.
   */
  public static String keysPage() {
    StringBuilder sb = new StringBuilder("# Keys of every command\n\n"
        + "The same keys work on the launcher (`./mflag COMMAND key=value ...`), in ImageJ macros (`run(\"M-FLAG Pretrain\", \"key=value"
        + " ...\")`) and as the Fiji commands' fields. Each key is declared once in the code (`config/Key`: name, type, default, range,"
        + " description); this page, `./mflag COMMAND help` and the Fiji dialogs all read that declaration. Unknown keys and bad values"
        + " stop with a message naming the key and what is allowed (a misspelled key is answered with the nearest one), before any"
        + " data is read.\n\n"
        + "Generated by `./mflag help markdown > docs/keys.md`; a test fails when this page and the code disagree.\n\n");
    Map<String, String> tables = tables();
    sb.append("Commands: ");
    int i = 0;
    for (String title : tables.keySet()) sb.append(i++ == 0 ? "" : ", ").append("[").append(title).append("](#").append(anchor(title)).append(")");
    sb.append(".\n");
    for (Map.Entry<String, String> t : tables.entrySet()) {
      sb.append("\n## ").append(t.getKey()).append("\n\n");
      String summary = summaries(t.getKey());
      if (!summary.isEmpty()) sb.append(summary).append("\n\n");
      sb.append(t.getValue());
    }
    return sb.toString();
  }

  /** GitHub's anchor of a heading: lower case, spaces to dashes, punctuation but dashes and underscores dropped. */
  static String anchor(String title) {
    return title.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-');
  }

  /** The one-line summaries of the launcher commands a section title names. */
  private static String summaries(String title) {
    StringBuilder sb = new StringBuilder();
    for (String name : title.split(", ")) {
      CliCommand c = COMMANDS.get(name);
      if (c != null) sb.append(sb.length() == 0 ? "" : "\n").append("- `").append(name).append("`: ").append(c.summary());
    }
    return sb.toString();
  }

  /** Every key table of {@link #keysPage}, by section title. */
  public static Map<String, String> tables() {
    Map<String, String> t = new LinkedHashMap<>(readmeTables());
    java.util.Set<String> covered = new java.util.HashSet<>();
    for (String title : t.keySet()) covered.addAll(Arrays.asList(title.split(", ")));
    for (CliCommand c : COMMANDS.values()) {
      if (!covered.contains(c.name()) && !(c instanceof AbsentTool)) t.put(c.name(), KeyTable.markdown(c.keys()));
    }
    return t;
  }

  /**
   * The grouped key tables, by section title, generated from the key declarations.
   */
  public static Map<String, String> readmeTables() {
    Map<String, String> t = new LinkedHashMap<>();
    t.put("pretrain", KeyTable.markdown(PretrainConfig.KEYS));
    Map<String, List<Key>> finetune = new LinkedHashMap<>();
    for (Task task : Task.values()) finetune.put(task.modelName(), FinetuneConfig.keys(task));
    t.put("finetune-segmenter, finetune-classifier, finetune-detector", KeyTable.markdown(finetune));
    t.put("evaluate", KeyTable.markdown(EvaluateConfig.KEYS));
    t.put("export", KeyTable.markdown(org.mflag.model.PackageZip.KEYS));
    t.put("install-language-model", KeyTable.markdown(org.mflag.text.LanguageModelInstall.KEYS));
    t.put("import-weights", KeyTable.markdown(org.mflag.nn.ImageNetImport.KEYS));
    CliCommand study = COMMANDS.get("study");
    if (!(study instanceof AbsentTool)) t.put("study", KeyTable.markdown(study.keys()));
    Map<String, List<Key>> retrieval = new LinkedHashMap<>();
    retrieval.put("index", org.mflag.retrieval.Retrieval.INDEX_KEYS);
    retrieval.put("spark-index", org.mflag.retrieval.Retrieval.SPARK_INDEX_KEYS);
    retrieval.put("retrieve", org.mflag.retrieval.Retrieval.RETRIEVE_KEYS);
    t.put("index, spark-index, retrieve", KeyTable.markdown(retrieval));
    Map<String, List<Key>> inference = new LinkedHashMap<>();
    inference.put("Segment", InferenceKeys.SEGMENT);
    inference.put("Detect", InferenceKeys.DETECT);
    inference.put("Classify", InferenceKeys.CLASSIFY);
    t.put("M-FLAG Segment, Detect, Classify (Fiji, on the open image)", KeyTable.markdown(inference));
    Map<String, List<Key>> analysis = new LinkedHashMap<>();
    Map<String, List<Key>> spark = new LinkedHashMap<>();
    for (Job job : Job.values()) {
      analysis.put(job.key(), AnalysisConfig.keys(job));
      spark.put("spark-" + job.key(), AnalysisConfig.sparkKeys(job));
    }
    t.put("segment, classify, detect, embed, zero-shot", KeyTable.markdown(analysis));
    t.put("spark-segment, spark-classify, spark-detect, spark-embed, spark-zero-shot", KeyTable.markdown(spark));
    return t;
  }
}
