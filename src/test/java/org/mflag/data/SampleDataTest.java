package org.mflag.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.text.PrecomputedEmbeddings;
import org.mflag.text.Report;
import org.mflag.text.ReportEmbedder;
import org.mflag.text.TextModels;

/** M-FLAG Sample Data: the samples out of the plugin's resources, byte for byte, without overwriting anything. */
class SampleDataTest {

  @Test
  void theSamplesAreWrittenAsTheRepositoryHoldsThemAndNothingIsOverwritten(@TempDir Path dir) throws Exception {
    Path repo = TestData.manifest().toAbsolutePath().getParent();
    Path out = dir.resolve("my samples");
    Path manifest = SampleData.write(out, TestData.log());
    assertEquals(out.resolve("manifest.csv"), manifest);
    Manifest m = Manifest.read(manifest, "id", "image");
    assertEquals(48, m.size());
    List<String> files = new ArrayList<>(SampleData.FILES);
    for (Manifest.Row r : m.rows()) {
      files.add(r.get("image"));
      files.add(r.get("mask"));
    }
    for (String f : files) assertArrayEquals(Files.readAllBytes(repo.resolve(f)), Files.readAllBytes(out.resolve(f)), f);
    assertEquals(out.resolve(m.rows().get(0).get("image")), SampleData.firstImage(manifest));

    // again: kept as they are; a folder holding other files under the samples' names is refused before any write
    SampleData.write(out, TestData.log());
    Files.writeString(out.resolve("README.md"), "my own notes");
    Files.delete(out.resolve(m.rows().get(1).get("image")));
    IOException e = assertThrows(IOException.class, () -> SampleData.write(out, TestData.log()));
    assertTrue(e.getMessage().contains("README.md") && e.getMessage().contains("choose another output"), e.getMessage());
    assertEquals("my own notes", Files.readString(out.resolve("README.md")));
    assertFalse(Files.exists(out.resolve(m.rows().get(1).get("image"))), "nothing was written");
  }

  /**
   * The shipped report-embeddings.csv is the default BERT's embedding of every sample report (within fp32 rounding of the
   * CPU's kernels), so pre-training on it is pre-training with BERT.
   */
  @Test
  void theShippedReportEmbeddingsAreTheDefaultLanguageModels() throws Exception {
    Path repo = TestData.manifest().toAbsolutePath().getParent();
    Manifest m = Manifest.read(TestData.manifest(), "id", "image");
    List<Report> reports = new ArrayList<>();
    for (Manifest.Row r : m.rows()) reports.add(new Report(r.id(), r.get("report")));
    Map<String, float[]> shipped;
    try (PrecomputedEmbeddings p = PrecomputedEmbeddings.read(repo.resolve("report-embeddings.csv"))) {
      shipped = p.embed(reports);
    }
    try (ReportEmbedder bert = TextModels.open(TextModels.DEFAULT, TestData.cacheDir(), TestData.log())) {
      Map<String, float[]> computed = bert.embed(reports);
      // written on an AVX2 CPU; oneDNN's AVX-512 kernels sum in another order: fp32 rounding, 3e-6 seen on an AMD Zen 5
      for (Report r : reports) assertArrayEquals(computed.get(r.id), shipped.get(r.id), 1e-4f, r.id);
    }
  }
}
