package org.mflag.fiji.command;

import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Roi;
import ij.measure.ResultsTable;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.fiji.convert.ImageJResults;
import org.mflag.infer.InferenceKeys;
import org.mflag.infer.Regions;
import org.mflag.infer.Inference;
import org.mflag.infer.InferenceOptions;
import org.mflag.infer.Job;
import org.mflag.infer.Segmentation;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/**
 * M-FLAG Segment: applies a fine-tuned segmenter to the image (every slice of a stack) and returns a
 * new mask (8-bit 0/255) or label image with the input's size and calibration, one ROI per connected
 * region (ROI Manager or overlay), a Results row per region (image, slice, region, area in calibrated
 * units, centroid) and, optionally, the probability map. 8-bit, 16-bit, 32-bit and RGB images work;
 * the input's pixels are not changed. With a {@code scale}, the image runs in overlapping tiles.
 */
@Plugin(type = Command.class, headless = true, label = "M-FLAG Segment")
public class SegmentCommand extends KeyCommand {

  @Parameter(label = "Image", persist = false)
  private ImagePlus image;
  @Parameter(style = "directory", persist = false)
  private File model;
  @Parameter(persist = false)
  private String device;
  @Parameter(persist = false)
  private String engine;
  @Parameter(persist = false)
  private String output;
  @Parameter(persist = false)
  private String add_to;
  @Parameter(persist = false)
  private boolean probability_map;
  @Parameter(persist = false)
  private String threshold;
  @Parameter(persist = false)
  private String scale;
  @Parameter(persist = false)
  private String overlap;

  @Parameter(type = ItemIO.OUTPUT, label = "Mask")
  private ImagePlus mask;
  @Parameter(type = ItemIO.OUTPUT, label = "Probability", required = false)
  private ImagePlus probability;
  @Parameter(type = ItemIO.OUTPUT, label = "Regions")
  private int regions;

  @Override
  public List<Key> keys() {
    return InferenceKeys.SEGMENT;
  }

  @Override
  public String title() {
    return "M-FLAG Segment";
  }

  @Override
  public void run() {
    try {
      KeyValues kv = keyValues();
      boolean labels = "labels".equals(kv.string(InferenceKeys.OUTPUT));
      try (Inference net = openInference(image, kv, Job.SEGMENT, InferenceOptions.of(Job.SEGMENT, kv))) {
        int w = image.getWidth(), h = image.getHeight(), n = image.getStackSize();
        ImageStack masks = new ImageStack(w, h);
        ImageStack probs = new ImageStack(w, h);
        List<Roi> rois = new ArrayList<>();
        ResultsTable rt = ImageJResults.results();
        regions = 0;
        boolean done = forEachSlice(image, (s, grey) -> {
          Segmentation seg = net.segment(grey);
          Regions r = seg.regions();
          masks.addSlice(labels ? ImageJResults.labels(r, w, h) : ImageJResults.mask(seg.mask(), w, h));
          if (probability_map) probs.addSlice(ImageJResults.probability(seg.probability(), w, h));
          for (Roi roi : ImageJResults.rois(r, w, h, n > 1 ? s : 0, (n > 1 ? "slice" + s + "-" : "") + "region")) rois.add(roi);
          ImageJResults.addRegionRows(rt, image, s, r);
          regions += r.count;
        });
        if (!done) return;
        mask = ImageJResults.image(image.getShortTitle() + (labels ? "-labels" : "-mask"), image, masks);
        if (labels) mask.getProcessor().setMinAndMax(0, Math.max(1, regions));
        probability = probability_map ? ImageJResults.image(image.getShortTitle() + "-probability", image, probs) : null;
        String note = ImageJResults.add(rois, image, ImageJResults.Target.valueOf(kv.string(InferenceKeys.ADD_TO).toUpperCase(Locale.ROOT)));
        if (note != null) logger().info(note);
        logger().info(String.format("%s: %d region(s) in %d slice(s) at threshold %.2f (%s)", image.getTitle(), regions, n, net.threshold(), model));
      }
    } catch (Exception e) {
      throw failure(e);
    }
  }

  public ImagePlus getMask() {
    return mask;
  }

  public ImagePlus getProbability() {
    return probability;
  }
}
