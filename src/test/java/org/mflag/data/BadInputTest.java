package org.mflag.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.TestFiles;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.train.PretrainConfig;
import org.mflag.train.Pretrainer;
import org.mflag.train.TrainingListener;
import org.mflag.train.TrainingResult;

/** A folder as hospitals hand it over: good pairs among broken files, empty reports and stray paths. */
class BadInputTest {

  /** Writes 8 good pairs and 8 bad ones into {@code dir}; returns the manifest. */
  static Path messyFolder(Path dir) throws Exception {
    Path images = Files.createDirectories(dir.resolve("data").resolve("images"));
    List<Path> samples = new ArrayList<>();
    try (java.util.stream.Stream<Path> s = Files.list(TestData.manifest().getParent().resolve("images"))) {
      s.sorted().limit(6).forEach(samples::add);
    }
    StringBuilder m = new StringBuilder("id,image,report\n");
    for (int i = 0; i < samples.size(); i++) {
      Files.copy(samples.get(i), images.resolve("good" + i + ".png"));
      m.append("g").append(i).append(",images/good").append(i).append(".png,Clear lungs number ").append(i).append('\n');
    }
    TestFiles.dicom(images.resolve("cr.dcm"), 64, 64, ramp(64 * 64), "MONOCHROME1", 1, 0);
    m.append("g6,images/cr.dcm,Portable chest DICOM\n");
    TestFiles.rgbJpeg(images.resolve("rgb.jpg"), 80, 80);
    m.append("g7,images/rgb.jpg,RGB export of a chest film\n");
    TestFiles.truncated(samples.get(0), images.resolve("cut.png"));
    m.append("b1,images/cut.png,truncated download\n");
    Files.write(images.resolve("zero.png"), new byte[0]);
    m.append("b2,images/zero.png,zero bytes\n");
    Files.writeString(images.resolve("notes.png"), "radiology notes, not pixels");
    m.append("b3,images/notes.png,text named png\n");
    m.append("b4,images/missing.png,file never arrived\n");
    m.append("b5,images/good1.png,\n");
    m.append("b6,images/good2.png,\" ... \"\n");
    Files.copy(samples.get(3), dir.resolve("outside.png"));
    m.append("b7,../outside.png,path escapes the dataset\n");
    m.append("b8,,no image at all\n");
    return Files.write(dir.resolve("data").resolve("manifest.csv"), m.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static int[] ramp(int n) {
    int[] v = new int[n];
    for (int i = 0; i < n; i++) v[i] = (i * 37) % 4096;
    return v;
  }

  private static PairDataset open(Path manifest, BadInputPolicy policy, PreprocessedCache cache, ImageDecoder dec)
      throws DatasetException {
    return PairDataset.open(Manifest.read(manifest, "id", "image"),
        PairDataset.Options.storedSize(73).optOnBadInput(policy).optCache(cache), dec, TestData.log());
  }

  @Test
  void badPairsAreSkippedByNameAndTheGoodOnesKept(@TempDir Path dir) throws Exception {
    Path manifest = messyFolder(dir);
    PairDataset d = open(manifest, BadInputPolicy.SKIP, null, new ImageFileDecoder());
    assertEquals(8, d.size());
    List<String> reasons = new ArrayList<>();
    for (SkippedPair s : d.skipped()) reasons.add(s.id + " " + s.reason);
    assertEquals(8, d.skipped().size(), reasons.toString());
    Map<String, String> expect = Map.of("b1", "cannot be decoded", "b2", "empty file", "b3", "not an image",
        "b4", "file not found", "b5", "empty report", "b6", "empty report", "b7", "outside the manifest's folder",
        "b8", "no image path");
    for (SkippedPair s : d.skipped()) {
      assertTrue(s.reason.contains(expect.get(s.id)), s.describe());
    }
    Path list = d.writeSkipList(dir.resolve("skipped.csv"));
    List<String> lines = Files.readAllLines(list);
    assertEquals(9, lines.size());
    assertTrue(lines.get(1).startsWith("9,b1,images/cut.png,"), lines.get(1));
    for (int i = 0; i < d.size(); i++) assertEquals(73 * 73, d.image(i).length);
  }

  @Test
  void failPolicyStopsAtTheFirstBadPairAndNothingUsableIsAnError(@TempDir Path dir) throws Exception {
    Path manifest = messyFolder(dir);
    DatasetException e = assertThrows(DatasetException.class, () -> open(manifest, BadInputPolicy.FAIL, null, new ImageFileDecoder()));
    assertTrue(e.getMessage().contains("on_bad_input=fail") && e.getMessage().contains("images/missing.png"), e.getMessage());
    Path allBad = Files.writeString(dir.resolve("data").resolve("bad.csv"), "id,image,report\nx,images/zero.png,a\ny,images/none.png,b\n");
    DatasetException none = assertThrows(DatasetException.class, () -> open(allBad, BadInputPolicy.SKIP, null, new ImageFileDecoder()));
    assertTrue(none.getMessage().contains("no usable image-report pair") && none.getMessage().contains("bad.csv"), none.getMessage());
  }

  @Test
  void preprocessingIsCachedAndInvalidatedByChanges(@TempDir Path dir) throws Exception {
    Path manifest = messyFolder(dir);
    AtomicInteger decoded = new AtomicInteger();
    ImageFileDecoder ij = new ImageFileDecoder();
    ImageDecoder counting = new ImageDecoder() {
      @Override
      public GrayImage read(Path file) throws DatasetException {
        decoded.incrementAndGet();
        return ij.read(file);
      }

      @Override
      public GrayImage read(Path file, int target) throws DatasetException {
        decoded.incrementAndGet();
        return ij.read(file, target);
      }
    };
    PreprocessedCache cache = new PreprocessedCache(dir.resolve("cache"));
    PairDataset first = open(manifest, BadInputPolicy.SKIP, cache, counting);
    int firstDecodes = decoded.get();
    assertEquals(8 + 3, firstDecodes); // 8 good images and the 3 unreadable files (tried every run)
    PairDataset second = open(manifest, BadInputPolicy.SKIP, cache, counting);
    assertEquals(firstDecodes + 3, decoded.get());
    for (int i = 0; i < first.size(); i++) assertTrue(java.util.Arrays.equals(first.image(i), second.image(i)));
    Path changed = manifest.getParent().resolve("images").resolve("good0.png");
    Files.setLastModifiedTime(changed, FileTime.fromMillis(Files.getLastModifiedTime(changed).toMillis() + 5000));
    open(manifest, BadInputPolicy.SKIP, cache, counting);
    assertEquals(firstDecodes + 3 + 4, decoded.get()); // the touched image again, plus the 3 unreadable
    PairDataset other = PairDataset.open(Manifest.read(manifest, "id", "image"), PairDataset.Options.storedSize(80).optCache(cache),
        counting, TestData.log());
    assertEquals(firstDecodes + 7 + 11, decoded.get()); // another stored size: everything again
    assertEquals(80 * 80, other.image(0).length);
  }

  @Tag("slow")
  @Test
  void aRunOnAMessyFolderTrainsOnTheGoodPairsAndListsTheRest(@TempDir Path dir) throws Exception {
    Path manifest = messyFolder(dir);
    Path out = dir.resolve("out");
    PretrainConfig cfg = TestData.smallRun(out).setManifest(manifest).optBatchSize(4).optEpochs(1)
        .optCacheDir(dir.resolve("cache")).build();
    // the report embeddings come from the shared test cache only if the text was seen; these are new: BERT runs
    TrainingResult r = new Pretrainer(cfg, new ImageFileDecoder(), TestData.log()).run(new TrainingListener() {}, () -> false);
    assertEquals(TrainingResult.Outcome.COMPLETED, r.outcome);
    assertEquals(2, r.step); // 8 good pairs, batch 4
    List<String> skipped = Files.readAllLines(out.resolve("skipped.csv"));
    assertEquals(9, skipped.size());
    assertNotNull(org.mflag.model.ModelPackage.open(out));
  }
}
