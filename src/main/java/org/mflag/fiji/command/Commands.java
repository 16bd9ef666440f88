package org.mflag.fiji.command;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The M-FLAG commands by their launcher name ({@code pretrain}, {@code segment}, ...): how the ImageJ 1
 * menu entries of {@code plugins.config} find the SciJava command they run.
 */
public final class Commands {

  private static final Map<String, Class<? extends KeyCommand>> BY_NAME;

  static {
    Map<String, Class<? extends KeyCommand>> m = new LinkedHashMap<>();
    m.put("pretrain", PretrainCommand.class);
    m.put("embed-reports", EmbedReportsCommand.class);
    m.put("finetune-segmenter", FinetuneSegmenterCommand.class);
    m.put("finetune-classifier", FinetuneClassifierCommand.class);
    m.put("finetune-detector", FinetuneDetectorCommand.class);
    m.put("evaluate", EvaluateCommand.class);
    m.put("segment", SegmentCommand.class);
    m.put("detect", DetectCommand.class);
    m.put("classify", ClassifyCommand.class);
    m.put("zero-shot", ZeroShotCommand.class);
    m.put("similar-reports", SimilarReportsCommand.class);
    m.put("similar-images", SimilarImagesCommand.class);
    m.put("export", ExportCommand.class);
    m.put("install-language-model", InstallLanguageModelCommand.class);
    m.put("import-weights", ImportWeightsCommand.class);
    m.put("sample-data", SampleDataCommand.class);
    m.put("about", AboutCommand.class);
    BY_NAME = Collections.unmodifiableMap(m);
  }

  private Commands() {}

  public static Map<String, Class<? extends KeyCommand>> all() {
    return BY_NAME;
  }

  public static Class<? extends KeyCommand> get(String name) {
    Class<? extends KeyCommand> c = BY_NAME.get(name);
    if (c == null) throw new IllegalArgumentException("no M-FLAG command '" + name + "'; commands: " + BY_NAME.keySet());
    return c;
  }
}
