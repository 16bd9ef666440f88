package org.mflag.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import javax.imageio.ImageIO;
import org.mflag.io.Archives;

/**
 * A small line chart rendered to a {@link BufferedImage} or PNG without any window system (safe with
 * {@code -Djava.awt.headless=true}).
 *
 * <p>Each series is drawn as small filled circles joined by lines, in a fixed colour-blind-friendly
 * (Okabe-Ito) palette, with a legend in the top-right corner. NaN y values (and, on a log x axis,
 * non-positive x values) are skipped and break the line. Usage:
 *
 * <pre>{@code
 * new LinePlot("F1 vs labels", "label fraction", "F1").logX(true).yRange(0, 1)
 *     .series("M-FLAG", x, y).write(Path.of("f1.png"), 800, 500);
 * }</pre>
 */
public final class LinePlot {

  /** Okabe-Ito palette; series beyond its length reuse it cyclically. */
  public static final List<Color> PALETTE = List.of(
      new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73), new Color(0xCC79A7),
      new Color(0xE69F00), new Color(0x56B4E9), new Color(0x000000));

  private static final Color GRID = new Color(0xE6E6E6);

  private final String title, xLabel, yLabel;
  private final List<String> names = new ArrayList<>();
  private final List<double[][]> data = new ArrayList<>(); // {x, y} or {x, y, low, high} per series
  private boolean logX;
  private double yMin = Double.NaN, yMax = Double.NaN;

  public LinePlot(String title, String xLabel, String yLabel) {
    this.title = title == null ? "" : title;
    this.xLabel = xLabel == null ? "" : xLabel;
    this.yLabel = yLabel == null ? "" : yLabel;
  }

  /**
   * Uses a log10 x axis with ticks at the powers of ten in range (also at 2 and 5 times them when the range
   * spans less than a decade), labelled as percentages ("1%", "100%") when all x are in (0,1], else plainly
   * ("0.01", "1000").
   */
  public LinePlot logX(boolean on) {
    logX = on;
    return this;
  }

  /** Fixes the y range (otherwise it is taken from the data plus a 5% margin). */
  public LinePlot yRange(double min, double max) {
    if (!(Double.isFinite(min) && Double.isFinite(max) && min < max))
      throw new IllegalArgumentException("yRange needs finite min < max, got " + min + ", " + max);
    yMin = min;
    yMax = max;
    return this;
  }

  /** Adds a series (arrays are copied); {@code x} and {@code y} must have the same length. */
  public LinePlot series(String name, double[] x, double[] y) {
    if (name == null || x == null || y == null) throw new IllegalArgumentException("series name, x and y must not be null");
    if (x.length != y.length)
      throw new IllegalArgumentException("series '" + name + "': x has " + x.length + " values but y has " + y.length);
    names.add(name);
    data.add(new double[][] {x.clone(), y.clone()});
    return this;
  }

  /**
   * Adds a series with an interval around each point (e.g. a 95% confidence interval), drawn as a vertical
   * bar with caps; a NaN bound draws no bar. All arrays must have the same length.
   */
  public LinePlot series(String name, double[] x, double[] y, double[] low, double[] high) {
    series(name, x, y);
    if (low == null || high == null || low.length != x.length || high.length != x.length) {
      throw new IllegalArgumentException("series '" + name + "': low and high need " + x.length + " values each");
    }
    double[][] d = data.get(data.size() - 1);
    data.set(data.size() - 1, new double[][] {d[0], d[1], low.clone(), high.clone()});
    return this;
  }

  /** Draws the chart on a new white RGB image of the given size (at least 160x120). */
  public BufferedImage render(int width, int height) {
    if (width < 160 || height < 120) throw new IllegalArgumentException("plot too small: " + width + "x" + height);
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
      g.setFont(font);
      FontMetrics fm = g.getFontMetrics();
      int left = 72, right = width - 20, top = 40, bottom = height - 52;

      // Ranges in axis coordinates (log10 of x on a log axis), 5% margin unless the y range is fixed.
      double[] xr = range(true), yr = Double.isNaN(yMin) ? range(false) : new double[] {yMin, yMax};
      double xPad = (xr[1] - xr[0]) * 0.05, yPad = Double.isNaN(yMin) ? (yr[1] - yr[0]) * 0.05 : 0;
      double x0 = xr[0] - xPad, x1 = xr[1] + xPad, y0 = yr[0] - yPad, y1 = yr[1] + yPad;
      DoubleUnaryOperator mx = v -> left + (v - x0) / (x1 - x0) * (right - left);
      DoubleUnaryOperator my = v -> bottom - (v - y0) / (y1 - y0) * (bottom - top);

      // Grid, ticks and tick labels.
      for (Map.Entry<Double, String> t : (logX ? logTicks(x0, x1) : linearTicks(x0, x1)).entrySet()) {
        int px = (int) Math.round(mx.applyAsDouble(t.getKey()));
        g.setColor(GRID);
        g.drawLine(px, top, px, bottom);
        g.setColor(Color.BLACK);
        g.drawLine(px, bottom, px, bottom + 5);
        g.drawString(t.getValue(), px - fm.stringWidth(t.getValue()) / 2, bottom + 7 + fm.getAscent());
      }
      for (Map.Entry<Double, String> t : linearTicks(y0, y1).entrySet()) {
        int py = (int) Math.round(my.applyAsDouble(t.getKey()));
        g.setColor(GRID);
        g.drawLine(left, py, right, py);
        g.setColor(Color.BLACK);
        g.drawLine(left - 5, py, left, py);
        g.drawString(t.getValue(), left - 8 - fm.stringWidth(t.getValue()), py + fm.getAscent() / 2 - 1);
      }
      g.drawRect(left, top, right - left, bottom - top);

      // Series, clipped to the plot area; a skipped point breaks the line.
      g.setClip(left, top, right - left + 1, bottom - top + 1);
      g.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      boolean intervals = false;
      for (double[][] d : data) intervals |= d.length == 4;
      for (int s = 0; s < data.size(); s++) {
        double[] xs = data.get(s)[0], ys = data.get(s)[1];
        g.setColor(colour(s));
        int px = Integer.MIN_VALUE, py = 0;
        for (int i = 0; i < xs.length; i++) {
          double xv = axisX(xs[i]);
          if (!Double.isFinite(xv) || !Double.isFinite(ys[i])) {
            px = Integer.MIN_VALUE;
            continue;
          }
          // with intervals, series are set a few pixels apart so that bars at the same x stay visible
          int cx = (int) Math.round(mx.applyAsDouble(xv)) + (intervals ? (2 * s - data.size() + 1) * 3 : 0);
          int cy = (int) Math.round(my.applyAsDouble(ys[i]));
          if (data.get(s).length == 4 && Double.isFinite(data.get(s)[2][i]) && Double.isFinite(data.get(s)[3][i])) {
            int lo = (int) Math.round(my.applyAsDouble(data.get(s)[2][i])), hi = (int) Math.round(my.applyAsDouble(data.get(s)[3][i]));
            g.setStroke(new BasicStroke(1.5f));
            g.drawLine(cx, lo, cx, hi);
            g.drawLine(cx - 4, lo, cx + 4, lo);
            g.drawLine(cx - 4, hi, cx + 4, hi);
            g.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
          }
          if (px != Integer.MIN_VALUE) g.drawLine(px, py, cx, cy);
          g.fillOval(cx - 3, cy - 3, 7, 7);
          px = cx;
          py = cy;
        }
      }
      g.setClip(null);

      // Legend in the top-right corner of the plot area.
      if (!names.isEmpty()) {
        int w = 0;
        for (String n : names) w = Math.max(w, fm.stringWidth(n));
        int lh = fm.getHeight() + 2, bw = w + 44, bh = lh * names.size() + 10;
        // the corner of the plot area that hides the fewest points and bars: top right, top left, bottom right, bottom left
        int[][] corners = {{right - bw - 8, top + 8}, {left + 8, top + 8}, {right - bw - 8, bottom - bh - 8}, {left + 8, bottom - bh - 8}};
        int bx = corners[0][0], by = corners[0][1], fewest = Integer.MAX_VALUE;
        for (int[] c : corners) {
          int hidden = 0;
          for (int s = 0; s < data.size(); s++) {
            double[][] d = data.get(s);
            for (int i = 0; i < d[0].length; i++) {
              double xv = axisX(d[0][i]);
              if (!Double.isFinite(xv)) continue;
              int px = (int) Math.round(mx.applyAsDouble(xv));
              for (int j = 1; j < d.length; j++) {
                if (!Double.isFinite(d[j][i])) continue;
                int py = (int) Math.round(my.applyAsDouble(d[j][i]));
                if (px >= c[0] - 6 && px <= c[0] + bw + 6 && py >= c[1] - 6 && py <= c[1] + bh + 6) hidden++;
              }
            }
          }
          if (hidden < fewest) {
            fewest = hidden;
            bx = c[0];
            by = c[1];
          }
        }
        g.setColor(new Color(255, 255, 255, 225));
        g.fillRect(bx, by, bw, bh);
        g.setColor(Color.GRAY);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(bx, by, bw, bh);
        g.setStroke(new BasicStroke(2f));
        for (int s = 0; s < names.size(); s++) {
          int cy = by + 5 + lh * s + lh / 2;
          g.setColor(colour(s));
          g.drawLine(bx + 8, cy, bx + 30, cy);
          g.fillOval(bx + 16, cy - 3, 7, 7);
          g.setColor(Color.BLACK);
          g.drawString(names.get(s), bx + 36, cy + fm.getAscent() / 2 - 1);
        }
      }

      // Title and axis labels (the y label rotated).
      g.setColor(Color.BLACK);
      g.setFont(font.deriveFont(Font.BOLD, 15f));
      g.drawString(title, (width - g.getFontMetrics().stringWidth(title)) / 2, 26);
      g.setFont(font.deriveFont(13f));
      FontMetrics lm = g.getFontMetrics();
      g.drawString(xLabel, (left + right - lm.stringWidth(xLabel)) / 2, height - 12);
      g.translate(20, (top + bottom) / 2.0);
      g.rotate(-Math.PI / 2);
      g.drawString(yLabel, -lm.stringWidth(yLabel) / 2, 0);
    } finally {
      g.dispose();
    }
    return img;
  }

  /** Writes the chart as PNG, creating parent folders; the file is replaced atomically via a temporary sibling. */
  public void write(Path png, int width, int height) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    if (!ImageIO.write(render(width, height), "png", bytes)) throw new IOException("no PNG writer available");
    Path abs = png.toAbsolutePath();
    Files.createDirectories(abs.getParent());
    Archives.writeAtomically(abs, bytes.toByteArray());
  }

  /** The palette colour of the {@code i}-th series. */
  public static Color colour(int i) {
    return PALETTE.get(i % PALETTE.size());
  }

  private double axisX(double v) {
    return logX ? (v > 0 ? Math.log10(v) : Double.NaN) : v;
  }

  /** Min/max over plottable points of x (axis coordinates) or y; an empty or degenerate range is widened. */
  private double[] range(boolean x) {
    double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
    for (double[][] d : data)
      for (int i = 0; i < d[0].length; i++) {
        double xv = axisX(d[0][i]);
        if (!Double.isFinite(xv) || !Double.isFinite(d[1][i])) continue;
        lo = Math.min(lo, x ? xv : d[1][i]);
        hi = Math.max(hi, x ? xv : d[1][i]);
        if (!x && d.length == 4 && Double.isFinite(d[2][i]) && Double.isFinite(d[3][i])) {
          lo = Math.min(lo, d[2][i]);
          hi = Math.max(hi, d[3][i]);
        }
      }
    if (lo > hi) return new double[] {0, 1};
    return lo == hi ? new double[] {lo - 0.5, hi + 0.5} : new double[] {lo, hi};
  }

  /** About five ticks at multiples of 1, 2 or 5 times a power of ten, labelled with the decimals the step needs. */
  static Map<Double, String> linearTicks(double lo, double hi) {
    double raw = (hi - lo) / 5, p = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / p;
    double step = (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
    int decimals = (int) Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
    Map<Double, String> ticks = new LinkedHashMap<>();
    for (long k = (long) Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
      String s = String.format(Locale.ROOT, "%." + decimals + "f", k * step);
      ticks.put(k * step, s.matches("-0(\\.0*)?") ? s.substring(1) : s);
    }
    return ticks;
  }

  /** Ticks at 10^k in [lo, hi] (log10 coordinates); also 2·10^k and 5·10^k if fewer than two powers fit. */
  private Map<Double, String> logTicks(double lo, double hi) {
    boolean percent = false;
    outer:
    for (double[][] d : data)
      for (double v : d[0]) {
        percent = v > 0 && v <= 1;
        if (!percent) break outer;
      }
    boolean dense = Math.floor(hi + 1e-9) - Math.ceil(lo - 1e-9) < 1;
    Map<Double, String> ticks = new LinkedHashMap<>();
    for (int k = (int) Math.floor(lo); k <= (int) Math.ceil(hi); k++)
      for (int m : dense ? new int[] {1, 2, 5} : new int[] {1}) {
        double t = Math.log10(m) + k;
        if (t < lo - 1e-9 || t > hi + 1e-9) continue;
        BigDecimal v = BigDecimal.valueOf(m).scaleByPowerOfTen(percent ? k + 2 : k);
        ticks.put(t, v.stripTrailingZeros().toPlainString() + (percent ? "%" : ""));
      }
    return ticks;
  }
}
