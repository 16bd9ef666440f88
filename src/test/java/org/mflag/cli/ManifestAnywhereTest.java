package org.mflag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.data.Manifest;

/**
 * A user's manifest in a project folder of its own, naming the images where they are kept (by absolute path, and
 * through a link to "scratch" that leads out of the project), trains (pre-training and fine-tuning) and segments
 * through the launcher, with nothing copied next to it.
 */
@Tag("slow")
class ManifestAnywhereTest {

  @Test
  void aManifestInAProjectFolderTrainsAndSegmentsImagesKeptElsewhere(@TempDir Path tmp) throws Exception {
    Path archive = TestData.manifest().toAbsolutePath().getParent(); // samples/cxr: the "archive", never written
    Path scratch = Files.createSymbolicLink(Files.createDirectories(tmp.resolve("scratch")).resolve("cxr"), archive);
    Path project = Files.createDirectories(tmp.resolve("project"));
    StringBuilder csv = new StringBuilder("id,image,mask,report\n");
    Manifest samples = Manifest.read(TestData.manifest(), "id", "image");
    for (Manifest.Row r : samples.rows()) {
      // half by absolute path into the archive, half through the link (relative to the project: ../scratch/cxr/...)
      String image = r.index() % 2 == 0 ? archive.resolve(r.get("image")).toString() : "../scratch/cxr/" + r.get("image");
      String mask = r.index() % 2 == 0 ? scratch.resolve(r.get("mask")).toString() : archive.resolve(r.get("mask")).toString();
      csv.append(r.id()).append(',').append(image).append(',').append(mask).append(',').append(Manifest.csvField(r.get("report"))).append('\n');
    }
    Path manifest = Files.writeString(project.resolve("manifest.csv"), csv);
    List<String> before = listing(archive);

    assertEquals(0, Main.run(new String[] {"pretrain", "manifest=" + manifest, "output=" + project.resolve("pretrained"), "encoder=resnet18",
        "image_size=64", "batch_size=8", "epochs=1", "max_steps=2", "seed=1", "log_every=100", "cache_dir=" + TestData.cacheDir()}));
    Path segmenter = project.resolve("segmenter");
    assertEquals(0, Main.run(new String[] {"finetune-segmenter", "manifest=" + manifest, "encoder_model=random", "encoder=resnet18",
        "output=" + segmenter, "image_size=64", "batch_size=8", "epochs=1", "log_every=100"}));
    Path out = project.resolve("segmented");
    assertEquals(0, Main.run(new String[] {"segment", "model=" + segmenter, "manifest=" + manifest, "output=" + out}));

    try (CSVParser p = CSVParser.parse(Files.readString(out.resolve("results.csv"), StandardCharsets.UTF_8),
        CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get())) {
      List<CSVRecord> rows = p.getRecords();
      assertEquals(samples.size(), rows.size());
      for (CSVRecord r : rows) assertEquals("ok", r.get("status"), r.toMap().toString());
    }
    try (java.util.stream.Stream<Path> masks = Files.list(out.resolve("masks"))) {
      assertEquals(samples.size(), masks.count());
    }
    assertEquals(before, listing(archive), "nothing was written into the archive");
  }

  private static List<String> listing(Path dir) throws java.io.IOException {
    try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
      return s.map(p -> dir.relativize(p).toString()).sorted().collect(java.util.stream.Collectors.toList());
    }
  }
}
