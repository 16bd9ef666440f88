package org.mflag.fiji.convert;

import ij.ImagePlus;
import ij.io.Opener;
import ij.measure.Calibration;
import ij.process.ImageProcessor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.mflag.data.DatasetException;
import org.mflag.data.GrayImage;
import org.mflag.data.ImageDecoder;

/**
 * Reads images with ImageJ 1's readers (PNG, JPEG, GIF, BMP, TIFF incl. 16-bit and 32-bit, DICOM),
 * without touching AWT windows (safe in a headless JVM). Colour images become grey with ImageJ's
 * RGB-to-grey weights; calibrated images (DICOM rescale slope/intercept) give calibrated values;
 * an inverting LUT (DICOM MONOCHROME1) is undone so that bone is bright. Stacks use the first slice.
 */
public final class ImageJDecoder implements ImageDecoder {

  @Override
  public GrayImage read(Path file) throws DatasetException {
    if (!Files.isRegularFile(file)) throw new DatasetException(file + ": file not found");
    ImagePlus imp;
    try {
      Opener opener = new Opener();
      opener.setSilentMode(true);
      int type = opener.getFileType(file.toString());
      if (type == Opener.UNKNOWN || type == Opener.TEXT || type == Opener.JAVA_OR_TEXT) {
        // checked here because ImageJ would print "Unsupported format" itself
        throw new DatasetException(file + ": not an image ImageJ can read (unknown format)");
      }
      imp = opener.openImage(file.toString());
    } catch (RuntimeException e) {
      throw new DatasetException(file + ": cannot be read as an image (" + e + ")", e);
    }
    if (imp == null) throw new DatasetException(file + ": not an image ImageJ can read (unknown format or damaged file)");
    return toGray(imp.getProcessor(), imp.getCalibration(), imp.isInvertedLut());
  }

  /** The grey values of one ImageJ processor. */
  public static GrayImage toGray(ImageProcessor ip, Calibration cal, boolean invertedLut) {
    int w = ip.getWidth(), h = ip.getHeight();
    float[] out = new float[w * h];
    boolean colour = ip.getNChannels() > 1;
    ImageProcessor fp = colour ? ip.convertToFloatProcessor() : ip;
    boolean calibrated = !colour && cal != null && cal.calibrated();
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < out.length; i++) {
      float v = colour ? fp.getf(i) : (calibrated ? (float) cal.getCValue(ip.get(i)) : ip.getf(i));
      out[i] = v;
      if (v > max) max = v;
    }
    if (invertedLut && !colour) {
      float min = Float.POSITIVE_INFINITY;
      for (float v : out) if (v < min) min = v;
      for (int i = 0; i < out.length; i++) out[i] = max - out[i] + min;
    }
    return new GrayImage(w, h, out);
  }
}
