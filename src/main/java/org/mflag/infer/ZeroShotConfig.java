package org.mflag.infer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.data.DataKeys;
import org.mflag.text.TextModels;
import org.mflag.zeroshot.Prompts;
import org.mflag.zeroshot.ZeroShot;

/**
 * Zero-shot classification's own keys, immutable: the prompts (parsed and checked when the config is built), how a
 * class's prompts are pooled and scored, the language model that embeds them, and the label column to score against.
 * Read once by {@link #of}; the analysis around it is an {@link AnalysisConfig}.
 */
public final class ZeroShotConfig {

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

  /** The keys zero-shot adds to an analysis ({@code zero-shot}, {@code spark-zero-shot}). */
  public static final List<Key> KEYS = Collections.unmodifiableList(Arrays.asList(PROMPTS, POOLING, TEMPERATURE, LABEL_COLUMN,
      TEXT_MODEL, DataKeys.CACHE_DIR));

  /** The keys of the Fiji command, which classifies the open image: the package, the prompts and how they are scored. */
  public static final List<Key> IMAGE = Collections.unmodifiableList(Arrays.asList(
      InferenceKeys.MODEL.describedAs("encoder package folder or .zip (from pretrain)"), PROMPTS, POOLING, TEMPERATURE, TEXT_MODEL,
      DataKeys.CACHE_DIR, Engine.ENGINE));

  private final Prompts prompts;
  private final ZeroShot.Pooling pooling;
  private final double temperature;
  private final String labelColumn;
  private final String textModel;
  private final Path cacheDir;

  private ZeroShotConfig(KeyValues kv) throws IOException {
    prompts = Prompts.parse(kv.string(PROMPTS), null);
    pooling = ZeroShot.Pooling.fromKey(kv.string(POOLING));
    temperature = kv.number(TEMPERATURE);
    labelColumn = kv.has(LABEL_COLUMN) ? kv.string(LABEL_COLUMN) : "";
    textModel = kv.string(TextModels.TEXT_MODEL);
    cacheDir = kv.path(DataKeys.CACHE_DIR);
  }

  /** Reads the zero-shot keys of parsed arguments ({@link #KEYS} or {@link #IMAGE}); an {@code @file} of prompts is read here. */
  public static ZeroShotConfig of(KeyValues kv) throws IOException {
    return new ZeroShotConfig(kv);
  }

  public Prompts prompts() {
    return prompts;
  }

  public ZeroShot.Pooling pooling() {
    return pooling;
  }

  public double temperature() {
    return temperature;
  }

  /** The manifest column with the true classes; empty: no scoring. */
  public String labelColumn() {
    return labelColumn;
  }

  /** The {@code text_model} value (resolved by {@link TextModels#open}). */
  public String textModel() {
    return textModel;
  }

  public Path cacheDir() {
    return cacheDir;
  }
}
