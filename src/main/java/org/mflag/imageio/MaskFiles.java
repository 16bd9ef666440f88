package org.mflag.imageio;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.mflag.io.Archives;

/** Binary masks as 8-bit PNG files (0 background, 255 foreground), written atomically. */
public final class MaskFiles {

  private MaskFiles() {}

  /**
   * Writes {@code mask} (row-major, {@code width * height}) to {@code file}, creating its folder; the file is replaced
   * through a temporary sibling, so a reader never sees half of it and writing the same mask twice leaves one file.
   */
  public static void writePng(Path file, boolean[] mask, int width, int height) throws IOException {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    byte[] px = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
    for (int i = 0; i < mask.length; i++) px[i] = mask[i] ? (byte) 255 : 0;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    if (!ImageIO.write(img, "png", bytes)) throw new IOException(file + ": no PNG writer available");
    Files.createDirectories(file.toAbsolutePath().getParent());
    Archives.writeAtomically(file, bytes.toByteArray());
  }
}
