package org.mflag.imageio;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.mflag.data.DatasetException;
import org.mflag.data.GrayImage;

/**
 * DICOM files whose pixel data is compressed (encapsulated): what PACS exports usually are, and what
 * ImageJ 1's DICOM reader cannot open. Uncompressed DICOM stays with ImageJ ({@link #read} returns
 * null for it).
 *
 * <p>Read: JPEG Baseline and Extended (1.2.840.10008.1.2.4.50/.51) and JPEG Lossless (.57/.70) through
 * TwelveMonkeys' ImageIO plugin, JPEG 2000 (.90/.91) through jai-imageio's, RLE Lossless
 * (1.2.840.10008.1.2.5) here (PS3.5 Annex G). Any other transfer syntax is refused by its UID and name.
 * The first frame is read. Values get Rescale Slope and Intercept, signed pixels their sign, and
 * MONOCHROME1 is inverted, as for uncompressed files.</p>
 *
 * <p>Nothing in the file is trusted: every length is checked against the bytes present, and the
 * decoded size against Rows and Columns.</p>
 */
public final class DicomFile {

  static final String JPEG_BASELINE = "1.2.840.10008.1.2.4.50";
  static final String JPEG_EXTENDED = "1.2.840.10008.1.2.4.51";
  static final String JPEG_LOSSLESS = "1.2.840.10008.1.2.4.57";
  static final String JPEG_LOSSLESS_SV1 = "1.2.840.10008.1.2.4.70";
  static final String JPEG_2000_LOSSLESS = "1.2.840.10008.1.2.4.90";
  static final String JPEG_2000 = "1.2.840.10008.1.2.4.91";
  static final String RLE = "1.2.840.10008.1.2.5";
  /** Transfer syntaxes with uncompressed pixel data, which ImageJ reads. */
  private static final List<String> NATIVE = List.of("1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2");
  /** Names of transfer syntaxes this reader refuses, for the message. */
  private static final Map<String, String> OTHERS = Map.of(
      "1.2.840.10008.1.2.4.80", "JPEG-LS Lossless", "1.2.840.10008.1.2.4.81", "JPEG-LS Near-Lossless",
      "1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", "1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 Lossless",
      "1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 (RPCL) Lossless", "1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000",
      "1.2.840.10008.1.2.4.100", "MPEG2 video", "1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 video");
  /** An X-ray DICOM is tens of megabytes; a file claiming more is damaged or hostile. */
  private static final long MAX_BYTES = 1L << 30;
  /** No X-ray has more pixels than this (a 16k x 16k detector). */
  private static final long MAX_PIXELS = 1L << 28;

  private DicomFile() {}

  /**
   * Reads the first frame of a DICOM file with compressed pixel data, or returns null when its pixel data
   * is not compressed (or it has no Part 10 header: ImageJ reads those).
   *
   * @throws DatasetException naming the file and the problem: an unsupported transfer syntax (by UID
   *     and name), a damaged header or pixel data, a decoded size other than Rows x Columns
   */
  public static GrayImage read(Path file) throws DatasetException {
    byte[] b;
    try {
      if (Files.size(file) > MAX_BYTES) throw new DatasetException(file + ": larger than " + (MAX_BYTES >> 20) + " MiB (not an X-ray DICOM)");
      b = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new DatasetException(file + ": cannot be read (" + e.getMessage() + ")", e);
    }
    if (b.length < 132 || !new String(b, 128, 4, StandardCharsets.US_ASCII).equals("DICM")) return null;
    try {
      Parser p = new Parser(b, 132);
      String syntax = p.metaTransferSyntax();
      if (syntax == null || NATIVE.contains(syntax)) return null;
      if (!List.of(JPEG_BASELINE, JPEG_EXTENDED, JPEG_LOSSLESS, JPEG_LOSSLESS_SV1, JPEG_2000_LOSSLESS, JPEG_2000, RLE).contains(syntax)) {
        throw new DatasetException(file + ": DICOM transfer syntax " + syntax + " (" + OTHERS.getOrDefault(syntax, "unknown")
            + ") is not supported; supported compressed syntaxes: JPEG baseline/extended/lossless, JPEG 2000, RLE");
      }
      Header h = p.dataset();
      if (h.fragments.isEmpty()) throw new DatasetException(file + ": no encapsulated pixel data (7FE0,0010)");
      if (h.rows < 1 || h.columns < 1 || (long) h.rows * h.columns > MAX_PIXELS) {
        throw new DatasetException(file + ": Rows " + h.rows + " x Columns " + h.columns + " is not an image size");
      }
      byte[] frame = h.firstFrame();
      float[] v = syntax.equals(RLE) ? rle(frame, h, file) : imageIo(frame, h, syntax, file);
      for (int i = 0; i < v.length; i++) v[i] = (float) (v[i] * h.slope + h.intercept);
      if (h.photometric.startsWith("MONOCHROME1")) ImageFileDecoder.invert(v);
      return new GrayImage(h.columns, h.rows, v);
    } catch (IndexOutOfBoundsException | java.nio.BufferUnderflowException e) {
      throw new DatasetException(file + ": damaged DICOM (an element runs past the end of the file)", e);
    }
  }

  /** What the dataset says about the pixels, and the pixel data's fragments. */
  private static final class Header {
    int rows;
    int columns;
    int samples = 1;
    int bitsAllocated = 16;
    int bitsStored;
    int pixelRepresentation;
    int frames = 1;
    double slope = 1;
    double intercept;
    String photometric = "MONOCHROME2";
    long[] offsets = new long[0];
    final List<byte[]> fragments = new ArrayList<>();

    /** The bytes of frame 0: from the Basic Offset Table, or all fragments of a single frame, or the first fragment. */
    byte[] firstFrame() {
      if (frames <= 1 || fragments.size() == 1) return concat(fragments.size(), 0);
      if (offsets.length > 1) {
        long end = offsets[1];
        long at = 0;
        int n = 0;
        for (byte[] f : fragments) {
          if (at >= end) break;
          at += 8 + f.length;
          n++;
        }
        return concat(n, 0);
      }
      return fragments.get(0);
    }

    private byte[] concat(int n, int from) {
      ByteArrayOutputStream o = new ByteArrayOutputStream();
      for (int i = from; i < from + n; i++) o.writeBytes(fragments.get(i));
      return o.toByteArray();
    }
  }

  /** Explicit VR Little Endian elements, which every encapsulated transfer syntax uses. */
  private static final class Parser {
    final ByteBuffer buf;

    Parser(byte[] b, int start) {
      buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
      buf.position(start);
    }

    /** Reads group 0002 and returns the Transfer Syntax UID (null when absent). */
    String metaTransferSyntax() {
      String syntax = null;
      while (buf.remaining() >= 8 && buf.getShort(buf.position()) == 0x0002) {
        int tag = tag();
        String vr = vr();
        long len = length(vr);
        byte[] v = bytes(len);
        if (tag == 0x00020010) syntax = text(v);
      }
      return syntax;
    }

    Header dataset() throws DatasetException {
      Header h = new Header();
      while (buf.remaining() >= 8) {
        int tag = tag();
        if (tag == 0xFFFEE000 || tag == 0xFFFEE00D || tag == 0xFFFEE0DD) throw new DatasetException("an item outside a sequence");
        String vr = vr();
        long len = length(vr);
        if (tag == 0x7FE00010) {
          if (len != 0xFFFFFFFFL) throw new DatasetException("pixel data is not encapsulated although the transfer syntax is compressed");
          encapsulated(h);
          return h;
        }
        if (len == 0xFFFFFFFFL) {
          skipUndefined();
          continue;
        }
        byte[] v = bytes(len);
        switch (tag) {
          case 0x00280002: h.samples = us(v); break;
          case 0x00280004: h.photometric = text(v).toUpperCase(Locale.ROOT); break;
          case 0x00280008: h.frames = (int) number(v, 1); break;
          case 0x00280010: h.rows = us(v); break;
          case 0x00280011: h.columns = us(v); break;
          case 0x00280100: h.bitsAllocated = us(v); break;
          case 0x00280101: h.bitsStored = us(v); break;
          case 0x00280103: h.pixelRepresentation = us(v); break;
          case 0x00281052: h.intercept = number(v, 0); break;
          case 0x00281053: h.slope = number(v, 1); break;
          default: break;
        }
      }
      return h;
    }

    /** Items of encapsulated pixel data: the Basic Offset Table, then fragments, up to the sequence delimiter. */
    private void encapsulated(Header h) throws DatasetException {
      boolean first = true;
      while (true) {
        int tag = tag();
        long len = buf.getInt() & 0xFFFFFFFFL;
        if (tag == 0xFFFEE0DD) return;
        if (tag != 0xFFFEE000 || len == 0xFFFFFFFFL) throw new DatasetException("damaged encapsulated pixel data");
        byte[] v = bytes(len);
        if (first) {
          ByteBuffer o = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
          h.offsets = new long[v.length / 4];
          for (int i = 0; i < h.offsets.length; i++) h.offsets[i] = o.getInt() & 0xFFFFFFFFL;
          first = false;
        } else {
          h.fragments.add(v);
        }
      }
    }

    /** Skips a sequence (or item) of undefined length, nested ones included. */
    private void skipUndefined() throws DatasetException {
      int depth = 1;
      while (depth > 0) {
        int tag = tag();
        if (tag == 0xFFFEE000 || tag == 0xFFFEE00D || tag == 0xFFFEE0DD) {
          long len = buf.getInt() & 0xFFFFFFFFL;
          if (tag == 0xFFFEE000 && len == 0xFFFFFFFFL) depth++;
          else if (tag == 0xFFFEE000) bytes(len);
          else depth--;
          continue;
        }
        String vr = vr();
        long len = length(vr);
        if (len == 0xFFFFFFFFL) depth++;
        else bytes(len);
      }
    }

    private int tag() {
      int group = buf.getShort() & 0xFFFF;
      int element = buf.getShort() & 0xFFFF;
      return group << 16 | element;
    }

    private String vr() {
      return new String(new byte[] {buf.get(), buf.get()}, StandardCharsets.US_ASCII);
    }

    private long length(String vr) {
      if (List.of("OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV").contains(vr)) {
        buf.getShort();
        return buf.getInt() & 0xFFFFFFFFL;
      }
      return buf.getShort() & 0xFFFF;
    }

    private byte[] bytes(long len) {
      if (len > buf.remaining()) throw new IndexOutOfBoundsException("length " + len);
      byte[] v = new byte[(int) len];
      buf.get(v);
      return v;
    }
  }

  private static int us(byte[] v) {
    return v.length >= 2 ? (v[0] & 0xFF) | (v[1] & 0xFF) << 8 : 0;
  }

  private static String text(byte[] v) {
    return new String(v, StandardCharsets.US_ASCII).replace("\0", "").trim();
  }

  private static double number(byte[] v, double otherwise) {
    try {
      double d = Double.parseDouble(text(v).split("\\\\")[0]);
      return Double.isFinite(d) ? d : otherwise;
    } catch (NumberFormatException e) {
      return otherwise;
    }
  }

  /** JPEG and JPEG 2000 frames through the ImageIO plugin for the syntax. */
  private static float[] imageIo(byte[] frame, Header h, String syntax, Path file) throws DatasetException {
    boolean j2k = syntax.equals(JPEG_2000) || syntax.equals(JPEG_2000_LOSSLESS);
    ImageReader reader = j2k ? Jpeg2000.reader(file) : reader("com.twelvemonkeys", "jpeg");
    if (reader == null) {
      throw new DatasetException(file + ": no " + (j2k ? "JPEG 2000" : "JPEG") + " decoder on the class path for transfer syntax " + syntax);
    }
    BufferedImage img;
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(frame))) {
      reader.setInput(in, true, true);
      img = reader.read(0);
    } catch (IOException | RuntimeException e) {
      throw new DatasetException(file + ": its " + (j2k ? "JPEG 2000" : "JPEG") + " pixel data cannot be decoded (" + e.getMessage() + ")", e);
    } finally {
      reader.dispose();
    }
    if (img.getWidth() != h.columns || img.getHeight() != h.rows) {
      throw new DatasetException(file + ": pixel data is " + img.getWidth() + "x" + img.getHeight() + ", the header says "
          + h.columns + "x" + h.rows);
    }
    Raster r = img.getRaster();
    int bands = r.getNumBands();
    float[] out = new float[h.rows * h.columns];
    int[] px = new int[bands];
    int bits = h.bitsStored > 0 ? h.bitsStored : h.bitsAllocated;
    for (int y = 0, i = 0; y < h.rows; y++) {
      for (int x = 0; x < h.columns; x++, i++) {
        r.getPixel(x, y, px);
        out[i] = bands >= 3 ? (px[0] + px[1] + px[2]) / 3f : signed(px[0], bits, h.pixelRepresentation);
      }
    }
    return out;
  }

  /**
   * The ImageIO reader for {@code format} from the plugin whose classes start with {@code vendor}. Inside
   * Fiji our jars are not on the class loader ImageIO scanned at start-up, so the plugin's provider is
   * registered here the first time it is missing.
   */
  private static ImageReader reader(String vendor, String format) {
    ImageReader r = find(vendor, format);
    if (r != null) return r;
    synchronized (DicomFile.class) {
      javax.imageio.spi.IIORegistry.getDefaultInstance().registerServiceProvider(new com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi());
    }
    return find(vendor, format);
  }

  /**
   * jai-imageio's JPEG 2000 reader, made by its provider directly (nothing is registered with ImageIO). Its codec,
   * the {@code jj2000.j2k} packages, has a namesake: Bio-Formats' ome-jai, which Fiji shipped in
   * {@code jars/bio-formats/} up to 2.17, carries an older {@code jj2000.j2k} with other signatures, and a class
   * loader that finds ome-jai's first gives jai-imageio a mix that fails with {@code NoSuchMethodError}
   * (SCIFIO went back to its renamed fork for the same clash, scifio commit 80883e2). When the codec does not come
   * from the jar of jai-imageio's reader, the reader is loaded again from a class loader of its own two jars, whose
   * parent sees only the JDK.
   */
  static final class Jpeg2000 {
    private static final String PROVIDER = "com.github.jaiimageio.jpeg2000.impl.J2KImageReaderSpi";
    private static volatile javax.imageio.spi.ImageReaderSpi provider;

    private Jpeg2000() {}

    static ImageReader reader(Path file) throws DatasetException {
      try {
        return provider().createReaderInstance();
      } catch (IOException | ReflectiveOperationException | LinkageError e) {
        throw new DatasetException(file + ": jai-imageio's JPEG 2000 reader for its pixel data cannot be made (" + e + ")", e);
      }
    }

    /** The provider, from its own class loader when the codec the class path offers is another jar's. */
    static javax.imageio.spi.ImageReaderSpi provider() throws ReflectiveOperationException {
      javax.imageio.spi.ImageReaderSpi p = provider;
      if (p != null) return p;
      synchronized (Jpeg2000.class) {
        if (provider != null) return provider;
        Class<?> spi = com.github.jaiimageio.jpeg2000.impl.J2KImageReaderSpi.class;
        java.net.URL reader = jar(spi);
        java.net.URL codec = jar(Class.forName("jj2000.j2k.fileformat.reader.FileFormatReader", false, spi.getClassLoader()));
        java.net.URL common = jar(com.github.jaiimageio.impl.common.ImageUtil.class);
        if (reader == null || common == null || reader.equals(codec)) {
          provider = new com.github.jaiimageio.jpeg2000.impl.J2KImageReaderSpi();
        } else {
          // lives as long as the provider it made: one per JVM
          ClassLoader own = new java.net.URLClassLoader("mflag-jpeg2000", new java.net.URL[] {reader, common},
              ClassLoader.getPlatformClassLoader());
          provider = (javax.imageio.spi.ImageReaderSpi) own.loadClass(PROVIDER).getConstructor().newInstance();
        }
        return provider;
      }
    }

    private static java.net.URL jar(Class<?> c) {
      java.security.CodeSource source = c.getProtectionDomain().getCodeSource();
      return source == null ? null : source.getLocation();
    }
  }

  private static ImageReader find(String vendor, String format) {
    for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(format); it.hasNext(); ) {
      ImageReader r = it.next();
      if (r.getClass().getName().startsWith(vendor)) return r;
      r.dispose();
    }
    return null;
  }

  /** RLE Lossless (PS3.5 Annex G): one PackBits segment per byte plane, most significant first. */
  private static float[] rle(byte[] frame, Header h, Path file) throws DatasetException {
    if (frame.length < 64) throw new DatasetException(file + ": RLE pixel data without its 64-byte header");
    ByteBuffer hdr = ByteBuffer.wrap(frame, 0, 64).order(ByteOrder.LITTLE_ENDIAN);
    int segments = hdr.getInt();
    int bytesPerSample = (h.bitsAllocated + 7) / 8;
    if (segments != bytesPerSample * h.samples || segments < 1 || segments > 15) {
      throw new DatasetException(file + ": RLE header lists " + segments + " segments, " + h.samples + " samples of "
          + h.bitsAllocated + " bits need " + bytesPerSample * h.samples);
    }
    long[] offsets = new long[segments + 1];
    for (int s = 0; s < segments; s++) offsets[s] = hdr.getInt() & 0xFFFFFFFFL;
    offsets[segments] = frame.length;
    int n = h.rows * h.columns;
    byte[][] planes = new byte[segments][];
    for (int s = 0; s < segments; s++) {
      long start = offsets[s], end = offsets[s + 1];
      if (start < 64 || start > end || end > frame.length) {
        throw new DatasetException(file + ": RLE segment " + (s + 1) + " has a damaged offset");
      }
      planes[s] = packBits(frame, (int) start, (int) end, n, file, s + 1);
    }
    float[] out = new float[n];
    int bits = h.bitsStored > 0 ? h.bitsStored : h.bitsAllocated;
    for (int i = 0; i < n; i++) {
      float sum = 0;
      for (int c = 0; c < h.samples; c++) {
        int v = 0;
        for (int k = 0; k < bytesPerSample; k++) v = v << 8 | (planes[c * bytesPerSample + k][i] & 0xFF);
        sum += signed(v, bits, h.pixelRepresentation);
      }
      out[i] = sum / h.samples;
    }
    return out;
  }

  private static byte[] packBits(byte[] in, int from, int to, int n, Path file, int segment) throws DatasetException {
    byte[] out = new byte[n];
    int o = 0;
    int i = from;
    while (o < n && i < to) {
      int c = in[i++];
      if (c >= 0) {
        int len = c + 1;
        if (i + len > to || o + len > n) throw new DatasetException(file + ": RLE segment " + segment + " is damaged (a literal run overflows)");
        System.arraycopy(in, i, out, o, len);
        i += len;
        o += len;
      } else if (c != -128) {
        int len = 1 - c;
        if (i >= to || o + len > n) throw new DatasetException(file + ": RLE segment " + segment + " is damaged (a repeat run overflows)");
        java.util.Arrays.fill(out, o, o + len, in[i++]);
        o += len;
      }
    }
    if (o < n) throw new DatasetException(file + ": RLE segment " + segment + " ends after " + o + " of " + n + " pixels (truncated)");
    return out;
  }

  /** A stored value as a number: two's complement within {@code bits} when the pixels are signed. */
  private static float signed(int v, int bits, int pixelRepresentation) {
    if (pixelRepresentation == 1 && bits > 0 && bits < 32) {
      int shift = 32 - bits;
      return (v << shift) >> shift;
    }
    return v;
  }
}
