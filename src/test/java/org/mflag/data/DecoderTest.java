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
    assertEquals(80f, rgb.get(2, 2), 3f); // (90 + 80 + 70) / 3, up to JPEG error
    assertEquals(240f, rgb.get(32, 24), 3f);

    // a colour photograph (or a stained slide, a fluorescence composite) is no radiograph: refused, saying what to do,
    // at full size and subsampled; a radiograph with a coloured arrow passes
    for (int size : new int[] {64, 3000}) {
      ij.process.ColorProcessor photo = new ij.process.ColorProcessor(size, size);
      photo.setColor(new java.awt.Color(200, 40, 60));
      photo.fill();
      photo.setColor(new java.awt.Color(40, 160, 60));
      photo.fillRect(0, 0, size / 2, size);
      Path f = dir.resolve("photo" + size + ".png");
      new ij.io.FileSaver(new ij.ImagePlus("photo", photo)).saveAsPng(f.toString());
      DatasetException e = assertThrows(DatasetException.class, () -> decoder.read(f, 64));
      assertTrue(e.getMessage().startsWith(f + ": a colour image") && e.getMessage().contains("Image > Type > 8-bit"), e.getMessage());
      IllegalArgumentException fiji = assertThrows(IllegalArgumentException.class,
          () -> ImageFileDecoder.toGray(photo, null, false));
      assertTrue(fiji.getMessage().contains("not a grey radiograph"), fiji.getMessage());
    }
    ij.process.ColorProcessor marked = new ij.process.ColorProcessor(64, 64);
    marked.setColor(new java.awt.Color(120, 120, 120));
    marked.fill();
    marked.setColor(java.awt.Color.RED);
    marked.fillRect(10, 10, 20, 20); // an arrow's worth of red: 10% of the image
    assertEquals(120f, ImageFileDecoder.toGray(marked, null, false).get(50, 50), 1e-3f);

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

  /**
   * Compressed DICOM as PACS exports it, written here by the test itself: JPEG Lossless (both UIDs), JPEG 2000
   * (lossless and the general UID) and RLE give back every stored value exactly, with slope, intercept, sign and
   * MONOCHROME1 applied; JPEG Baseline comes back within JPEG's error; other syntaxes name themselves.
   */
  @Test
  void compressedDicomIsReadWithTheStoredValues(@TempDir Path dir) throws Exception {
    int w = 80, h = 60; // jj2000's writer is not lossless at its default 5 levels on sides under 32 px
    int[] stored = new int[w * h];
    for (int i = 0; i < stored.length; i++) stored[i] = (i * 37 + (i / w) * 101) % 4096;
    String[] lossless = {"1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70"};
    for (String uid : lossless) {
      Path f = TestFiles.compressedDicom(dir.resolve(uid + ".dcm"), uid, w, h, 16, 12, 0, "MONOCHROME2", 2, -1024,
          TestFiles.losslessJpeg(w, h, stored));
      float[] got = decoder.read(f).pixels();
      for (int i = 0; i < stored.length; i++) assertEquals(2f * stored[i] - 1024, got[i], 0f, uid + " pixel " + i);
    }
    java.awt.image.BufferedImage grey16 = new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_USHORT_GRAY);
    grey16.getRaster().setPixels(0, 0, w, h, stored);
    for (String uid : new String[] {"1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91"}) {
      Path f = TestFiles.compressedDicom(dir.resolve(uid + ".dcm"), uid, w, h, 16, 12, 0, "MONOCHROME1", 1, 0, jpeg2000(grey16));
      float[] got = decoder.read(f).pixels();
      int min = java.util.Arrays.stream(stored).min().getAsInt(), max = java.util.Arrays.stream(stored).max().getAsInt();
      for (int i = 0; i < stored.length; i++) assertEquals(max + min - stored[i], got[i], 0f, uid + " pixel " + i + " (MONOCHROME1)");
    }
    int[] signed = new int[stored.length];
    for (int i = 0; i < signed.length; i++) signed[i] = (stored[i] - 2048) & 0xFFFF; // two's complement in 16 bits
    Path rle = TestFiles.compressedDicom(dir.resolve("rle.dcm"), "1.2.840.10008.1.2.5", w, h, 16, 12, 1, "MONOCHROME2", 1, 0,
        TestFiles.rle16(signed));
    float[] got = decoder.read(rle).pixels();
    for (int i = 0; i < stored.length; i++) assertEquals(stored[i] - 2048, got[i], 0f, "RLE pixel " + i);

    java.awt.image.BufferedImage grey8 = new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
    int[] eight = new int[stored.length];
    for (int i = 0; i < eight.length; i++) eight[i] = stored[i] >> 4;
    grey8.getRaster().setPixels(0, 0, w, h, eight);
    java.io.ByteArrayOutputStream jpeg = new java.io.ByteArrayOutputStream();
    javax.imageio.ImageWriter jw = javax.imageio.ImageIO.getImageWritersByFormatName("jpeg").next();
    javax.imageio.ImageWriteParam jp = jw.getDefaultWriteParam();
    jp.setCompressionMode(javax.imageio.ImageWriteParam.MODE_EXPLICIT);
    jp.setCompressionQuality(1f);
    try (javax.imageio.stream.ImageOutputStream out = javax.imageio.ImageIO.createImageOutputStream(jpeg)) {
      jw.setOutput(out);
      jw.write(null, new javax.imageio.IIOImage(grey8, null, null), jp);
    }
    Path baseline = TestFiles.compressedDicom(dir.resolve("baseline.dcm"), "1.2.840.10008.1.2.4.50", w, h, 8, 8, 0, "MONOCHROME2", 1, 0,
        jpeg.toByteArray());
    got = decoder.read(baseline).pixels();
    double err = 0;
    for (int i = 0; i < eight.length; i++) err += Math.abs(got[i] - eight[i]);
    assertTrue(err / eight.length < 3, "mean JPEG error " + err / eight.length);

    Path jpegLs = TestFiles.compressedDicom(dir.resolve("ls.dcm"), "1.2.840.10008.1.2.4.80", w, h, 16, 12, 0, "MONOCHROME2", 1, 0,
        new byte[] {(byte) 0xFF, (byte) 0xD8});
    String e = assertThrows(DatasetException.class, () -> decoder.read(jpegLs)).getMessage();
    assertTrue(e.contains("ls.dcm") && e.contains("1.2.840.10008.1.2.4.80 (JPEG-LS Lossless) is not supported"), e);
    byte[] whole = Files.readAllBytes(rle);
    Path cut = Files.write(dir.resolve("cut.dcm"), java.util.Arrays.copyOf(whole, whole.length - 700));
    e = assertThrows(DatasetException.class, () -> decoder.read(cut)).getMessage();
    assertTrue(e.contains("cut.dcm") && e.contains("damaged"), e);
  }

  /**
   * Fiji up to 2.17 ships Bio-Formats' ome-jai, whose {@code jj2000.j2k} packages have the names but not the
   * signatures of jai-imageio's codec. With ome-jai first on the class path (a class loader with only the JDK above
   * it, as Fiji's plugin class loader may order the jars) jai-imageio's reader alone fails; our decoder still reads
   * every stored value of a JPEG 2000 DICOM.
   */
  @Test
  void jpeg2000DicomIsReadWhenFijisOmeJaiComesFirst(@TempDir Path dir) throws Exception {
    int w = 80, h = 60;
    int[] stored = new int[w * h];
    for (int i = 0; i < stored.length; i++) stored[i] = (i * 53 + (i / w) * 7) % 4096;
    java.awt.image.BufferedImage grey16 = new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_USHORT_GRAY);
    grey16.getRaster().setPixels(0, 0, w, h, stored);
    byte[] codestream = jpeg2000(grey16);
    Path f = TestFiles.compressedDicom(dir.resolve("j2k.dcm"), "1.2.840.10008.1.2.4.90", w, h, 16, 12, 0, "MONOCHROME2", 1, 0, codestream);
    java.net.URL omeJai = Path.of("target", "test-libraries", "ome-jai.jar").toUri().toURL();
    java.net.URL[] jars = {omeJai, jar(org.mflag.imageio.DicomFile.class), jar(GrayImage.class),
        jar(com.github.jaiimageio.jpeg2000.impl.J2KImageReaderSpi.class), jar(com.github.jaiimageio.impl.common.ImageUtil.class)};
    try (java.net.URLClassLoader fiji = new java.net.URLClassLoader(jars, ClassLoader.getPlatformClassLoader())) {
      Class<?> codec = fiji.loadClass("jj2000.j2k.fileformat.reader.FileFormatReader");
      assertEquals(omeJai, codec.getProtectionDomain().getCodeSource().getLocation(), "the clash is set up: ome-jai's codec first");
      javax.imageio.ImageReader plain = ((javax.imageio.spi.ImageReaderSpi) fiji.loadClass(
          "com.github.jaiimageio.jpeg2000.impl.J2KImageReaderSpi").getConstructor().newInstance()).createReaderInstance();
      plain.setInput(javax.imageio.ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(codestream)));
      assertThrows(RuntimeException.class, () -> plain.read(0), "jai-imageio's reader on ome-jai's codec fails");

      Object image = fiji.loadClass("org.mflag.imageio.DicomFile").getMethod("read", Path.class).invoke(null, f);
      float[] got = (float[]) image.getClass().getMethod("pixels").invoke(image);
      for (int i = 0; i < stored.length; i++) assertEquals(stored[i], got[i], 0f, "pixel " + i);
    }
  }

  private static java.net.URL jar(Class<?> c) {
    return c.getProtectionDomain().getCodeSource().getLocation();
  }

  /** A lossless JPEG 2000 codestream (no JP2 boxes), as DICOM encapsulates it. */
  private static byte[] jpeg2000(java.awt.image.BufferedImage image) throws Exception {
    javax.imageio.ImageWriter w = new com.github.jaiimageio.jpeg2000.impl.J2KImageWriterSpi().createWriterInstance();
    com.github.jaiimageio.jpeg2000.J2KImageWriteParam p = (com.github.jaiimageio.jpeg2000.J2KImageWriteParam) w.getDefaultWriteParam();
    p.setLossless(true);
    p.setWriteCodeStreamOnly(true);
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (javax.imageio.stream.ImageOutputStream out = javax.imageio.ImageIO.createImageOutputStream(bytes)) {
      w.setOutput(out);
      w.write(null, new javax.imageio.IIOImage(image, null, null), p);
    }
    return bytes.toByteArray();
  }
}
