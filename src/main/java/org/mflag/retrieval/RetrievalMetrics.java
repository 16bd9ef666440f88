package org.mflag.retrieval;

import java.util.List;

/**
 * How well retrieval finds what belongs to a query: Recall@K of the query's own (paired) report, and
 * Precision@K by label (BenchX: the share of the top K whose label is the query's).
 */
public final class RetrievalMetrics {

  private RetrievalMetrics() {}

  /** The share of queries whose paired item ranks within the first {@code k} ({@code ranks} are 1-based; 0 = not found). */
  public static double recallAt(int[] ranks, int k) {
    if (ranks.length == 0) return Double.NaN;
    int hit = 0;
    for (int r : ranks) if (r >= 1 && r <= k) hit++;
    return (double) hit / ranks.length;
  }

  /**
   * The mean over queries of the share of their first {@code k} hits that carry the query's label ({@code hitLabels}:
   * each query's hits, best first; fewer than {@code k} hits count as misses). Queries without a label are left out.
   */
  public static double precisionAt(List<String> queryLabels, List<List<String>> hitLabels, int k) {
    double sum = 0;
    int n = 0;
    for (int q = 0; q < queryLabels.size(); q++) {
      String want = queryLabels.get(q);
      if (want == null || want.isEmpty()) continue;
      int same = 0;
      List<String> hits = hitLabels.get(q);
      for (int i = 0; i < Math.min(k, hits.size()); i++) if (want.equals(hits.get(i))) same++;
      sum += (double) same / k;
      n++;
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  /**
   * What {@link #precisionAt} gives in expectation for a random ranking: the mean over labelled queries of the share
   * of {@code candidates} that carry the query's label (the baseline a retrieval must beat).
   */
  public static double chancePrecision(List<String> queryLabels, List<String> candidates) {
    if (candidates.isEmpty()) return Double.NaN;
    java.util.Map<String, Integer> count = new java.util.HashMap<>();
    for (String c : candidates) count.merge(c, 1, Integer::sum);
    double sum = 0;
    int n = 0;
    for (String q : queryLabels) {
      if (q == null || q.isEmpty()) continue;
      sum += (double) count.getOrDefault(q, 0) / candidates.size();
      n++;
    }
    return n == 0 ? Double.NaN : sum / n;
  }
}
