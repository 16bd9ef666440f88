package org.mflag.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImageJ;
import ij.ImagePlus;
import ij.gui.Roi;
import ij.plugin.frame.RoiManager;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.config.Task;
import org.mflag.fiji.command.SegmentCommand;
import org.scijava.Context;
import org.scijava.command.CommandService;

/**
 * {@code add_to=roi_manager} with a display: ImageJ 1 with its menus (built from the installed jar's
 * {@code plugins.config}), a macro recorded as the issue shows it, and a SciJava Context. Needs a
 * display, so {@code mvn test} (headless) skips it; {@code scripts/display-checks.sh} runs it under Xvfb.
 */
@EnabledIfSystemProperty(named = "java.awt.headless", matches = "false")
class RoiManagerDisplayTest {

  @TempDir
  static Path tmp;
  static Path model;
  static ImageJ ij;

  @BeforeAll
  static void start() throws Exception {
    TestData.installImageJPlugins(tmp);
    ij = new ImageJ(ImageJ.NO_SHOW);
    model = TestData.smallFinetune(Task.SEGMENTATION, tmp.resolve("segmenter"), "ignore_value", "127");
  }

  @AfterAll
  static void quit() {
    RoiManager rm = RoiManager.getInstance();
    if (rm != null) rm.close();
    if (ij != null) ij.exitWhenQuitting(false);
  }

  private static String xray() {
    return TestData.manifest().resolveSibling("images").resolve("16660_3_1.png").toString();
  }

  @Test
  void theMenuCommandFromAMacroFillsTheRoiManager() {
    String ret = IJ.runMacro("open('" + xray() + "');\n"
        + "roiManager('reset');\n"
        + "run('M-FLAG Segment', 'model=[" + model + "] add_to=roi_manager');\n"
        + "mask = getTitle();\n"
        + "return '' + roiManager('count') + ' ' + nResults + ' ' + mask;\n");
    String[] got = ret.split(" ");
    int rois = Integer.parseInt(got[0]);
    assertTrue(rois > 0, "ROIs in the ROI Manager: " + ret);
    assertEquals(rois, Integer.parseInt(got[1]), "one Results row per ROI: " + ret);
    assertEquals("16660_3_1-mask", got[2], "the mask is the new current image");
    IJ.runMacro("close('*');");
  }

  /** Batch mode is how Fiji users process folders: the macro's own (hidden) ROI Manager gets the ROIs. */
  @Test
  void aBatchModeMacroSeesTheRois() {
    String ret = IJ.runMacro("run('Clear Results');\nsetBatchMode(true);\n"
        + "open('" + xray() + "');\n"
        + "roiManager('reset');\n"
        + "run('M-FLAG Segment', 'model=[" + model + "] add_to=roi_manager');\n"
        + "n = roiManager('count');\n"
        + "setBatchMode(false);\n"
        + "return '' + n + ' ' + nResults;\n");
    String[] got = ret.split(" ");
    assertTrue(Integer.parseInt(got[0]) > 0, "ROIs seen by the batch-mode macro: " + ret);
    assertEquals(got[0], got[1], "one Results row per ROI: " + ret);
    IJ.runMacro("close('*');");
  }

  @Test
  void aSciJavaContextAddsNamedRoisToTheRoiManagerNotTheOverlay() throws Exception {
    ImagePlus imp = IJ.openImage(xray());
    RoiManager rm = RoiManager.getRoiManager();
    rm.reset();
    try (Context ctx = new Context(CommandService.class)) {
      int regions = (Integer) ctx.service(CommandService.class)
          .run(SegmentCommand.class, true, "image", imp, "model", model.toFile(), "add_to", "roi_manager").get().getOutput("regions");
      assertEquals(regions, rm.getCount());
      for (Roi roi : rm.getRoisAsArray()) assertTrue(roi.getName().startsWith("region"), roi.getName());
      assertNull(imp.getOverlay(), "with a display the ROIs go to the ROI Manager only");
    }
  }
}
