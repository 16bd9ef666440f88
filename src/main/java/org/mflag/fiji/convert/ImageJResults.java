package org.mflag.fiji.convert;

import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.measure.Calibration;
import ij.measure.ResultsTable;
import ij.plugin.filter.ThresholdToSelection;
import ij.plugin.frame.RoiManager;
import ij.process.ByteProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import ij.process.ShortProcessor;
import java.awt.GraphicsEnvironment;
import java.util.List;
import org.mflag.data.Box;
import org.mflag.data.GrayImage;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.infer.Classification;
import org.mflag.infer.Regions;

/**
 * Turns the core's results into the ImageJ objects Fiji users work with: mask and label images with
 * the input's calibration, ROIs in the ROI Manager or an overlay, and Results tables. The input
 * image's pixels are never changed.
 */
public final class ImageJResults {

  /** Where ROIs go. */
  public enum Target { ROI_MANAGER, OVERLAY, NONE }

  private ImageJResults() {}

  /** The grey values of slice {@code n} (1-based) of an image, with its calibration and LUT polarity. */
  public static GrayImage slice(ImagePlus imp, int n) {
    ImageProcessor ip = imp.getStack().getProcessor(n);
    try {
      return ImageFileDecoder.toGray(ip, imp.getCalibration(), imp.isInvertedLut());
    } catch (ImageFileDecoder.NotGreyException e) {
      throw new IllegalArgumentException(imp.getTitle() + (imp.getStackSize() > 1 ? ", slice " + n : "") + ": " + e.getMessage(), e);
    }
  }

  /** An image of the input's size and calibration built from one processor per slice. */
  public static ImagePlus image(String title, ImagePlus like, ImageStack stack) {
    ImagePlus out = new ImagePlus(title, stack);
    Calibration cal = like.getCalibration().copy();
    cal.disableDensityCalibration();
    out.setCalibration(cal);
    return out;
  }

  public static ImageProcessor mask(boolean[] fg, int w, int h) {
    byte[] px = new byte[w * h];
    for (int i = 0; i < px.length; i++) px[i] = fg[i] ? (byte) 255 : 0;
    return new ByteProcessor(w, h, px);
  }

  public static ImageProcessor labels(Regions r, int w, int h) {
    short[] px = new short[w * h];
    for (int i = 0; i < px.length; i++) px[i] = (short) Math.min(65535, r.labels[i]);
    ShortProcessor sp = new ShortProcessor(w, h, px, null);
    sp.setMinAndMax(0, Math.max(1, r.count));
    return sp;
  }

  public static ImageProcessor probability(float[] p, int w, int h) {
    FloatProcessor fp = new FloatProcessor(w, h, p);
    fp.setMinAndMax(0, 1);
    return fp;
  }

  /** One traced ROI per region ({@link ThresholdToSelection} of its pixels), named and set on slice {@code slice}. */
  public static Roi[] rois(Regions r, int w, int h, int slice, String prefix) {
    Roi[] out = new Roi[r.count];
    for (int k = 1; k <= r.count; k++) {
      ByteProcessor bp = new ByteProcessor(w, h);
      for (int i = 0; i < r.labels.length; i++) if (r.labels[i] == k) bp.set(i, 255);
      bp.setThreshold(255, 255, ImageProcessor.NO_LUT_UPDATE);
      Roi roi = ThresholdToSelection.run(new ImagePlus("", bp));
      roi.setName(prefix + k);
      roi.setPosition(slice);
      out[k - 1] = roi;
    }
    return out;
  }

  public static Roi rectangle(Box b, String name, int slice) {
    Roi roi = new Roi(b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0);
    roi.setName(name);
    roi.setPosition(slice);
    return roi;
  }

  /**
   * Adds ROIs where the user asked. The ROI Manager is a window, which a headless JVM cannot open: there
   * the ROIs go to the image's overlay and the returned message says so.
   */
  public static String add(List<Roi> rois, ImagePlus onto, Target target) {
    if (target == Target.NONE || rois.isEmpty()) return null;
    String note = null;
    if (target == Target.ROI_MANAGER) {
      if (!GraphicsEnvironment.isHeadless()) {
        // a batch-mode macro has its own, hidden ROI Manager: the one roiManager("count") reads
        RoiManager rm = ij.macro.Interpreter.isBatchMode() ? ij.macro.Interpreter.getBatchModeRoiManager() : null;
        if (rm == null) rm = RoiManager.getRoiManager();
        for (Roi roi : rois) rm.addRoi(roi);
        return null;
      }
      note = "headless: no ROI Manager window, ROIs added to the overlay of " + onto.getTitle();
    }
    Overlay ov = onto.getOverlay() == null ? new Overlay() : onto.getOverlay();
    for (Roi roi : rois) ov.add(roi);
    onto.setOverlay(ov);
    return note;
  }

  /** Adds a Results row for a classified slice (image, slice, label, {@code p_<class>}); returns the label. */
  public static String addClassRow(ResultsTable rt, ImagePlus image, int slice, Classification c) {
    String label = c.predicted();
    rt.incrementCounter();
    rt.addValue("image", image.getTitle());
    rt.addValue("slice", slice);
    rt.addValue("label", label);
    for (int k = 0; k < c.classes().size(); k++) rt.addValue("p_" + c.classes().get(k), c.probabilities()[k]);
    return label;
  }

  /** Adds a Results row per region of a segmented slice: image, slice, region, area (calibrated), centroid x, y. */
  public static void addRegionRows(ResultsTable rt, ImagePlus image, int slice, Regions r) {
    Calibration cal = image.getCalibration();
    for (int k = 0; k < r.count; k++) {
      rt.incrementCounter();
      rt.addValue("image", image.getTitle());
      rt.addValue("slice", slice);
      rt.addValue("region", k + 1);
      rt.addValue("area", r.area[k] * cal.pixelWidth * cal.pixelHeight);
      rt.addValue("x", cal.getX(r.centroidX[k]));
      rt.addValue("y", cal.getY(r.centroidY[k], image.getHeight()));
    }
  }

  /** Adds a Results row for a detected box: image, slice, x, y, w, h (calibrated), class, score. */
  public static void addBoxRow(ResultsTable rt, ImagePlus image, int slice, Box b, String className) {
    Calibration cal = image.getCalibration();
    rt.incrementCounter();
    rt.addValue("image", image.getTitle());
    rt.addValue("slice", slice);
    rt.addValue("x", cal.getX(b.x0));
    rt.addValue("y", cal.getY(b.y0, image.getHeight()));
    rt.addValue("w", (b.x1 - b.x0) * cal.pixelWidth);
    rt.addValue("h", (b.y1 - b.y0) * cal.pixelHeight);
    rt.addValue("class", className);
    rt.addValue("score", b.score);
  }

  /** The "Results" table, created if needed (the one macros read with getResult and save with saveAs). */
  public static ResultsTable results() {
    ResultsTable rt = ResultsTable.getResultsTable();
    return rt == null ? new ResultsTable() : rt;
  }
}
