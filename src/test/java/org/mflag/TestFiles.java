package org.mflag;

import ij.IJ;
import ij.ImagePlus;
import ij.process.ColorProcessor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small real files of the kinds hospitals hand over, written by the tests themselves. */
public final class TestFiles {

  private TestFiles() {}

  /**
   * A DICOM file (Explicit VR Little Endian, Part 10 preamble) with 16-bit pixels, the given
   * photometric interpretation and rescale tags: what a DICOM library writes for a CR/DX image.
   */
  public static Path dicom(Path file, int width, int height, int[] pixels, String photometric, double slope,
      double intercept) throws IOException {
    ByteArrayOutputStream meta = new ByteArrayOutputStream();
    tag(meta, 0x0002, 0x0010, "UI", ui("1.2.840.10008.1.2.1"));
    ByteArrayOutputStream ds = new ByteArrayOutputStream();
    tag(ds, 0x0008, 0x0060, "CS", text("DX"));
    tag(ds, 0x0028, 0x0002, "US", us(1));
    tag(ds, 0x0028, 0x0004, "CS", text(photometric));
    tag(ds, 0x0028, 0x0010, "US", us(height));
    tag(ds, 0x0028, 0x0011, "US", us(width));
    tag(ds, 0x0028, 0x0100, "US", us(16));
    tag(ds, 0x0028, 0x0101, "US", us(12));
    tag(ds, 0x0028, 0x0102, "US", us(11));
    tag(ds, 0x0028, 0x0103, "US", us(0));
    tag(ds, 0x0028, 0x1052, "DS", text(Double.toString(intercept)));
    tag(ds, 0x0028, 0x1053, "DS", text(Double.toString(slope)));
    ByteBuffer px = ByteBuffer.allocate(pixels.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : pixels) px.putShort((short) v);
    tag(ds, 0x7FE0, 0x0010, "OW", px.array());
    ByteArrayOutputStream f = new ByteArrayOutputStream();
    f.write(new byte[128]);
    f.write("DICM".getBytes(StandardCharsets.US_ASCII));
    tag(f, 0x0002, 0x0000, "UL", ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(meta.size()).array());
    f.write(meta.toByteArray());
    f.write(ds.toByteArray());
    return Files.write(file, f.toByteArray());
  }

  /** An RGB JPEG whose red, green and blue are (r, g, b) everywhere except a bright square. */
  public static Path rgbJpeg(Path file, int width, int height) {
    ColorProcessor cp = new ColorProcessor(width, height);
    cp.setColor(new java.awt.Color(90, 60, 30));
    cp.fill();
    cp.setColor(new java.awt.Color(250, 240, 230));
    cp.fillRect(width / 4, height / 4, width / 2, height / 2);
    IJ.saveAs(new ImagePlus("rgb", cp), "jpeg", file.toString());
    return file;
  }

  /** The first half of an image file, as a download cut short. */
  public static Path truncated(Path source, Path file) throws IOException {
    byte[] b = Files.readAllBytes(source);
    return Files.write(file, java.util.Arrays.copyOf(b, b.length / 2));
  }

  private static void tag(ByteArrayOutputStream o, int group, int element, String vr, byte[] value) {
    boolean longForm = vr.equals("OW") || vr.equals("OB") || vr.equals("UN") || vr.equals("SQ") || vr.equals("UT");
    ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    b.putShort((short) group).putShort((short) element).put(vr.getBytes(StandardCharsets.US_ASCII));
    if (longForm) b.putShort((short) 0).putInt(value.length);
    else b.putShort((short) value.length);
    o.write(b.array(), 0, longForm ? 12 : 8);
    o.write(value, 0, value.length);
  }

  private static byte[] text(String s) {
    return (s.length() % 2 == 1 ? s + " " : s).getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] ui(String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    return b.length % 2 == 1 ? java.util.Arrays.copyOf(b, b.length + 1) : b;
  }

  private static byte[] us(int v) {
    return ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) v).array();
  }
}
