package org.mflag.data;

import java.nio.file.Path;

/**
 * Reads an image file into grey values. The core does not depend on a particular reader: the
 * launcher and the Fiji commands pass the default one, {@code org.mflag.imageio.ImageFileDecoder}
 * (ImageJ 1's codecs).
 * Implementations must be safe to call from several loader threads at once.
 */
@FunctionalInterface
public interface ImageDecoder {

  /** @throws DatasetException naming the file and the reason when it cannot be read as an image */
  GrayImage read(Path file) throws DatasetException;

  /**
   * Reads an image that will be shrunk to about {@code targetSize} pixels: a reader that can decode
   * at a lower resolution (JPEG and PNG subsampling) may return an image whose sides are still at
   * least twice {@code targetSize}, without holding the full-resolution pixels in memory.
   */
  default GrayImage read(Path file, int targetSize) throws DatasetException {
    return read(file);
  }
}
