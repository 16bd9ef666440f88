package org.mflag.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Fine-tuning's model selection: the validation metric after every epoch (higher is better), the best
 * epoch, the epochs without improvement and the per-epoch history ({@code history.csv}). Patience counts
 * only once the best beats the untrained model's score: a detector whose confidences are all still below
 * the threshold scores mAP 0 for a while, which is no reason to stop. All of it is part of every checkpoint.
 */
final class EarlyStopping {

  private final String metric;
  private final int patience;
  double best = Double.NaN;
  /** The validation metric before training. */
  double initial = Double.NaN;
  int bestEpoch;
  int badEpochs;
  final List<String> history = new ArrayList<>();
  String metricNames = "";

  EarlyStopping(String metric, int patience) {
    this.metric = metric;
    this.patience = patience;
  }

  /** Records the untrained model's metrics as epoch 0. */
  void before(Map<String, Double> metrics) {
    initial = metrics.get(metric);
    history.add(String.format(Locale.ROOT, "0,NaN,%s", csv(metrics)));
    metricNames = String.join(",", metrics.keySet());
  }

  /** Records an epoch; returns whether its metric is the best so far (its weights are then the ones to keep). */
  boolean after(int epoch, double meanLoss, Map<String, Double> metrics) {
    double m = metrics.get(metric);
    boolean improved = bestEpoch == 0 || (!Double.isNaN(m) && (Double.isNaN(best) || m > best));
    if (improved) {
      best = m;
      bestEpoch = epoch;
      badEpochs = 0;
    } else if (!(best <= initial)) {
      badEpochs++;
    }
    history.add(String.format(Locale.ROOT, "%d,%.6f,%s", epoch, meanLoss, csv(metrics)));
    metricNames = String.join(",", metrics.keySet());
    return improved;
  }

  /** ", validation dice 0.8123 (best so far)" or with the best and the count without improvement. */
  String describe(double value, boolean improved) {
    return String.format(", validation %s %.4f%s", metric, value, improved ? " (best so far)"
        : " (best " + String.format("%.4f", best) + " at epoch " + bestEpoch + ", " + badEpochs + "/" + patience + " without improvement)");
  }

  /** Why training ends now, or null. */
  String stopReason() {
    return badEpochs >= patience ? "no improvement of the validation " + metric + " for " + patience + " epochs" : null;
  }

  /** history.csv: a header and one row per epoch (0 = before training); empty before any validation. */
  String historyCsv() {
    return history.isEmpty() ? "" : "epoch,train_loss," + metricNames + "\n" + String.join("\n", history) + "\n";
  }

  void store(Properties p) {
    p.setProperty("best", Double.toString(best));
    p.setProperty("best_epoch", Integer.toString(bestEpoch));
    p.setProperty("bad_epochs", Integer.toString(badEpochs));
    p.setProperty("initial", Double.toString(initial));
    p.setProperty("metric_names", metricNames);
    p.setProperty("history", String.join(";", history));
  }

  void restore(Properties p) {
    best = Double.parseDouble(p.getProperty("best", "NaN"));
    bestEpoch = Integer.parseInt(p.getProperty("best_epoch", "0"));
    badEpochs = Integer.parseInt(p.getProperty("bad_epochs", "0"));
    initial = Double.parseDouble(p.getProperty("initial", "NaN"));
    metricNames = p.getProperty("metric_names", "");
    history.clear();
    for (String x : p.getProperty("history", "").split(";")) if (!x.isEmpty()) history.add(x);
  }

  private static String csv(Map<String, Double> metrics) {
    List<String> out = new ArrayList<>();
    for (double m : metrics.values()) out.add(String.format(Locale.ROOT, "%.6f", m));
    return String.join(",", out);
  }
}
