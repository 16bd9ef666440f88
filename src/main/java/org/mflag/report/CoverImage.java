package org.mflag.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The pictures of a model package, drawn with headless Java2D: the cover (input on the left, what
 * the model makes of it on the right, 2:1 as bioimage.io asks), the sample input as a grey PNG and the
 * sample outputs as 32-bit float TIFFs. Inputs are grey values 0..255, {@code size x size}, row-major.
 */
public final class CoverImage {

  /** Each half of a cover: 256 x 256 pixels, so a cover is 512 x 256 and well under bioimage.io's 500 KB. */
  static final int PANEL = 256;

  private CoverImage() {}

  /** The grey image as an 8-bit PNG (values clamped to 0..255). */
  public static byte[] greyPng(float[] grey, int width, int height) {
    return png(grey(grey, width, height));
  }

  /** An encoder's cover: the input, and its image projection as a square heat map (row-major, blue low, red high). */
  public static byte[] encoder(float[] input, int size, float[] projection) {
    int side = (int) Math.ceil(Math.sqrt(projection.length));
    float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
    for (float v : projection) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    BufferedImage heat = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < projection.length; i++) {
      float t = max > min ? (projection[i] - min) / (max - min) : 0.5f;
      heat.setRGB(i % side, i / side, Color.HSBtoRGB(0.66f * (1 - t), 0.85f, 0.95f));
    }
    return twoPanels(input, size, g -> g.drawImage(heat, 0, 0, PANEL, PANEL, null));
  }

  /** A segmenter's cover: the input with the probability above {@code threshold} tinted red. */
  public static byte[] segmentation(float[] input, int size, float[] probability, double threshold) {
    BufferedImage over = grey(input, size, size);
    for (int i = 0; i < probability.length; i++) {
      if (probability[i] <= threshold) continue;
      int g = over.getRGB(i % size, i / size) & 0xFF;
      over.setRGB(i % size, i / size, new Color(Math.min(255, g / 2 + 128), g / 2, g / 2).getRGB());
    }
    return twoPanels(input, size, g -> g.drawImage(over, 0, 0, PANEL, PANEL, null));
  }

  /** A classifier's cover: the input, and each class with its probability as a bar. */
  public static byte[] classification(float[] input, int size, List<String> classes, float[] probabilities) {
    return twoPanels(input, size, g -> {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, PANEL, PANEL);
      int rows = Math.min(classes.size(), 8), h = PANEL / Math.max(rows, 4);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(10, h / 3)));
      for (int i = 0; i < rows; i++) {
        g.setColor(LinePlot.colour(i));
        g.fillRect(8, i * h + h / 2, (int) ((PANEL - 16) * probabilities[i]), h / 3);
        g.setColor(Color.BLACK);
        g.drawString(classes.get(i) + String.format(" %.2f", probabilities[i]), 8, i * h + h / 2 - 2);
      }
    });
  }

  /** A detector's cover: the input with boxes {@code {x0, y0, x1, y1}} in input pixels, labelled. */
  public static byte[] detection(float[] input, int size, List<double[]> boxes, List<String> labels) {
    return twoPanels(input, size, g -> {
      g.drawImage(grey(input, size, size), 0, 0, PANEL, PANEL, null);
      double s = (double) PANEL / size;
      g.setStroke(new BasicStroke(2f));
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
      for (int i = 0; i < boxes.size(); i++) {
        double[] b = boxes.get(i);
        g.setColor(LinePlot.colour(i));
        g.drawRect((int) (b[0] * s), (int) (b[1] * s), (int) ((b[2] - b[0]) * s), (int) ((b[3] - b[1]) * s));
        g.drawString(labels.get(i), (int) (b[0] * s) + 3, (int) (b[1] * s) + 14);
      }
    });
  }

  private interface Panel {
    void draw(Graphics2D g);
  }

  private static byte[] twoPanels(float[] input, int size, Panel right) {
    BufferedImage img = new BufferedImage(2 * PANEL, PANEL, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.drawImage(grey(input, size, size), 0, 0, PANEL, PANEL, null);
      Graphics2D r = (Graphics2D) g.create(PANEL, 0, PANEL, PANEL);
      try {
        right.draw(r);
      } finally {
        r.dispose();
      }
    } finally {
      g.dispose();
    }
    return png(img);
  }

  private static BufferedImage grey(float[] v, int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < w * h; i++) {
      int g = Math.max(0, Math.min(255, Math.round(v[i])));
      img.setRGB(i % w, i / w, g << 16 | g << 8 | g);
    }
    return img;
  }

  /**
   * Float values as a one-band 32-bit float TIFF, {@code height} rows of {@code width}, row-major: a sample
   * output tensor keeps the network's values exactly (probabilities, box coordinates, features), which an
   * 8-bit PNG cannot; Fiji, tifffile and imageio read it.
   */
  public static byte[] floatTiff(float[] values, int width, int height) {
    if (values.length != (long) width * height) {
      throw new IllegalArgumentException(values.length + " values for a " + width + "x" + height + " image");
    }
    java.awt.image.ComponentColorModel model = new java.awt.image.ComponentColorModel(
        java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_GRAY), false, false, java.awt.Transparency.OPAQUE,
        java.awt.image.DataBuffer.TYPE_FLOAT);
    java.awt.image.WritableRaster raster = model.createCompatibleWritableRaster(width, height);
    raster.setDataElements(0, 0, width, height, values);
    return encode(new BufferedImage(model, raster, false, null), "tiff");
  }

  private static byte[] png(BufferedImage img) {
    return encode(img, "png");
  }

  /** The image in an ImageIO format of the JDK ({@code png}, {@code tiff}: uncompressed, big-endian). */
  private static byte[] encode(BufferedImage img, String format) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(img, format, bytes)) throw new IOException("no " + format + " writer available for this image");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
