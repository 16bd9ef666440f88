package org.mflag.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.process.ByteProcessor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.TestFiles;
import org.mflag.imageio.ImageFileDecoder;

/** Valid but unusual images are read with the right values; broken ones fail with the file named. */
class DecoderTest {

  private final ImageFileDecoder decoder = new ImageFileDecoder();

  @Test
  void dicomMonochrome1WithRescaleGetsTheUsualPolarityAndUnits(@TempDir Path dir) throws Exception {
    // MONOCHROME1: low stored values are white. Bone (stored 100) must come out brighter than air (4000).
    int[] stored = {4000, 4000, 100, 100, 4000, 2000, 100, 50};
    Path f = TestFiles.dicom(dir.resolve("cr.dcm"), 4, 2, stored, "MONOCHROME1", 2, -1024);
    GrayImage g = decoder.read(f);
    assertEquals(4, g.width());
    assertEquals(2, g.height());
    // rescaled: v = 2 * stored - 1024, in [-924, 6976]; inverted within that range: max + min - v
    float min = 2 * 50 - 1024, max = 2 * 4000 - 1024;
    for (int i = 0; i < stored.length; i++) assertEquals(max + min - (2f * stored[i] - 1024), g.pixels()[i], 1e-3f, "pixel " + i);
    assertTrue(g.pixels()[2] > g.pixels()[0], "bone brighter than air");

    Path m2 = TestFiles.dicom(dir.resolve("dx.dcm"), 4, 2, stored, "MONOCHROME2", 1, 0);
    assertEquals(4000f, decoder.read(m2).pixels()[0]);
  }

  @Test
  void rgbBecomesGreyAndLargeJpegsAreDecodedSubsampled(@TempDir Path dir) throws Exception {
    GrayImage rgb = decoder.read(TestFiles.rgbJpeg(dir.resolve("rgb.jpg"), 64, 48));
    assertEquals(64, rgb.width());
    assertEquals(60f, rgb.get(2, 2), 3f); // (90 + 60 + 30) / 3, up to JPEG error
    assertEquals(240f, rgb.get(32, 24), 3f);

    Path big = TestFiles.rgbJpeg(dir.resolve("big.jpg"), 3000, 2400);
    GrayImage sub = decoder.read(big, 146); // needs only ~2 x 146: decoded every 8th pixel
    assertEquals(375, sub.width());
    assertEquals(300, sub.height());
    assertEquals(240f, sub.get(187, 150), 3f);
    assertEquals(3000, decoder.read(big).width()); // without a target size: full resolution
  }

  @Test
  void brokenFilesFailWithTheFileAndTheReason(@TempDir Path dir) throws Exception {
    Path sample = Files.list(TestData.manifest().getParent().resolve("images")).sorted().findFirst().get();
    String truncated = assertThrows(DatasetException.class,
        () -> decoder.read(TestFiles.truncated(sample, dir.resolve("cut.png")))).getMessage();
    assertTrue(truncated.contains("cut.png") && truncated.contains("cannot be decoded"), truncated);
    String empty = assertThrows(DatasetException.class, () -> decoder.read(Files.write(dir.resolve("zero.png"), new byte[0]))).getMessage();
    assertTrue(empty.contains("zero.png") && empty.contains("empty file"), empty);
    String text = assertThrows(DatasetException.class,
        () -> decoder.read(Files.writeString(dir.resolve("notes.png"), "not an image"))).getMessage();
    assertTrue(text.contains("notes.png") && text.contains("not an image"), text);
    String missing = assertThrows(DatasetException.class, () -> decoder.read(dir.resolve("gone.png"))).getMessage();
    assertTrue(missing.contains("gone.png") && missing.contains("not found"), missing);
    // an 8-bit image with an inverting LUT is read with the usual polarity
    ByteProcessor bp = new ByteProcessor(2, 1, new byte[] {10, (byte) 200});
    bp.invertLut();
    IJ.saveAsTiff(new ImagePlus("inv", bp), dir.resolve("inv.tif").toString());
    GrayImage inv = decoder.read(dir.resolve("inv.tif"));
    assertTrue(inv.pixels()[0] > inv.pixels()[1]);
  }
}
