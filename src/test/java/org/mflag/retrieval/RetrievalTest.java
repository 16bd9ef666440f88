package org.mflag.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.mflag.imageio.ImageFileDecoder;

/** Retrieval: the metrics by hand, the index's search and file, and index + retrieve on the samples. */
class RetrievalTest {

  @TempDir
  Path tmp;

  @Test
  void recallAndPrecisionByHand() {
    int[] ranks = {1, 3, 0, 12, 5};
    assertEquals(1 / 5.0, RetrievalMetrics.recallAt(ranks, 1), 1e-12);
    assertEquals(3 / 5.0, RetrievalMetrics.recallAt(ranks, 5), 1e-12, "ranks 1, 3 and 5; 0 = not found");
    assertEquals(3 / 5.0, RetrievalMetrics.recallAt(ranks, 10), 1e-12);
    assertTrue(Double.isNaN(RetrievalMetrics.recallAt(new int[0], 1)));
    // query a: 2 of its top 3 are a; query b: 1 of 3 (only 2 hits: the missing one counts as a miss); query "" is left out
    double p = RetrievalMetrics.precisionAt(List.of("a", "b", ""), List.of(List.of("a", "b", "a"), List.of("b", "a"), List.of("x")), 3);
    assertEquals((2 / 3.0 + 1 / 3.0) / 2, p, 1e-12);
    // a random ranking: a matches 2 of 4 candidates, b 1 of 4
    assertEquals((2 / 4.0 + 1 / 4.0) / 2, RetrievalMetrics.chancePrecision(List.of("a", "b", ""), List.of("a", "a", "b", "c")), 1e-12);
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
    Retrieval.index(KeyValues.parse("index", Retrieval.INDEX_KEYS, List.of("model=" + pre, "manifest=" + TestData.manifest(),
        "output=" + index, "label_column=view", "cache_dir=" + TestData.cacheDir())), new ImageFileDecoder(), TestData.log(), () -> false);
    assertEquals(48, RetrievalIndex.load(index).size());
    Path out = tmp.resolve("retrieved");
    Map<String, Double> m = Retrieval.retrieve(KeyValues.parse("retrieve", Retrieval.RETRIEVE_KEYS, List.of("model=" + pre, "index=" + index,
        "manifest=" + TestData.manifest(), "output=" + out, "label_column=view", "k=5")), new ImageFileDecoder(), TestData.log(), () -> false);
    assertEquals(48, m.get("paired_queries"), 0.0, "every sample has a report");
    assertTrue(m.get("report_recall_at_1") <= m.get("report_recall_at_5") && m.get("report_recall_at_5") <= m.get("report_recall_at_10"));
    assertTrue(m.get("image_precision_at_5") >= 0 && m.get("image_precision_at_5") <= 1);
    List<String> lines = Files.readAllLines(out.resolve("results.csv"));
    assertEquals(1 + 48 * (5 + 5), lines.size(), "5 reports and 5 other images per query");
    assertTrue(Files.readString(out.resolve("metrics.json")).contains("report_recall_at_10"));
  }
}
