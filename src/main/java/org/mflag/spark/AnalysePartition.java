package org.mflag.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.infer.BatchAnalysis;

/** A Spark task: the images of one partition through the executor's model, in batches, one row each. */
final class AnalysePartition implements FlatMapFunction<Iterator<BatchAnalysis.Item>, Row> {

  private static final long serialVersionUID = 1L;
  private final ExecutorModels.Spec spec;
  /** Rows with status error (for the driver's log; a retried task may count twice). */
  private final LongAccumulator errors;

  AnalysePartition(ExecutorModels.Spec spec, LongAccumulator errors) {
    this.spec = spec;
    this.errors = errors;
  }

  @Override
  public Iterator<Row> call(Iterator<BatchAnalysis.Item> items) throws Exception {
    BatchAnalysis analysis = ExecutorModels.get(spec);
    ImageFileDecoder decoder = new ImageFileDecoder();
    List<Row> out = new ArrayList<>();
    List<BatchAnalysis.Item> batch = new ArrayList<>();
    while (items.hasNext()) {
      batch.add(items.next());
      if (batch.size() == spec.options.batch() || !items.hasNext()) {
        for (Map<String, Object> row : analysis.analyse(batch, decoder)) {
          if (BatchAnalysis.ERROR.equals(row.get("status"))) errors.add(1);
          out.add(SparkAnalysis.row(row));
        }
        batch.clear();
      }
    }
    return out.iterator();
  }
}
