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
    DataInputStream din = new DataInputStream(in);
    byte[] magic = new byte[6];
    din.readFully(magic);
    if (!java.util.Arrays.equals(magic, MAGIC)) throw new IOException(name + ": not a .npy array");
    int major = din.readUnsignedByte();
    din.readUnsignedByte();
    int len = major == 1 ? (din.readUnsignedByte() | din.readUnsignedByte() << 8)
        : (din.readUnsignedByte() | din.readUnsignedByte() << 8 | din.readUnsignedByte() << 16 | din.readUnsignedByte() << 24);
    byte[] h = new byte[len];
    din.readFully(h);
    String header = new String(h, StandardCharsets.US_ASCII);
    String descr = group(DESCR, header, name);
    if ("True".equals(group(ORDER, header, name))) throw new IOException(name + ": Fortran-order arrays are not supported");
    List<Long> dims = new ArrayList<>();
    for (String p : group(SHAPE, header, name).split(",")) if (!p.isBlank()) dims.add(Long.parseLong(p.trim()));
    long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
    long n = 1;
    for (long d : shape) n *= d;
    int width;
    if (descr.equals("<f4")) width = 4;
    else if (descr.equals("<f8")) width = 8;
    else throw new IOException(name + ": dtype " + descr + " not supported (need float32 '<f4' or float64 '<f8')");
    byte[] raw = new byte[(int) (n * width)];
    din.readFully(raw);
    ByteBuffer bb = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    float[] data = new float[(int) n];
    for (int i = 0; i < n; i++) data[i] = width == 4 ? bb.getFloat() : (float) bb.getDouble();
    return new NdArray(data, shape);
  }

  private static String group(Pattern p, String header, String name) throws IOException {
    Matcher m = p.matcher(header);
    if (!m.find()) throw new IOException(name + ": malformed .npy header: " + header.trim());
    return m.group(1);
  }
}
