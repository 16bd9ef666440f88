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
    ByteBuffer px = ByteBuffer.allocate(pixels.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : pixels) px.putShort((short) v);
    ByteArrayOutputStream pixelData = new ByteArrayOutputStream();
    tag(pixelData, 0x7FE0, 0x0010, "OW", px.array());
    return dicom(file, "1.2.840.10008.1.2.1", width, height, 16, 12, 0, photometric, slope, intercept, pixelData.toByteArray());
  }

  /**
   * A DICOM file whose pixel data is encapsulated in {@code transferSyntax}: an empty Basic Offset Table, then
   * {@code fragments} (one frame), as a PACS export writes a JPEG, JPEG 2000 or RLE image.
   */
  public static Path compressedDicom(Path file, String transferSyntax, int width, int height, int bitsAllocated, int bitsStored,
      int pixelRepresentation, String photometric, double slope, double intercept, byte[]... fragments) throws IOException {
    ByteArrayOutputStream pd = new ByteArrayOutputStream();
    ByteBuffer head = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    head.putShort((short) 0x7FE0).putShort((short) 0x0010).put("OB".getBytes(StandardCharsets.US_ASCII)).putShort((short) 0).putInt(-1);
    pd.write(head.array(), 0, 12);
    item(pd, 0xE000, new byte[0]);
    for (byte[] f : fragments) item(pd, 0xE000, f.length % 2 == 1 ? java.util.Arrays.copyOf(f, f.length + 1) : f);
    item(pd, 0xE0DD, new byte[0]);
    return dicom(file, transferSyntax, width, height, bitsAllocated, bitsStored, pixelRepresentation, photometric, slope, intercept,
        pd.toByteArray());
  }

  private static void item(ByteArrayOutputStream o, int element, byte[] value) {
    ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0xFFFE).putShort((short) element).putInt(value.length);
    o.write(b.array(), 0, 8);
    o.write(value, 0, value.length);
  }

  private static Path dicom(Path file, String transferSyntax, int width, int height, int bitsAllocated, int bitsStored,
      int pixelRepresentation, String photometric, double slope, double intercept, byte[] pixelDataElement) throws IOException {
    ByteArrayOutputStream meta = new ByteArrayOutputStream();
    tag(meta, 0x0002, 0x0010, "UI", ui(transferSyntax));
    ByteArrayOutputStream ds = new ByteArrayOutputStream();
    tag(ds, 0x0008, 0x0060, "CS", text("DX"));
    tag(ds, 0x0028, 0x0002, "US", us(1));
    tag(ds, 0x0028, 0x0004, "CS", text(photometric));
    tag(ds, 0x0028, 0x0010, "US", us(height));
    tag(ds, 0x0028, 0x0011, "US", us(width));
    tag(ds, 0x0028, 0x0100, "US", us(bitsAllocated));
    tag(ds, 0x0028, 0x0101, "US", us(bitsStored));
    tag(ds, 0x0028, 0x0102, "US", us(bitsStored - 1));
    tag(ds, 0x0028, 0x0103, "US", us(pixelRepresentation));
    tag(ds, 0x0028, 0x1052, "DS", text(Double.toString(intercept)));
    tag(ds, 0x0028, 0x1053, "DS", text(Double.toString(slope)));
    ds.write(pixelDataElement);
    ByteArrayOutputStream f = new ByteArrayOutputStream();
    f.write(new byte[128]);
    f.write("DICM".getBytes(StandardCharsets.US_ASCII));
    tag(f, 0x0002, 0x0000, "UL", ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(meta.size()).array());
    f.write(meta.toByteArray());
    f.write(ds.toByteArray());
    return Files.write(file, f.toByteArray());
  }

  /**
   * A lossless JPEG (process 14, SOF3) of 16-bit grey samples with predictor 1 (left neighbour): what DICOM's
   * JPEG Lossless transfer syntaxes hold. One Huffman table gives each difference category 0..16 a 5-bit code.
   */
  public static byte[] losslessJpeg(int width, int height, int[] samples) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xD8});
    o.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xC3, 0, 11, 16, (byte) (height >> 8), (byte) height, (byte) (width >> 8), (byte) width,
        1, 1, 0x11, 0});
    byte[] dht = new byte[2 + 2 + 1 + 16 + 17];
    dht[0] = (byte) 0xFF;
    dht[1] = (byte) 0xC4;
    dht[3] = (byte) (dht.length - 2);
    dht[4] = 0x00;
    dht[5 + 4] = 17; // seventeen codes of length 5
    for (int k = 0; k < 17; k++) dht[21 + k] = (byte) k;
    o.writeBytes(dht);
    o.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xDA, 0, 8, 1, 1, 0x00, 1, 0, 0});
    BitWriter bits = new BitWriter(o);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int pred = x == 0 && y == 0 ? 1 << 15 : y == 0 ? samples[x - 1] : x == 0 ? samples[(y - 1) * width] : samples[y * width + x - 1];
        int diff = (short) (samples[y * width + x] - pred);
        int ssss = diff == 0 ? 0 : 32 - Integer.numberOfLeadingZeros(Math.abs(diff));
        bits.write(ssss, 5);
        if (ssss > 0 && ssss < 16) bits.write(diff > 0 ? diff : diff - 1, ssss);
      }
    }
    bits.flush();
    o.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xD9});
    return o.toByteArray();
  }

  /** JPEG entropy-coded bits, most significant first, with 0xFF stuffing. */
  private static final class BitWriter {
    private final ByteArrayOutputStream out;
    private int acc;
    private int count;

    BitWriter(ByteArrayOutputStream out) {
      this.out = out;
    }

    void write(int value, int n) {
      for (int i = n - 1; i >= 0; i--) {
        acc = acc << 1 | (value >> i & 1);
        if (++count == 8) emit();
      }
    }

    void flush() {
      while (count != 0) write(1, 1);
    }

    private void emit() {
      out.write(acc);
      if (acc == 0xFF) out.write(0);
      acc = 0;
      count = 0;
    }
  }

  /** DICOM RLE Lossless (PS3.5 Annex G) of 16-bit samples: a high-byte and a low-byte segment of literal runs. */
  public static byte[] rle16(int[] samples) {
    byte[][] planes = new byte[2][samples.length];
    for (int i = 0; i < samples.length; i++) {
      planes[0][i] = (byte) (samples[i] >> 8);
      planes[1][i] = (byte) samples[i];
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    int[] offsets = new int[2];
    for (int s = 0; s < 2; s++) {
      offsets[s] = 64 + body.size();
      for (int i = 0; i < samples.length; i += 128) {
        int n = Math.min(128, samples.length - i);
        body.write(n - 1);
        body.write(planes[s], i, n);
      }
      if (body.size() % 2 == 1) body.write(0);
    }
    ByteBuffer h = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putInt(2).putInt(offsets[0]).putInt(offsets[1]);
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes(h.array());
    o.writeBytes(body.toByteArray());
    return o.toByteArray();
  }

  /** An RGB JPEG whose red, green and blue are (r, g, b) everywhere except a bright square. */
  public static Path rgbJpeg(Path file, int width, int height) {
    ColorProcessor cp = new ColorProcessor(width, height);
    cp.setColor(new java.awt.Color(90, 80, 70)); // a faint tint, as a scanned film exported in colour
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

  /** Copies the files of a flat folder (a model package) into a new folder {@code to}. */
  public static Path copyFolder(Path from, Path to) throws java.io.IOException {
    java.nio.file.Files.createDirectories(to);
    try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (java.nio.file.Files.isRegularFile(f)) java.nio.file.Files.copy(f, to.resolve(f.getFileName()));
      }
    }
    return to;
  }
}
