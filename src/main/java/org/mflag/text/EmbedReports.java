package org.mflag.text;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.mflag.config.Key;
import org.mflag.data.DataKeys;
import org.mflag.data.DatasetException;
import org.mflag.data.Manifest;
import org.mflag.runtime.Devices;
import org.scijava.log.Logger;

/**
 * {@code embed-reports}: embeds every report of a manifest with the frozen language model and caches
 * the vectors (the same cache {@code pretrain} reads), optionally writing them as a CSV of
 * precomputed embeddings ({@code id,v0,...}) that {@code text_model=} accepts.
 */
public final class EmbedReports {

  public static final Key OUTPUT = Key.path("output", "", "optional .csv to write the embeddings to (id,v0,v1,...); empty = cache only");

  public static final List<Key> KEYS = Collections.unmodifiableList(Arrays.asList(
      DataKeys.MANIFEST.describedAs("CSV file with one row per report"), DataKeys.TEXT_COLUMN, DataKeys.ID_COLUMN,
      TextModels.TEXT_MODEL.describedAs("the frozen language model: " + TextModels.DEFAULT + " or a SavedModel folder"),
      DataKeys.CACHE_DIR, OUTPUT, Devices.DEVICE));

  /** What a run did. */
  public static final class Summary {
    public final int reports;
    public final int blank;
    public final long encoded;
    public final double seconds;
    public final Path written;

    Summary(int reports, int blank, long encoded, double seconds, Path written) {
      this.reports = reports;
      this.blank = blank;
      this.encoded = encoded;
      this.seconds = seconds;
      this.written = written;
    }
  }

  private EmbedReports() {}

  public static Summary run(EmbedConfig cfg, Logger log) throws DatasetException, IOException {
    Devices.Plan devices = Devices.resolve(cfg.device());
    log.info("device: " + devices.describe());
    Manifest m = Manifest.read(cfg.data().manifest(), cfg.data().idColumn(), "");
    String column = cfg.data().textColumn();
    m.requireColumns("text_column", column);
    List<Report> reports = new ArrayList<>();
    int blank = 0;
    for (Manifest.Row r : m.rows()) {
      String t = r.get(column).trim();
      if (t.codePoints().noneMatch(Character::isLetterOrDigit)) {
        log.warn("manifest " + m.file() + ", row " + (r.index() + 1) + " (id " + r.id() + "): empty report, not embedded");
        blank++;
      } else {
        reports.add(new Report(r.id(), t));
      }
    }
    long t0 = System.nanoTime();
    Map<String, float[]> vectors;
    long encoded;
    int fromCache;
    try (ReportEmbedder e = TextModels.open(cfg.textModel(), cfg.cacheDir(), devices, log)) {
      if (!(e instanceof CachedLanguageModel)) throw new IllegalArgumentException("text_model: embed-reports needs a language model, not precomputed vectors");
      vectors = e.embed(reports);
      encoded = ((CachedLanguageModel) e).encodedCount();
      fromCache = ((CachedLanguageModel) e).lastFromCache();
    }
    double s = (System.nanoTime() - t0) / 1e9;
    Path out = cfg.output();
    if (out != null) {
      try (Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
        int dim = vectors.isEmpty() ? 0 : vectors.values().iterator().next().length;
        w.write("id");
        for (int i = 0; i < dim; i++) w.write(",v" + i);
        w.write('\n');
        for (Map.Entry<String, float[]> v : vectors.entrySet()) {
          w.write(v.getKey());
          for (float x : v.getValue()) w.write("," + x);
          w.write('\n');
        }
      }
    }
    log.info(String.format("%d reports: %d read from cache, %d distinct texts encoded by the language model, %.1f s%s",
        reports.size(), fromCache, encoded, s, out == null ? "" : "; written to " + out));
    return new Summary(reports.size(), blank, encoded, s, out);
  }
}
