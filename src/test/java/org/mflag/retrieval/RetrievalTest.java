package org.mflag.retrieval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.config.KeyValues;
import org.mflag.data.DatasetException;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.infer.AnalysisConfig;
import org.mflag.infer.BatchAnalysis;
import org.mflag.infer.Job;
import org.mflag.infer.ManifestAnalysis;

/** Retrieval: the metrics by hand, the index's search and file, and index + retrieve on the samples. */
public class RetrievalTest {

  @TempDir
  Path tmp;

  @Test
  void recallAndPrecisionByHand() {
    // four queries: first place; third place; 12 above; 1 above and tied with 3 others (places 2..5 alike)
    int[] above = {0, 2, 12, 1}, tied = {0, 0, 0, 3};
    assertEquals((1 + 0 + 0 + 0) / 4.0, RetrievalMetrics.recallAt(above, tied, 1), 1e-12);
    assertEquals((1 + 0 + 0 + 1 / 4.0) / 4, RetrievalMetrics.recallAt(above, tied, 2), 1e-12, "the tied query is 2nd with chance 1/4");
    assertEquals((1 + 1 + 0 + 3 / 4.0) / 4, RetrievalMetrics.recallAt(above, tied, 4), 1e-12);
    assertEquals((1 + 1 + 0 + 1) / 4.0, RetrievalMetrics.recallAt(above, tied, 10), 1e-12);
    assertTrue(Double.isNaN(RetrievalMetrics.recallAt(new int[0], new int[0], 1)));
    // a random ranking puts the paired report among its query's other reports + 1 places alike
    assertEquals((1 / 4.0 + 1.0) / 2, RetrievalMetrics.chanceRecallAt(new int[] {3, 0}, 1), 1e-12);
    assertEquals((2 / 4.0 + 1.0) / 2, RetrievalMetrics.chanceRecallAt(new int[] {3, 0}, 2), 1e-12);
    // query a: 2 of its top 3 are a; query b: 1 of 3 (only 2 hits: the missing one counts as a miss); query "" is left out
    double p = RetrievalMetrics.precisionAt(List.of("a", "b", ""), List.of(List.of("a", "b", "a"), List.of("b", "a"), List.of("x")), 3);
    assertEquals((2 / 3.0 + 1 / 3.0) / 2, p, 1e-12);
    // a random ranking: a matches 2 of 4 candidates, b 1 of 4
    assertEquals((2 / 4.0 + 1 / 4.0) / 2, RetrievalMetrics.chancePrecision(List.of("a", "b", ""), List.of("a", "a", "b", "c")), 1e-12);
    // three of four queries are a: the two a candidates for everyone score 3/4 at k=2; at k=4, a, a, b and c do
    // 3/4 x 2/4 (the a queries) + 1/4 x 1/4 (the b query)
    List<String> queries = List.of("a", "a", "a", "b");
    assertEquals(3 / 4.0, RetrievalMetrics.constantRankingPrecision(queries, List.of("a", "a", "b", "c"), 2), 1e-12);
    assertEquals(3 / 4.0 * 2 / 4 + 1 / 4.0 / 4, RetrievalMetrics.constantRankingPrecision(queries, List.of("a", "a", "b", "c"), 4), 1e-12);
    assertTrue(RetrievalMetrics.constantRankingPrecision(queries, List.of("a", "a", "b", "c"), 2)
        > RetrievalMetrics.chancePrecision(queries, List.of("a", "a", "b", "c")), "unbalanced labels: a constant ranking beats chance");
  }

  private static RetrievalIndex tiny() {
    // four entries in 2-d: images at 0, 45, 90 and 180 degrees; the third has no report
    float s = (float) Math.sqrt(0.5);
    float[] images = {1, 0, s, s, 0, 1, -1, 0};
    float[] reports = {1, 0, 0, 1, 0, 0, s, s};
    return new RetrievalIndex(List.of("a", "b", "c", "d"), List.of("x", "y", "x", ""), List.of("ra", "rb", "", "rd"), images, reports, 2, "m");
  }

  @Test
  void searchRanksByCosineAndSkipsEntriesWithoutReport() {
    RetrievalIndex idx = tiny();
    List<RetrievalIndex.Hit> img = idx.search(new float[] {3, 0}, RetrievalIndex.Side.IMAGES, 3);
    assertEquals(List.of("a", "b", "c"), List.of(img.get(0).id, img.get(1).id, img.get(2).id));
    assertEquals(1.0, img.get(0).similarity, 1e-6);
    assertEquals(Math.sqrt(0.5), img.get(1).similarity, 1e-6);
    List<RetrievalIndex.Hit> rep = idx.search(new float[] {0, 2}, RetrievalIndex.Side.REPORTS, 10);
    assertEquals(3, rep.size(), "c has no report");
    assertEquals("b", rep.get(0).id);
    assertEquals("rb", rep.get(0).report);
    assertEquals("d", rep.get(1).id);
  }

  @Test
  void pairedRankCountsIdenticalTextAsFoundAndOtherTiesAsTies() {
    // five reports in 2-d; b and c are the same words (a patient's repeated note), d and e point where a does
    float s = (float) Math.sqrt(0.5);
    float[] v = {1, 0, 0, 1, 0, 1, 1, 0, 1, 0};
    RetrievalIndex idx = new RetrievalIndex(List.of("a", "b", "c", "d", "e"), List.of("", "", "", "", ""),
        List.of("ra", "same", "same", "rd", "re"), v.clone(), v, 2, "m");
    // query near b: c scores as b does but has b's text, so b is first with nothing tied
    assertArrayEquals(new int[] {0, 0, 3}, idx.pairedRank(new float[] {s / 4, s}, 1), "above, tied, other reports");
    // query at a: d and e tie with a exactly; b and c lie below
    assertArrayEquals(new int[] {0, 2, 4}, idx.pairedRank(new float[] {1, 0}, 0));
    assertArrayEquals(new int[] {2, 2, 4}, idx.pairedRank(new float[] {0, 1}, 0));
    // an encoder that maps every report to one point ranks at chance, not first
    float[] collapsed = {1, 0, 1, 0, 1, 0, 1, 0};
    RetrievalIndex one = new RetrievalIndex(List.of("a", "b", "c", "d"), List.of("", "", "", ""), List.of("1", "2", "3", "4"),
        collapsed.clone(), collapsed, 2, "m");
    int[] r = one.pairedRank(new float[] {1, 0}, 2);
    assertEquals(0.25, RetrievalMetrics.recallAt(new int[] {r[0]}, new int[] {r[1]}, 1), 1e-12, "1 of 4 equal places");
  }

  @Test
  void indexFileRoundTripsAndRefusesChanges() throws Exception {
    RetrievalIndex idx = tiny();
    Path f = tmp.resolve("i.npz");
    idx.save(f);
    RetrievalIndex back = RetrievalIndex.load(f);
    assertEquals(idx.ids(), back.ids());
    assertEquals(idx.labels(), back.labels());
    assertEquals("m", back.model());
    assertEquals("rd", back.search(new float[] {1, 1}, RetrievalIndex.Side.REPORTS, 1).get(0).report);
    byte[] b = Files.readAllBytes(f);
    b[200] ^= 1; // inside the first matrix
    Path bad = Files.write(tmp.resolve("bad.npz"), b);
    IOException e = assertThrows(IOException.class, () -> RetrievalIndex.load(bad));
    assertTrue(e.getMessage().contains("bad.npz"), e.getMessage());
    Path notIndex = Files.write(tmp.resolve("x.npz"), new byte[] {1, 2, 3});
    assertThrows(IOException.class, () -> RetrievalIndex.load(notIndex));
  }

  @Test
  void indexAndRetrieveOnTheSamples() throws Exception {
    Path pre = TestData.pretrained();
    Path index = tmp.resolve("samples.npz");
    Retrieval.index(IndexConfig.of(KeyValues.parse("index", Retrieval.INDEX_KEYS, List.of("model=" + pre, "manifest=" + TestData.manifest(),
        "output=" + index, "label_column=view", "cache_dir=" + TestData.cacheDir()))), new ImageFileDecoder(), TestData.log(), () -> false);
    assertEquals(48, RetrievalIndex.load(index).size());
    Path out = tmp.resolve("retrieved");
    Map<String, Double> m = Retrieval.retrieve(RetrieveConfig.of(KeyValues.parse("retrieve", Retrieval.RETRIEVE_KEYS, List.of("model=" + pre,
        "index=" + index, "manifest=" + TestData.manifest(), "output=" + out, "label_column=view", "k=5"))), new ImageFileDecoder(), TestData.log(), () -> false);
    assertEquals(48, m.get("paired_queries"), 0.0, "every sample has a report");
    assertTrue(m.get("report_recall_at_1") <= m.get("report_recall_at_5") && m.get("report_recall_at_5") <= m.get("report_recall_at_10"));
    assertTrue(m.get("image_precision_at_5") >= 0 && m.get("image_precision_at_5") <= 1);
    List<String> lines = Files.readAllLines(out.resolve("results.csv"));
    assertEquals(1 + 48 * (5 + 5), lines.size(), "5 reports and 5 other images per query");
    assertTrue(Files.readString(out.resolve("metrics.json")).contains("report_recall_at_10"));
  }

  @Test
  void anEmbedRunFeedsTheIndexAndProjectionsOfAnotherModelAreRefused() throws Exception {
    Path pre = TestData.pretrained();
    Path direct = tmp.resolve("direct.npz");
    RetrievalIndex a = Retrieval.index(indexKeys(pre, direct), new ImageFileDecoder(), TestData.log(), () -> false);
    Path embed = tmp.resolve("embed");
    ManifestAnalysis.run(AnalysisConfig.of(Job.EMBED, KeyValues.parse("embed", AnalysisConfig.keys(Job.EMBED), List.of("model=" + pre,
        "manifest=" + TestData.manifest(), "output=" + embed))), new ImageFileDecoder(), TestData.log(), () -> false);
    RetrievalIndex b = Retrieval.index(indexKeys(pre, tmp.resolve("fed.npz"), "embeddings=" + embed), new ImageFileDecoder(), TestData.log(),
        () -> false);
    assertSameIndex(a, b);

    // spark-embed format=csv writes part files (with a header each) in results-csv/
    Path parts = Files.createDirectories(tmp.resolve("spark-out/results-csv"));
    List<String> lines = Files.readAllLines(embed.resolve(ManifestAnalysis.RESULTS));
    Files.write(parts.resolve("part-00000-abc-c000.csv"), lines.subList(0, 20));
    List<String> rest = new java.util.ArrayList<>(List.of(lines.get(0)));
    rest.addAll(lines.subList(20, lines.size()));
    Files.write(parts.resolve("part-00001-abc-c000.csv"), rest);
    assertSameIndex(a, Retrieval.index(indexKeys(pre, tmp.resolve("parts.npz"), "embeddings=" + parts.getParent()), new ImageFileDecoder(),
        TestData.log(), () -> false));

    // a row left out of the embeddings leaves its image out; the projections of another model are refused by name
    Path fewer = Files.createDirectories(tmp.resolve("fewer"));
    Files.write(fewer.resolve(ManifestAnalysis.RESULTS), lines.subList(0, lines.size() - 1));
    assertEquals(47, Retrieval.index(indexKeys(pre, tmp.resolve("fewer.npz"), "embeddings=" + fewer), new ImageFileDecoder(), TestData.log(),
        () -> false).size());
    Path other = Files.createDirectories(tmp.resolve("other"));
    StringBuilder swapped = new StringBuilder(lines.get(0)).append('\n');
    // every projection replaced by the next row's: what an embed run of another model looks like to the index
    for (int i = 1; i < lines.size(); i++) {
      String mine = lines.get(i), next = lines.get(i % (lines.size() - 1) + 1);
      swapped.append(mine, 0, mine.lastIndexOf(',') + 1).append(next.substring(next.lastIndexOf(',') + 1)).append('\n');
    }
    Files.writeString(other.resolve(ManifestAnalysis.RESULTS), swapped);
    DatasetException e = assertThrows(DatasetException.class, () -> Retrieval.index(indexKeys(pre, tmp.resolve("other.npz"),
        "embeddings=" + other), new ImageFileDecoder(), TestData.log(), () -> false));
    assertTrue(e.getMessage().contains(other.toString()) && e.getMessage().contains("another model"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("other.npz")));
    // Parquet results need Spark, and the error says which command reads them
    Path parquet = Files.createDirectories(tmp.resolve("pq/results.parquet"));
    e = assertThrows(DatasetException.class, () -> Retrieval.index(indexKeys(pre, tmp.resolve("pq.npz"), "embeddings=" + parquet.getParent()),
        new ImageFileDecoder(), TestData.log(), () -> false));
    assertTrue(e.getMessage().contains("spark-index"), e.getMessage());
  }

  private static IndexConfig indexKeys(Path model, Path output, String... more) {
    List<String> v = new java.util.ArrayList<>(List.of("model=" + model, "manifest=" + TestData.manifest(), "output=" + output,
        "label_column=view", "cache_dir=" + TestData.cacheDir()));
    v.addAll(List.of(more));
    return IndexConfig.of(KeyValues.parse("index", Retrieval.INDEX_KEYS, v));
  }

  /** The same entries with the same vectors on both sides (within float rounding of batched inference). */
  public static void assertSameIndex(RetrievalIndex a, RetrievalIndex b) {
    assertEquals(a.ids(), b.ids());
    assertEquals(a.labels(), b.labels());
    for (int i = 0; i < a.size(); i++) {
      for (RetrievalIndex.Side side : RetrievalIndex.Side.values()) {
        float[] x = a.vector(side, i), y = b.vector(side, i);
        for (int j = 0; j < x.length; j++) assertEquals(x[j], y[j], 1e-4, a.ids().get(i) + " " + side + " [" + j + "]");
      }
    }
  }
}
