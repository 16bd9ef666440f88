package org.mflag.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.measure.Calibration;
import ij.measure.ResultsTable;
import ij.process.ImageProcessor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.config.Task;
import org.mflag.fiji.command.SegmentCommand;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.infer.BatchAnalysis;
import org.mflag.infer.Inference;
import org.mflag.infer.InferenceOptions;
import org.mflag.infer.Job;
import org.mflag.infer.Segmentation;
import org.scijava.Context;
import org.scijava.command.CommandModule;
import org.scijava.command.CommandService;

/** M-FLAG Segment from a SciJava context (a script, Fiji, a cluster job) on 16-bit stacks and RGB images, no UI. */
class SegmentCommandTest {

  @TempDir
  static Path tmp;
  static Path model;

  @BeforeAll
  static void train() throws Exception {
    model = TestData.smallFinetune(Task.SEGMENTATION, tmp.resolve("segmenter"), "ignore_value", "127");
  }

  private static ImagePlus xray() {
    return IJ.openImage(TestData.manifest().resolveSibling("images").resolve("16660_3_1.png").toString());
  }

  private static CommandModule segment(Context ctx, ImagePlus imp, Object... more) throws Exception {
    Object[] args = new Object[6 + more.length];
    args[0] = "image";
    args[1] = imp;
    args[2] = "model";
    args[3] = model.toFile();
    args[4] = "add_to";
    args[5] = "none";
    System.arraycopy(more, 0, args, 6, more.length);
    return ctx.service(CommandService.class).run(SegmentCommand.class, true, args).get();
  }

  @Test
  void sixteenBitStackGivesACalibratedMaskPerSlice() throws Exception {
    ImagePlus grey = xray();
    ImageStack stack = new ImageStack(grey.getWidth(), grey.getHeight());
    ImageProcessor sixteen = grey.getProcessor().convertToShort(false);
    sixteen.multiply(200); // 0..51000: a 16-bit range
    stack.addSlice(sixteen);
    stack.addSlice(sixteen.duplicate());
    ImagePlus imp = new ImagePlus("stack", stack);
    Calibration cal = imp.getCalibration();
    cal.pixelWidth = 0.2;
    cal.pixelHeight = 0.2;
    cal.setUnit("mm");
    ResultsTable.getResultsTable().reset();
    try (Context ctx = new Context(CommandService.class)) {
      CommandModule m = segment(ctx, imp, "output", "labels", "probability_map", true);
      ImagePlus labels = (ImagePlus) m.getOutput("mask");
      assertEquals(2, labels.getStackSize());
      assertEquals(16, labels.getBitDepth());
      assertEquals(0.2, labels.getCalibration().pixelWidth, 0);
      assertEquals("mm", labels.getCalibration().getUnit());
      ImagePlus p = (ImagePlus) m.getOutput("probability");
      assertNotNull(p);
      assertEquals(32, p.getBitDepth());
      int regions = (Integer) m.getOutput("regions");
      assertTrue(regions >= 2 && regions % 2 == 0, "the same regions in both identical slices: " + regions);
      ResultsTable rt = ResultsTable.getResultsTable();
      assertEquals(regions, rt.size());
      // areas are in mm^2: pixel count x 0.04
      double maxLabel = labels.getStack().getProcessor(1).getStatistics().max;
      assertEquals(regions / 2.0, maxLabel, 0, "labels 1..n per slice");
      assertTrue(rt.getValue("area", 0) > 0);
    }
  }

  @Test
  void rgbImageWorksAndTheInputStaysUntouched() throws Exception {
    ImagePlus rgb = xray();
    rgb.setProcessor(rgb.getProcessor().convertToRGB());
    int[] before = ((int[]) rgb.getProcessor().getPixels()).clone();
    try (Context ctx = new Context(CommandService.class)) {
      ImagePlus mask = (ImagePlus) segment(ctx, rgb).getOutput("mask");
      assertEquals(8, mask.getBitDepth());
      assertEquals(rgb.getWidth(), mask.getWidth());
      assertTrue(java.util.Arrays.equals(before, (int[]) rgb.getProcessor().getPixels()));
      assertEquals(null, rgb.getOverlay(), "add_to=none adds no ROIs");
    }
  }

  @Test
  void aFolderWithoutAModelIsNamedInTheError() throws Exception {
    try (Context ctx = new Context(CommandService.class)) {
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> ctx.service(CommandService.class).run(SegmentCommand.class, true, "image", xray(), "model", tmp.toFile(), "add_to", "none").get());
      StringBuilder messages = new StringBuilder();
      for (Throwable t = e; t != null; t = t.getCause()) messages.append(t.getMessage()).append(" | ");
      assertTrue(messages.toString().contains(tmp + ": no rdf.yaml"), messages.toString());
    }
  }

  @Test
  void tilingAtTheNetworksSizeEqualsTheWholeImageAndLargerScalesTile() throws Exception {
    ImagePlus square = xray();
    square.setRoi(0, 0, 436, 436);
    square = square.crop();
    try (Context ctx = new Context(CommandService.class)) {
      float[] whole = (float[]) ((ImagePlus) segment(ctx, square, "probability_map", true).getOutput("probability")).getProcessor().getPixels();
      // 436 * 64/436 = one 64-pixel tile: the same input as the whole-image resize
      float[] oneTile = (float[]) ((ImagePlus) segment(ctx, square, "probability_map", true, "scale", String.valueOf(64.0 / 436))
          .getOutput("probability")).getProcessor().getPixels();
      assertEquals(whole.length, oneTile.length);
      for (int i = 0; i < whole.length; i++) assertEquals(whole[i], oneTile[i], 1e-5, "pixel " + i);
      // 512 x 436 at 0.25 = 128 x 109 network pixels: 3 x 2 tiles of 64
      CommandModule m = segment(ctx, xray(), "probability_map", true, "scale", "0.25", "overlap", "16");
      ImagePlus mask = (ImagePlus) m.getOutput("mask");
      assertEquals(512, mask.getWidth());
      assertEquals(436, mask.getHeight());
      ImagePlus p = (ImagePlus) m.getOutput("probability");
      for (float v : (float[]) p.getProcessor().getPixels()) assertTrue(v >= 0 && v <= 1, "a probability: " + v);
    }
  }

  /**
   * One inference API under every adapter: the Fiji command, the launcher's batch job (the Spark executors run the
   * same {@link BatchAnalysis}) and {@link Inference} itself give the same mask and regions, tiled or not.
   */
  @Test
  void theCommandTheBatchJobAndTheApiGiveTheSameMask(@TempDir Path out) throws Exception {
    Path file = TestData.manifest().resolveSibling("images").resolve("16660_3_1.png");
    for (double scale : new double[] {0, 0.25}) {
      InferenceOptions options = InferenceOptions.DEFAULTS.withScale(scale);
      Segmentation api;
      try (Inference net = Inference.open(model, Job.SEGMENT, options, null)) {
        api = net.segment(new ImageFileDecoder().read(file));
      }
      Map<String, Object> row;
      Path masks = out.resolve("scale" + scale);
      try (BatchAnalysis batch = BatchAnalysis.open(Job.SEGMENT, model, options.withMasksUnder(masks), null)) {
        row = batch.analyse(List.of(new BatchAnalysis.Item("x", file.toString(), file)), new ImageFileDecoder()).get(0);
      }
      CommandModule m;
      try (Context ctx = new Context(CommandService.class)) {
        m = segment(ctx, xray(), "scale", scale == 0 ? "auto" : String.valueOf(scale));
      }
      assertTrue(api.regions().count > 0, "the fixture segments something at scale " + scale);
      assertEquals((long) api.regions().count, row.get("regions"));
      assertEquals(api.regions().count, (Integer) m.getOutput("regions"));
      byte[] fiji = (byte[]) ((ImagePlus) m.getOutput("mask")).getProcessor().getPixels();
      byte[] written = (byte[]) IJ.openImage(masks.resolve((String) row.get("mask")).toString()).getProcessor().getPixels();
      for (int i = 0; i < fiji.length; i++) {
        int want = api.mask()[i] ? 255 : 0;
        assertEquals(want, fiji[i] & 0xff, "Fiji's mask, pixel " + i + " at scale " + scale);
        assertEquals(want, written[i] & 0xff, "the batch job's mask, pixel " + i + " at scale " + scale);
      }
    }
  }

  @Test
  void theCommandOnOnnxRuntimeGivesTensorFlowsMask() throws Exception {
    Path file = TestData.manifest().resolveSibling("images").resolve("16660_3_1.png");
    for (double scale : new double[] {0, 0.25}) {
      Segmentation tf;
      try (Inference net = Inference.open(model, Job.SEGMENT, InferenceOptions.DEFAULTS.withScale(scale), null, org.mflag.infer.Engine.TENSORFLOW)) {
        tf = net.segment(new ImageFileDecoder().read(file));
      }
      CommandModule m;
      try (Context ctx = new Context(CommandService.class)) {
        m = segment(ctx, xray(), "scale", scale == 0 ? "auto" : String.valueOf(scale), "engine", "onnxruntime");
      }
      byte[] fiji = (byte[]) ((ImagePlus) m.getOutput("mask")).getProcessor().getPixels();
      int differ = 0, near = 0;
      for (int i = 0; i < fiji.length; i++) {
        if ((fiji[i] != 0) != tf.mask()[i]) differ++;
        if (Math.abs(tf.probability()[i] - tf.threshold()) < 1e-4) near++;
      }
      assertTrue(tf.regions().count > 0, "the fixture segments something at scale " + scale);
      assertTrue(differ <= near, "scale " + scale + ": " + differ + " pixels differ from TensorFlow's mask, " + near + " lie at the threshold");
      assertEquals(tf.regions().count, (Integer) m.getOutput("regions"), "regions at scale " + scale);
    }
  }
}
