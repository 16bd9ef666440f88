package org.mflag.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

  @BeforeAll
  static void headless() {
    System.setProperty("java.awt.headless", "true"); // surefire sets it too; keeps the test safe when run elsewhere
  }

  /** Pixels of exactly {@code c} inside the rectangle. */
  private static int count(BufferedImage img, Color c, int x0, int y0, int x1, int y1) {
    int n = 0;
    for (int y = y0; y < y1; y++) for (int x = x0; x < x1; x++) if ((img.getRGB(x, y) & 0xFFFFFF) == (c.getRGB() & 0xFFFFFF)) n++;
    return n;
  }

  @Test
  void writesPngWithBothPaletteColours(@TempDir Path dir) throws Exception {
    Path png = dir.resolve("a/b/plot.png");
    new LinePlot("Loss", "epoch", "loss")
        .series("train", new double[] {1, 2, 3, 4, 5}, new double[] {1.0, 0.6, Double.NaN, 0.3, 0.2})
        .series("validation", new double[] {1, 2, 3, 4, 5}, new double[] {1.1, 0.8, 0.7, 0.65, 0.6})
        .write(png, 640, 400);
    assertTrue(Files.isRegularFile(png));
    try (var files = Files.list(png.getParent())) {
      assertEquals(1, files.count(), "no temporary file is left behind");
    }
    BufferedImage img = ImageIO.read(png.toFile());
    assertNotNull(img);
    assertEquals(640, img.getWidth());
    assertEquals(400, img.getHeight());
    assertEquals(Color.WHITE.getRGB(), img.getRGB(2, 2), "white background");
    // Plot area is x in [72, 620], y in [40, 348]; look only left of the legend (top-right corner).
    int nonWhite = 0;
    for (int y = 45; y < 345; y++) for (int x = 80; x < 610; x++) if ((img.getRGB(x, y) & 0xFFFFFF) != 0xFFFFFF) nonWhite++;
    assertTrue(nonWhite > 500, "data drawn in the plot area: " + nonWhite);
    assertTrue(count(img, LinePlot.colour(0), 72, 100, 620, 348) > 50, "first series colour");
    assertTrue(count(img, LinePlot.colour(1), 72, 100, 620, 348) > 50, "second series colour");
    assertEquals(new Color(0x0072B2), LinePlot.colour(0));
    assertEquals(new Color(0xD55E00), LinePlot.colour(1));
  }

  @Test
  void logXWithLabelFractions(@TempDir Path dir) throws Exception {
    LinePlot plot = new LinePlot("F1 vs labels", "label fraction", "F1").logX(true).yRange(0, 1)
        .series("M-FLAG", new double[] {0.01, 0.1, 1}, new double[] {0.5, 0.7, 0.8});
    BufferedImage img = plot.render(500, 300);
    assertEquals(500, img.getWidth());
    assertTrue(count(img, LinePlot.colour(0), 72, 40, 480, 248) > 50);
    Path png = dir.resolve("log.png");
    plot.write(png, 500, 300);
    plot.write(png, 500, 300); // replacing an existing file works
    assertEquals(300, ImageIO.read(png.toFile()).getHeight());
  }

  @Test
  void intervalsDrawBarsAndWidenTheRange() {
    // one point at y = 0.5 with an interval 0.1 .. 0.9: without a fixed range the axis must reach the bar's ends
    LinePlot plot = new LinePlot("", "x", "y").series("a", new double[] {1}, new double[] {0.5}, new double[] {0.1}, new double[] {0.9});
    BufferedImage img = plot.render(400, 300);
    int column = -1, most = 0;
    for (int x = 72; x < 380; x++) {
      int n = count(img, LinePlot.colour(0), x, 40, x + 1, 248);
      if (n > most) {
        most = n;
        column = x;
      }
    }
    assertTrue(most > 150, "a vertical bar of the series colour over most of the plot height: " + most + " px at x " + column);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new LinePlot("t", "x", "y").series("short-ci", new double[] {1, 2}, new double[] {1, 2}, new double[] {0}, new double[] {3, 3}));
    assertTrue(e.getMessage().contains("short-ci"), e.getMessage());
  }

  @Test
  void mismatchedLengthsNameTheSeries() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new LinePlot("t", "x", "y").series("broken-run", new double[] {1, 2}, new double[] {1}));
    assertTrue(e.getMessage().contains("broken-run"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new LinePlot("t", "x", "y").yRange(1, 1));
  }

  @Test
  void tickLabels() {
    assertEquals(List.of("0.0", "0.2", "0.4", "0.6", "0.8", "1.0"), List.copyOf(LinePlot.linearTicks(0, 1).values()));
    assertEquals(List.of("0", "20", "40", "60", "80", "100"), List.copyOf(LinePlot.linearTicks(-3, 103).values()));
  }

  @Test
  void emptyPlotRenders() {
    BufferedImage img = new LinePlot("", "", "").logX(true).render(200, 150);
    assertFalse(img.getRGB(72, 40) == Color.WHITE.getRGB(), "axes drawn");
  }

  @Test
  void markdownTable() {
    String expected =
        "| model | F1   |\n"
            + "| ----- | ---- |\n"
            + "| a     | 0.50 |\n"
            + "| bb    | n/a  |\n";
    assertEquals(expected, MarkdownTable.render(List.of("model", "F1"),
        List.of(List.of("a", MarkdownTable.number(0.5, 2)), List.of("bb", MarkdownTable.number(Double.NaN, 2)))));
    assertEquals("| a\\|b |\n| ---- |\n| x    |\n", MarkdownTable.render(List.of("a|b"), List.of(List.of("x"))));
    assertEquals("n/a", MarkdownTable.number(Double.NaN, 3));
    assertEquals("1234.568", MarkdownTable.number(1234.5678, 3));
    assertEquals("0.00", MarkdownTable.number(-0.001, 2));
    assertThrows(IllegalArgumentException.class, () -> MarkdownTable.render(List.of("a"), List.of(List.of("1", "2"))));
  }
}
