package org.mflag.imageio;

import ij.ImagePlus;
import ij.Prefs;
import ij.io.Opener;
import ij.measure.Calibration;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.mflag.data.DatasetException;
import org.mflag.data.GrayImage;
import org.mflag.data.ImageDecoder;

/**
 * The core's default image reader (the launcher and the Fiji commands both pass it): reads PNG, JPEG,
 * GIF, BMP, TIFF 8/16/32-bit and DICOM with ImageJ 1's codecs only ({@code ij.io.Opener},
 * {@code ImagePlus} and its processors) and javax.imageio. It never opens windows or menus and never
 * goes through {@code ij.IJ}, so it is safe in a headless JVM and from several threads.
 *
 * <ul>
 * <li>Colour images become grey (ImageJ's RGB-to-grey conversion).</li>
 * <li>DICOM: uncompressed files through ImageJ, compressed ones (JPEG, JPEG 2000, RLE) through
 * {@link DicomFile}. Pixel values get the file's Rescale Slope and Intercept; MONOCHROME1 is inverted so
 * that, as in MONOCHROME2, higher values are brighter. Window Center/Width are not applied: the
 * preprocessing rescales the cropped image's full range to 0..255 instead.</li>
 * <li>Other calibrated images (a calibration function in the file) give calibrated values; an
 * inverting LUT is undone.</li>
 * <li>JPEG and PNG much larger than needed are decoded with subsampling (every k-th pixel), so an
 * 8000-pixel scan never occupies memory at full size.</li>
 * </ul>
 * Every failure is a {@link DatasetException} naming the file and the reason.
 */
public final class ImageFileDecoder implements ImageDecoder {

  /** ImageJ's DICOM reader converts to 32-bit through IJ.run (menus, AWT) when Rescale Slope != 1,
   * unless Prefs.ignoreRescaleSlope is set; that preference is global, so DICOM reads take turns. */
  private static final Object DICOM_LOCK = new Object();
  private static final Pattern SLOPE = Pattern.compile("0028,1053\\s+Rescale Slope:\\s*(\\S+)");
  private static final Pattern INTERCEPT = Pattern.compile("0028,1052\\s+Rescale Intercept:\\s*(\\S+)");
  private static final Pattern PHOTOMETRIC = Pattern.compile("0028,0004\\s+Photometric Interpretation:\\s*(\\S+)");

  @Override
  public GrayImage read(Path file) throws DatasetException {
    return read(file, 0);
  }

  @Override
  public GrayImage read(Path file, int targetSize) throws DatasetException {
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      throw new DatasetException(file + ": file not found or not readable");
    }
    if (size == 0) throw new DatasetException(file + ": empty file (0 bytes)");
    Opener opener = new Opener();
    opener.setSilentMode(true);
    int type = opener.getFileType(file.toString());
    if (type == Opener.UNKNOWN || type == Opener.TEXT || type == Opener.JAVA_OR_TEXT) {
      // checked here because ImageJ would print "Unsupported format" itself
      throw new DatasetException(file + ": not an image ImageJ can read (unknown format)");
    }
    try {
      if ((type == Opener.JPEG || type == Opener.PNG) && targetSize > 0) {
        GrayImage sub = subsampled(file, targetSize);
        if (sub != null) return sub;
      }
      if (type == Opener.DICOM) return dicom(opener, file);
      ImagePlus imp = opener.openImage(file.toString());
      if (imp == null) throw new DatasetException(file + ": cannot be decoded (truncated or damaged file)");
      return toGray(imp.getProcessor(), imp.getCalibration(), imp.isInvertedLut());
    } catch (DatasetException e) {
      throw e;
    } catch (NotGreyException e) {
      throw new DatasetException(file + ": " + e.getMessage(), e);
    } catch (RuntimeException | IOException | OutOfMemoryError e) {
      throw new DatasetException(file + ": cannot be decoded (" + e + ")", e);
    }
  }

  private static GrayImage dicom(Opener opener, Path file) throws DatasetException {
    GrayImage compressed = DicomFile.read(file);
    if (compressed != null) return compressed;
    ImagePlus imp;
    synchronized (DICOM_LOCK) {
      boolean before = Prefs.ignoreRescaleSlope;
      Prefs.ignoreRescaleSlope = true;
      try {
        imp = opener.openImage(file.toString());
      } finally {
        Prefs.ignoreRescaleSlope = before;
      }
    }
    if (imp == null) throw new DatasetException(file + ": cannot be decoded as DICOM (truncated or damaged)");
    String info = imp.getInfoProperty() == null ? "" : imp.getInfoProperty();
    double slope = number(SLOPE, info, 1), intercept = number(INTERCEPT, info, 0);
    Matcher pm = PHOTOMETRIC.matcher(info);
    boolean monochrome1 = pm.find() && pm.group(1).toUpperCase(Locale.ROOT).startsWith("MONOCHROME1");
    ImageProcessor ip = imp.getProcessor();
    if (ip.getNChannels() > 1) return toGray(ip, null, false);
    float[] out = new float[ip.getPixelCount()];
    for (int i = 0; i < out.length; i++) out[i] = (float) (ip.getf(i) * slope + intercept);
    if (monochrome1) invert(out);
    return new GrayImage(ip.getWidth(), ip.getHeight(), out);
  }

  private static double number(Pattern p, String info, double otherwise) {
    Matcher m = p.matcher(info);
    if (!m.find()) return otherwise;
    try {
      return Double.parseDouble(m.group(1));
    } catch (NumberFormatException e) {
      return otherwise;
    }
  }

  /** Decodes every k-th pixel of a large JPEG/PNG with ImageIO; null when the image is not large. */
  private static GrayImage subsampled(Path file, int targetSize) throws IOException, DatasetException {
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) return null;
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        int w = reader.getWidth(0), h = reader.getHeight(0);
        int k = Math.min(w, h) / (2 * targetSize);
        if (k < 2) return null;
        ImageReadParam param = reader.getDefaultReadParam();
        param.setSourceSubsampling(k, k, 0, 0);
        BufferedImage bi = reader.read(0, param);
        return grey(bi);
      } catch (javax.imageio.IIOException e) {
        throw new DatasetException(file + ": cannot be decoded (" + e.getMessage() + ")", e);
      } finally {
        reader.dispose();
      }
    }
  }

  private static GrayImage grey(BufferedImage bi) {
    int w = bi.getWidth(), h = bi.getHeight();
    Raster r = bi.getRaster();
    int bands = r.getNumBands();
    float[] out = new float[w * h];
    float[] px = new float[bands];
    long vivid = 0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        r.getPixel(x, y, px);
        // ImageJ's default RGB to grey: the unweighted mean of R, G and B (alpha ignored)
        out[y * w + x] = bands >= 3 ? (px[0] + px[1] + px[2]) / 3f : px[0];
        if (bands >= 3 && vivid(px[0], px[1], px[2], maxValue(r))) vivid++;
      }
    }
    requireGreyish(vivid, (long) w * h);
    return new GrayImage(w, h, out);
  }

  private static float maxValue(Raster r) {
    return (1 << r.getSampleModel().getSampleSize(0)) - 1;
  }

  /**
   * A pixel of vivid colour: saturated ((max - min) / max above one half) and not near black. Radiographs exported as
   * RGB are grey or faintly tinted; photographs, stained slides and fluorescence composites are not.
   */
  private static boolean vivid(float r, float g, float b, float full) {
    float max = Math.max(r, Math.max(g, b)), min = Math.min(r, Math.min(g, b));
    return max > 0.15f * full && (max - min) > 0.5f * max;
  }

  /** Refuses an image of which more than a fifth is vivid colour; coloured arrows or labels on a radiograph pass. */
  private static void requireGreyish(long vividPixels, long pixels) {
    if (vividPixels * 5 > pixels) throw new NotGreyException(vividPixels * 100 / pixels);
  }

  /** Thrown for a colour image that is no radiograph; the message (without the file) says what to do. */
  public static final class NotGreyException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    NotGreyException(long percent) {
      super("a colour image (" + percent + "% of its pixels are vivid colour, as in a photograph, a stained slide or a fluorescence"
          + " composite), not a grey radiograph: M-FLAG's models read chest X-rays. Give an X-ray (PNG, JPEG, TIFF or DICOM);"
          + " if this is one with coloured marks, make it grey first (Image > Type > 8-bit)");
    }
  }

  /** The grey values of one ImageJ processor (also used by the Fiji adapter for an open image's slices). */
  public static GrayImage toGray(ImageProcessor ip, Calibration cal, boolean invertedLut) {
    int w = ip.getWidth(), h = ip.getHeight();
    float[] out = new float[w * h];
    boolean colour = ip.getNChannels() > 1;
    if (colour && ip instanceof ColorProcessor) {
      int[] rgb = (int[]) ip.getPixels();
      long vivid = 0;
      for (int c : rgb) if (vivid((c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff, 255)) vivid++;
      requireGreyish(vivid, rgb.length);
    }
    ImageProcessor fp = colour ? ip.convertToFloatProcessor() : ip;
    boolean calibrated = !colour && cal != null && cal.calibrated() && ip.getBitDepth() != 32;
    for (int i = 0; i < out.length; i++) out[i] = colour ? fp.getf(i) : (calibrated ? (float) cal.getCValue(ip.get(i)) : ip.getf(i));
    if (invertedLut && !colour) invert(out);
    return new GrayImage(w, h, out);
  }

  /** max + min - v: the same range, the other polarity. */
  static void invert(float[] v) {
    float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
    for (float x : v) {
      if (x < min) min = x;
      if (x > max) max = x;
    }
    for (int i = 0; i < v.length; i++) v[i] = max + min - v[i];
  }
}
