package org.mflag.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Text files that come from users (manifests, split lists, precomputed embeddings): read as strict
 * UTF-8, so that an export in another encoding is reported instead of being decoded into
 * replacement characters.
 */
public final class TextFiles {

  /** Larger than a Java string can hold as text read at once. */
  private static final long MAX_BYTES = Integer.MAX_VALUE - 8;

  private TextFiles() {}

  /**
   * The text of {@code file}, without a UTF-8 byte order mark. Refused with an {@link IOException}
   * whose message names the file: a missing file, something that is not a regular file (a folder, a
   * device such as {@code /dev/zero}), a file too large to read at once, UTF-16 (by its byte order
   * mark), and bytes that are not UTF-8 (with the line and column, and a hint when the file reads as
   * Latin-1 / Windows-1252, the usual spreadsheet export).
   */
  public static String readUtf8(Path file) throws IOException {
    return decodeUtf8(file, read(file));
  }

  /** The bytes of a text file, after the checks of {@link #readUtf8} that come before decoding. */
  public static byte[] read(Path file) throws IOException {
    if (!Files.exists(file)) throw new NoSuchFileException(file + ": file not found");
    if (!Files.isRegularFile(file)) throw new IOException(file + ": not a regular file (a folder or a device)");
    long size = Files.size(file);
    if (size > MAX_BYTES) throw new IOException(file + ": " + (size >> 20) + " MiB, larger than a text file read at once can be (2 GiB)");
    return Files.readAllBytes(file);
  }

  /** {@code bytes} (read from {@code file}) decoded as {@link #readUtf8} does. */
  public static String decodeUtf8(Path file, byte[] bytes) throws IOException {
    int start = 0;
    if (bytes.length >= 2 && ((bytes[0] == (byte) 0xFE && bytes[1] == (byte) 0xFF) || (bytes[0] == (byte) 0xFF && bytes[1] == (byte) 0xFE))) {
      throw new IOException(file + ": UTF-16 text (its byte order mark says so); save it as UTF-8 (\"CSV UTF-8\" in a spreadsheet)");
    }
    if (bytes.length >= 3 && bytes[0] == (byte) 0xEF && bytes[1] == (byte) 0xBB && bytes[2] == (byte) 0xBF) start = 3;
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, start, bytes.length - start)).toString();
    } catch (CharacterCodingException e) {
      throw new IOException(file + ": " + notUtf8(bytes, start), e);
    }
  }

  /** Where the first byte that is not UTF-8 is, and what the file looks like instead. */
  private static String notUtf8(byte[] bytes, int start) {
    int at = start, line = 1, lineStart = start;
    while (at < bytes.length) {
      int b = bytes[at] & 0xFF;
      int len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
      boolean ok = len > 0 && at + len <= bytes.length;
      for (int k = 1; ok && k < len; k++) ok = (bytes[at + k] & 0xC0) == 0x80;
      if (!ok) break;
      if (b == '\n') {
        line++;
        lineStart = at + 1;
      }
      at += len;
    }
    String where = String.format("line %d, column %d: byte 0x%02X is not UTF-8", line, at - lineStart + 1, bytes[Math.min(at, bytes.length - 1)] & 0xFF);
    String asLatin1 = new String(bytes, lineStart, Math.min(bytes.length, at + 20) - lineStart, java.nio.charset.Charset.forName("windows-1252"));
    return where + " (read as Windows-1252 / Latin-1 the line starts '" + Folders.printable(asLatin1.split("\n", 2)[0])
        + "'); save the file as UTF-8 (\"CSV UTF-8\" in a spreadsheet)";
  }
}
