package org.mflag.retrieval;

import java.util.List;

/**
 * How well retrieval finds what belongs to a query: Recall@K of the query's own (paired) report, and
 * Precision@K by label (BenchX: the share of the top K whose label is the query's).
 */
public final class RetrievalMetrics {

  private RetrievalMetrics() {}

  /**
   * Recall@{@code k} of the paired report, in expectation over how ties are broken: query q's paired report scores
   * below {@code above[q]} reports and equal to {@code tied[q]} others, so it lands at each of the {@code tied[q] + 1}
   * places after the first {@code above[q]} with the same chance, and counts as found with chance
   * {@code clamp((k - above) / (tied + 1), 0, 1)}. Exact ties are real: identical vectors score identically (an
   * encoder that maps everything to one point gets chance, not a perfect score).
   */
  public static double recallAt(int[] above, int[] tied, int k) {
    if (above.length != tied.length) throw new IllegalArgumentException(above.length + " ranks and " + tied.length + " tie counts");
    if (above.length == 0) return Double.NaN;
    double sum = 0;
    for (int q = 0; q < above.length; q++) sum += Math.max(0, Math.min(1, (double) (k - above[q]) / (tied[q] + 1)));
    return sum / above.length;
  }

  /**
   * What {@link #recallAt} gives in expectation for a random ranking: query q's paired report takes any of
   * {@code others[q] + 1} places with the same chance.
   */
  public static double chanceRecallAt(int[] others, int k) {
    if (others.length == 0) return Double.NaN;
    double sum = 0;
    for (int o : others) sum += Math.min(1.0, (double) k / (o + 1));
    return sum / others.length;
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

  /**
   * What {@link #precisionAt} gives for the best ranking that ignores the query: the same {@code k} candidates for
   * every query, filled with the labels most queries ask for first (as many as the candidates have). With unbalanced
   * labels this beats {@link #chancePrecision}: a search that returns the majority label for everything finds nothing.
   */
  public static double constantRankingPrecision(List<String> queryLabels, List<String> candidates, int k) {
    java.util.Map<String, Integer> available = new java.util.HashMap<>(), asked = new java.util.HashMap<>();
    for (String c : candidates) available.merge(c, 1, Integer::sum);
    int n = 0;
    for (String q : queryLabels) {
      if (q == null || q.isEmpty()) continue;
      asked.merge(q, 1, Integer::sum);
      n++;
    }
    if (n == 0) return Double.NaN;
    List<java.util.Map.Entry<String, Integer>> order = new java.util.ArrayList<>(asked.entrySet());
    order.sort((a, b) -> Integer.compare(b.getValue(), a.getValue()));
    double sum = 0;
    int left = k;
    for (java.util.Map.Entry<String, Integer> e : order) {
      int take = Math.min(left, available.getOrDefault(e.getKey(), 0));
      sum += (double) e.getValue() / n * take / k;
      left -= take;
    }
    return sum;
  }
}
