package org.mflag.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mflag.data.Manifest;
import org.mflag.io.Archives;
import org.mflag.text.Report;
import org.mflag.text.ReportEmbedder;
import org.mflag.text.TextModels;
import org.scijava.log.Logger;

/**
 * The frozen language model over two epochs of the same reports, with an embedding cache that starts
 * empty: the first epoch encodes every report (after the model is loaded, which is timed apart on the
 * first report), the second should only read the cache. Reports embeddings per second in the first
 * epoch and how many times faster the second is.
 */
final class EmbeddingBenchmark {

  static final class Result {
    int reports;
    double modelLoadSeconds;
    double firstEpochSeconds;
    double embeddingsPerSecond;
    double secondEpochSeconds;
    double firstOverSecond;
  }

  private EmbeddingBenchmark() {}

  static Result run(Path manifest, String idColumn, String textColumn, int maxReports, String textModel, Path cacheDir, Logger log)
      throws Exception {
    Manifest m = Manifest.read(manifest, idColumn, "");
    List<Report> reports = new ArrayList<>();
    for (Manifest.Row r : m.rows()) {
      String text = r.get(textColumn);
      if (text != null && !text.isBlank() && reports.size() < maxReports) reports.add(new Report(r.id(), text));
    }
    if (reports.isEmpty()) throw new IllegalArgumentException(manifest + ": no reports in column " + textColumn);
    Path embeddings = Files.createTempDirectory("mflag-bench-embeddings");
    Result res = new Result();
    res.reports = reports.size();
    try (ReportEmbedder lm = TextModels.open(textModel, cacheDir, embeddings, log)) {
      long t0 = System.nanoTime();
      lm.embed(reports.subList(0, 1)); // loads the model
      res.modelLoadSeconds = (System.nanoTime() - t0) / 1e9;
      long t1 = System.nanoTime();
      lm.embed(reports); // the first epoch: all but one report encoded
      res.firstEpochSeconds = (System.nanoTime() - t1) / 1e9;
      long t2 = System.nanoTime();
      lm.embed(reports);
      res.secondEpochSeconds = (System.nanoTime() - t2) / 1e9;
    } finally {
      Archives.deleteTree(embeddings);
    }
    res.embeddingsPerSecond = (res.reports - 1) / res.firstEpochSeconds;
    res.firstOverSecond = res.firstEpochSeconds / res.secondEpochSeconds;
    return res;
  }
}
