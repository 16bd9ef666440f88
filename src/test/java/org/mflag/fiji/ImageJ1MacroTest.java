package org.mflag.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.macro.Interpreter;
import ij.measure.ResultsTable;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.config.Task;
import org.mflag.fiji.convert.ImageJDecoder;
import org.mflag.train.FineTuner;
import org.mflag.train.FinetuneConfig;
import org.mflag.train.TrainingListener;

/**
 * A real, headless ImageJ 1 with the plugin installed as the README says (a jar holding
 * {@code plugins.config} in its plugins folder): macros call the commands by their menu names.
 */
class ImageJ1MacroTest {

  @TempDir
  static Path tmp;

  static Path model;

  @BeforeAll
  static void install() throws Exception {
    Path plugins = Files.createDirectories(tmp.resolve("ImageJ").resolve("plugins"));
    try (OutputStream out = Files.newOutputStream(plugins.resolve("mflag_fiji.jar"));
        ZipOutputStream zip = new ZipOutputStream(out);
        InputStream config = ImageJ1MacroTest.class.getResourceAsStream("/plugins.config")) {
      zip.putNextEntry(new ZipEntry("plugins.config"));
      config.transferTo(zip);
      zip.closeEntry();
    }
    System.setProperty("plugins.dir", plugins.toString());
    assertTrue(org.mflag.fiji.ij1.HeadlessImageJ.install().endsWith("installed headless"));
    model = tmp.resolve("segmenter");
    Map<String, String> k = new LinkedHashMap<>();
    k.put("manifest", TestData.manifest().toString());
    k.put("encoder_model", "random");
    k.put("encoder", "resnet18");
    k.put("output", model.toString());
    k.put("image_size", "64");
    k.put("batch_size", "8");
    k.put("epochs", "3");
    k.put("ignore_value", "127");
    k.put("log_every", "1000");
    new FineTuner(FinetuneConfig.of(Task.SEGMENTATION, k), new ImageJDecoder(), TestData.log()).run(new TrainingListener() {}, () -> false);
  }

  @Test
  void macroSegmentsAnXrayIntoMaskRoisAndResults() {
    Path xray = TestData.manifest().resolveSibling("images").resolve("16660_3_1.png");
    ImagePlus imp = IJ.openImage(xray.toString());
    assertNotNull(imp, xray + " opens");
    byte[] before = ((byte[]) imp.getProcessor().convertToByte(false).getPixels()).clone();
    Interpreter.batchMode = true;
    WindowManager.setTempCurrentImage(imp);
    ResultsTable.getResultsTable().reset();
    String ret = IJ.runMacro("run(\"M-FLAG Segment\", \"model=[" + model + "] output=mask add_to=overlay\");\n"
        + "return getTitle() + \",\" + nResults;");
    assertNotNull(ret, "the macro ran (see the log above for a failure)");
    String[] parts = ret.split(",");
    assertEquals(imp.getShortTitle() + "-mask", parts[0], "the mask becomes the current image");
    ImagePlus mask = WindowManager.getImage(parts[0]);
    assertNotNull(mask);
    assertEquals(imp.getWidth(), mask.getWidth());
    assertEquals(imp.getHeight(), mask.getHeight());
    assertEquals(8, mask.getBitDepth());
    int fg = 0;
    for (int i = 0; i < mask.getWidth() * mask.getHeight(); i++) {
      int v = mask.getProcessor().get(i);
      assertTrue(v == 0 || v == 255);
      if (v == 255) fg++;
    }
    assertTrue(fg > 0, "some foreground");
    int rows = Integer.parseInt(parts[1]);
    assertTrue(rows >= 1, rows + " regions in Results");
    assertNotNull(imp.getOverlay(), "ROIs on the image's overlay");
    assertEquals(rows, imp.getOverlay().size(), "one ROI per region, one Results row per region");
    assertTrue(java.util.Arrays.equals(before, (byte[]) imp.getProcessor().convertToByte(false).getPixels()), "input pixels unchanged");
  }
}
