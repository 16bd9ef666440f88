package org.mflag.fiji.command;

import ij.measure.ResultsTable;
import java.io.File;
import java.util.List;
import java.util.Map;
import org.mflag.config.Key;
import org.mflag.eval.MetricsReport;
import org.mflag.fiji.convert.ImageJResults;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.infer.Evaluate;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/** M-FLAG Evaluate: a fine-tuned model's metrics on a split; one Results row (model, split, metrics) and the files. */
@Plugin(type = Command.class, headless = true, label = "M-FLAG Evaluate")
public class EvaluateCommand extends KeyCommand {

  @Parameter(label = "Model folder", style = "directory", persist = false)
  private File model;
  @Parameter(label = "Manifest (CSV, persist = false)", style = "open", persist = false)
  private File manifest;
  @Parameter(label = "Split", choices = {"train", "val", "test", "all"}, persist = false)
  private String split = "test";
  @Parameter(label = "Output folder (empty = in the model, persist = false)", required = false, persist = false)
  private String output = "";
  @Parameter(label = "Image column", persist = false)
  private String image_column = "image";
  @Parameter(label = "Row id column", persist = false)
  private String id_column = "id";
  @Parameter(label = "Split column", persist = false)
  private String split_column = "split";
  @Parameter(label = "Mask column", persist = false)
  private String mask_column = "mask";
  @Parameter(label = "Ignored mask value", required = false, persist = false)
  private String ignore_value = "";
  @Parameter(label = "Label column", persist = false)
  private String label_column = "label";
  @Parameter(label = "Label columns (multi-label, persist = false)", required = false)
  private String label_columns = "";
  @Parameter(label = "Boxes (COCO JSON, persist = false)", required = false)
  private String boxes = "";
  @Parameter(label = "Threshold (auto, persist = false)")
  private String threshold = "auto";
  @Parameter(label = "Confidence (auto, persist = false)")
  private String confidence = "auto";
  @Parameter(label = "NMS IoU (auto, persist = false)")
  private String nms_iou = "auto";
  @Parameter(label = "Batch size", min = "1", persist = false)
  private int batch_size = 16;
  @Parameter(label = "Loader threads", min = "1", persist = false)
  private int workers = 2;
  @Parameter(label = "Bad images", choices = {"skip", "fail"}, persist = false)
  private String on_bad_input = "skip";

  @Parameter(type = ItemIO.OUTPUT, label = "Metrics")
  private String metrics;

  @Override
  public List<Key> keys() {
    return Evaluate.KEYS;
  }

  @Override
  public String title() {
    return "M-FLAG Evaluate";
  }

  @Override
  public void run() {
    try {
      MetricsReport e = Evaluate.run(keyValues(), new ImageFileDecoder(), logger());
      metrics = e.describe();
      ResultsTable rt = ImageJResults.results();
      rt.incrementCounter();
      rt.addValue("model", model.getPath());
      rt.addValue("split", split);
      for (Map.Entry<String, Double> m : e.metrics.entrySet()) rt.addValue(m.getKey(), m.getValue());
      for (String line : metrics.split("\n")) logger().info(line);
    } catch (Exception e) {
      throw failure(e);
    }
  }
}
