package org.mflag.io;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy's {@code .npy} format (version 1.0) for little-endian float32 arrays in C order: the
 * format of bioimage.io test tensors, of checkpoints (inside a {@code .npz} zip) and of weights
 * converted from PyTorch with {@code numpy.savez}.
 */
public final class Npy {

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  /** numpy writes headers of a few hundred bytes; anything far larger is damage. */
  private static final long MAX_HEADER = 1 << 16;
  /** The most elements a float[] holds. */
  private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  private Npy() {}

  public static void write(NdArray a, OutputStream out) throws IOException {
    long[] s = a.shape();
    StringBuilder shape = new StringBuilder();
    for (int i = 0; i < s.length; i++) shape.append(i == 0 ? "" : ", ").append(s[i]);
    if (s.length == 1) shape.append(',');
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }";
    int total = MAGIC.length + 2 + 2 + dict.length() + 1;
    int pad = (64 - total % 64) % 64;
    StringBuilder header = new StringBuilder(dict);
    for (int i = 0; i < pad; i++) header.append(' ');
    header.append('\n');
    byte[] h = header.toString().getBytes(StandardCharsets.US_ASCII);
    out.write(MAGIC);
    out.write(new byte[] {1, 0, (byte) (h.length & 0xFF), (byte) (h.length >> 8)});
    out.write(h);
    ByteBuffer bb = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    float[] d = a.data();
    for (int i = 0; i < d.length; ) {
      bb.clear();
      while (i < d.length && bb.remaining() >= 4) bb.putFloat(d[i++]);
      out.write(bb.array(), 0, bb.position());
    }
  }

  public static byte[] toBytes(NdArray a) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      write(a, out);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteArray();
  }

  /** Reads a little-endian float32 (or float64, converted) C-order array; {@code name} is used in errors. */
  public static NdArray read(InputStream in, String name) throws IOException {
    return read(in, name, -1);
  }

  /**
   * As {@link #read(InputStream, String)}, where {@code length} is the stream's exact length in bytes
   * (-1 when unknown). Nothing in the header is trusted: a damaged or hostile header (bad magic, an
   * unknown version, a negative, overflowing or non-numeric shape, a shape the bytes cannot hold)
   * is an {@link IOException} naming {@code name} before any large array is allocated.
   */
  public static NdArray read(InputStream in, String name, long length) throws IOException {
    DataInputStream din = new DataInputStream(in);
    byte[] magic = new byte[6];
    try {
      din.readFully(magic);
    } catch (java.io.EOFException e) {
      throw new IOException(name + ": not a .npy array (shorter than its magic string)", e);
    }
    if (!java.util.Arrays.equals(magic, MAGIC)) throw new IOException(name + ": not a .npy array");
    int major = din.readUnsignedByte();
    din.readUnsignedByte();
    if (major < 1 || major > 3) throw new IOException(name + ": .npy format version " + major + " is not supported (1 to 3)");
    long len = major == 1 ? (din.readUnsignedByte() | din.readUnsignedByte() << 8)
        : (din.readUnsignedByte() | din.readUnsignedByte() << 8 | din.readUnsignedByte() << 16 | (long) din.readUnsignedByte() << 24);
    long headerEnd = 6 + 2 + (major == 1 ? 2 : 4) + len;
    if (len > MAX_HEADER || (length >= 0 && headerEnd > length)) {
      throw new IOException(name + ": damaged .npy header (it claims " + len + " bytes)");
    }
    byte[] h = new byte[(int) len];
    din.readFully(h);
    String header = new String(h, StandardCharsets.ISO_8859_1);
    String descr = group(DESCR, header, name);
    if ("True".equals(group(ORDER, header, name))) throw new IOException(name + ": Fortran-order arrays are not supported");
    int width;
    if (descr.equals("<f4")) width = 4;
    else if (descr.equals("<f8")) width = 8;
    else throw new IOException(name + ": dtype " + descr + " not supported (need float32 '<f4' or float64 '<f8')");
    String[] parts = group(SHAPE, header, name).split(",", -1);
    List<Long> dims = new ArrayList<>();
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i].trim();
      if (p.isEmpty() && i == parts.length - 1) continue;
      if (!p.matches("\\d{1,10}")) throw new IOException(name + ": damaged .npy header: shape entry '" + p + "' is not a size");
      dims.add(Long.parseLong(p));
    }
    long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
    long n = 1;
    for (long d : shape) {
      n *= d;
      if (n > MAX_ELEMENTS) {
        throw new IOException(name + ": shape " + java.util.Arrays.toString(shape) + " is larger than an array can be here");
      }
    }
    if (length >= 0 && headerEnd + n * width != length) {
      throw new IOException(name + ": shape " + java.util.Arrays.toString(shape) + " needs " + n * width + " bytes of data, the file holds "
          + (length - headerEnd) + " (truncated or damaged)");
    }
    float[] data = new float[(int) n];
    byte[] buf = new byte[1 << 16];
    ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
    try {
      for (int i = 0; i < n; ) {
        int count = (int) Math.min(buf.length / width, n - i);
        din.readFully(buf, 0, count * width);
        bb.clear();
        for (int k = 0; k < count; k++) data[i++] = width == 4 ? bb.getFloat() : (float) bb.getDouble();
      }
    } catch (java.io.EOFException e) {
      throw new IOException(name + ": truncated (fewer values than its shape " + java.util.Arrays.toString(shape) + " needs)", e);
    }
    return new NdArray(data, shape);
  }

  /** Reads a {@code .npy} file, checking its header against the file's length. */
  public static NdArray read(java.nio.file.Path file) throws IOException {
    try (InputStream in = java.nio.file.Files.newInputStream(file)) {
      return read(new java.io.BufferedInputStream(in, 1 << 16), file.toString(), java.nio.file.Files.size(file));
    }
  }

  private static String group(Pattern p, String header, String name) throws IOException {
    Matcher m = p.matcher(header);
    if (!m.find()) throw new IOException(name + ": malformed .npy header: " + header.trim());
    return m.group(1);
  }
}
