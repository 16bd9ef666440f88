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
import org.mflag.infer.EvaluateConfig;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/** M-FLAG Evaluate: a fine-tuned model's metrics on a split; one Results row (model, split, metrics) and the files. */
@Plugin(type = Command.class, headless = true, label = "M-FLAG Evaluate")
public class EvaluateCommand extends KeyCommand {

  @Parameter(style = "directory", persist = false)
  private File model;
  @Parameter(style = "open", persist = false)
  private File manifest;
  @Parameter(persist = false)
  private String split;
  @Parameter(persist = false)
  private String output;
  @Parameter(persist = false)
  private String image_column;
  @Parameter(persist = false)
  private String id_column;
  @Parameter(persist = false)
  private String split_column;
  @Parameter(persist = false)
  private String mask_column;
  @Parameter(persist = false)
  private String ignore_value;
  @Parameter(persist = false)
  private String label_column;
  @Parameter(persist = false)
  private String label_columns;
  @Parameter(persist = false)
  private String boxes;
  @Parameter(persist = false)
  private String threshold;
  @Parameter(persist = false)
  private String confidence;
  @Parameter(persist = false)
  private String nms_iou;
  @Parameter(persist = false)
  private int batch_size;
  @Parameter(persist = false)
  private String device;
  @Parameter(persist = false)
  private int workers;
  @Parameter(persist = false)
  private String on_bad_input;

  @Parameter(type = ItemIO.OUTPUT, label = "Metrics")
  private String metrics;

  @Override
  public List<Key> keys() {
    return EvaluateConfig.KEYS;
  }

  @Override
  public String title() {
    return "M-FLAG Evaluate";
  }

  @Override
  public void run() {
    try {
      MetricsReport e = Evaluate.run(EvaluateConfig.of(keyValues()), new ImageFileDecoder(), logger());
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
