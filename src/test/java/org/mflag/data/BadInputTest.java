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
    m.append("g9,../outside.png,beside the dataset: a manifest names files anywhere\n");
    m.append("b8,,no image at all\n");
    // links are followed, inside the dataset or out of it (a manifest is the user's own)
    Files.createSymbolicLink(images.resolve("inner-link.png"), images.resolve("good0.png"));
    m.append("g8,images/inner-link.png,link inside the dataset\n");
    Files.createSymbolicLink(images.resolve("escape.png"), dir.resolve("outside.png"));
    m.append("g10,images/escape.png,linked file leading out\n");
    Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
    Files.copy(samples.get(4), elsewhere.resolve("x.png"));
    Files.createSymbolicLink(dir.resolve("data").resolve("linked"), elsewhere);
    m.append("g11,linked/x.png,linked sub-folder leading out\n");
    // images with no usable signal
    new ij.io.FileSaver(new ij.ImagePlus("one", new ij.process.ByteProcessor(1, 1))).saveAsPng(images.resolve("one.png").toString());
    m.append("b11,images/one.png,a single pixel\n");
    ij.process.ByteProcessor flat = new ij.process.ByteProcessor(64, 64);
    flat.setValue(77);
    flat.fill();
    new ij.io.FileSaver(new ij.ImagePlus("flat", flat)).saveAsPng(images.resolve("flat.png").toString());
    m.append("b12,images/flat.png,constant grey\n");
    float[] nan = new float[32 * 32];
    java.util.Arrays.fill(nan, Float.NaN);
    new ij.io.FileSaver(new ij.ImagePlus("nan", new ij.process.FloatProcessor(32, 32, nan))).saveAsTiff(images.resolve("nan.tif").toString());
    m.append("b13,images/nan.tif,all NaN\n");
    float[] inf = ramp32(32 * 32);
    inf[5] = Float.POSITIVE_INFINITY;
    inf[9] = Float.NEGATIVE_INFINITY;
    new ij.io.FileSaver(new ij.ImagePlus("inf", new ij.process.FloatProcessor(32, 32, inf))).saveAsTiff(images.resolve("inf.tif").toString());
    m.append("b14,images/inf.tif,two infinite pixels\n");
    m.append("b15,\"images/good1\u0000.png\",NUL in the path\n");
    return Files.write(dir.resolve("data").resolve("manifest.csv"), m.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static float[] ramp32(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = i * 0.5f;
    return v;
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
    assertEquals(12, d.size());
    List<String> reasons = new ArrayList<>();
    for (SkippedPair s : d.skipped()) reasons.add(s.id + " " + s.reason);
    assertEquals(12, d.skipped().size(), reasons.toString());
    Map<String, String> expect = new java.util.HashMap<>(Map.of("b1", "cannot be decoded", "b2", "empty file", "b3", "not an image",
        "b4", "file not found", "b5", "empty report", "b6", "empty report", "b8", "no image path"));
    expect.putAll(Map.of("b11", "1x1 pixels, too small", "b12", "every pixel has the value 77", "b13", "1024 of 1024 pixels are not finite",
        "b14", "2 of 1024 pixels are not finite", "b15", "control characters"));
    for (SkippedPair s : d.skipped()) {
      assertTrue(s.reason.contains(expect.get(s.id)), s.describe());
    }
    Path list = d.writeSkipList(dir.resolve("skipped.csv"));
    List<String> lines = Files.readAllLines(list);
    assertEquals(13, lines.size());
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
    // one worker, so that two rows naming one file meet its entry in order
    java.util.function.Supplier<PairDataset> run = () -> {
      try {
        return PairDataset.open(Manifest.read(manifest, "id", "image"),
            PairDataset.Options.storedSize(73).optCache(cache).optWorkers(1), counting, TestData.log());
      } catch (DatasetException e) {
        throw new IllegalStateException(e);
      }
    };
    PairDataset first = run.get();
    int firstDecodes = decoded.get();
    // 12 good rows name 10 files (a link inside, and one leading out, name files other rows name too: one entry
    // each), and the 7 unreadable or signal-less files are tried every run
    assertEquals(10 + 7, firstDecodes);
    assertEquals(12, first.size());
    PairDataset second = run.get();
    assertEquals(firstDecodes + 7, decoded.get());
    for (int i = 0; i < first.size(); i++) assertTrue(java.util.Arrays.equals(first.image(i), second.image(i)));
    Path changed = manifest.getParent().resolve("images").resolve("good0.png");
    Files.setLastModifiedTime(changed, FileTime.fromMillis(Files.getLastModifiedTime(changed).toMillis() + 5000));
    run.get();
    assertEquals(firstDecodes + 7 + 1 + 7, decoded.get()); // the touched image once (its link meets the new entry), plus the 7 unusable
    // a link pointed at another file is another entry, never the old file's pixels
    Path link = manifest.getParent().resolve("images").resolve("inner-link.png");
    byte[] before = first.image(indexOf(first, "g8"));
    Files.delete(link);
    Files.createSymbolicLink(link, manifest.getParent().resolve("images").resolve("good1.png"));
    PairDataset relinked = run.get();
    assertTrue(java.util.Arrays.equals(relinked.image(indexOf(relinked, "g1")), relinked.image(indexOf(relinked, "g8"))));
    assertTrue(!java.util.Arrays.equals(before, relinked.image(indexOf(relinked, "g8"))));
    int beforeOther = decoded.get();
    PairDataset other = PairDataset.open(Manifest.read(manifest, "id", "image"), PairDataset.Options.storedSize(80).optCache(cache)
        .optWorkers(1), counting, TestData.log());
    assertEquals(beforeOther + 10 + 7, decoded.get()); // another stored size: every file again
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
    assertEquals(3, r.step); // 12 good pairs, batch 4
    List<String> skipped = Files.readAllLines(out.resolve("skipped.csv"));
    assertEquals(13, skipped.size());
    assertNotNull(org.mflag.model.ModelPackage.open(out));
  }

  private static int indexOf(PairDataset d, String id) {
    for (int i = 0; i < d.size(); i++) if (d.pairs().get(i).id.equals(id)) return i;
    throw new AssertionError("no pair " + id);
  }
}
