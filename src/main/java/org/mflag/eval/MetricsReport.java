package org.mflag.eval;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mflag.data.Box;
import org.mflag.data.Manifest;
import org.mflag.io.Archives;

/**
 * The metrics of one task on one set of images (MFLAG.md), as {@code name -> value} plus one row per
 * image, and their files: {@code metrics.json} (the metrics) and {@code metrics.csv} (per image).
 * <ul>
 *   <li>segmentation: {@code dice} and {@code iou}, means over images of the per-image values at the
 *   threshold (empty truth and empty prediction = 1);</li>
 *   <li>classification: {@code auroc_<class>}, {@code auroc_macro} (mean over classes where it is defined)
 *   and {@code accuracy} (argmax for single-label, per label at 0.5 for multi-label);</li>
 *   <li>detection: {@code map} averaged over IoU 0.40:0.05:0.75 and {@code map_50}.</li>
 * </ul>
 */
public final class MetricsReport {

  public final Map<String, Double> metrics;
  public final List<String> header;
  public final List<List<String>> rows;

  private MetricsReport(Map<String, Double> metrics, List<String> header, List<List<String>> rows) {
    this.metrics = Collections.unmodifiableMap(metrics);
    this.header = header;
    this.rows = rows;
  }

  /** This report with {@code extra} metrics added after its own (e.g. an interval). */
  public MetricsReport with(Map<String, Double> extra) {
    Map<String, Double> m = new LinkedHashMap<>(metrics);
    m.putAll(extra);
    return new MetricsReport(m, header, rows);
  }

  /** @param probability n images of size*size probabilities, concatenated */
  public static MetricsReport segmentation(List<String> ids, List<byte[]> truths, float[] probability, double threshold) {
    int n = ids.size();
    int px = n == 0 ? 0 : probability.length / n;
    double diceSum = 0, iouSum = 0;
    List<List<String>> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] p = java.util.Arrays.copyOfRange(probability, i * px, (i + 1) * px);
      double d = SegmentationMetrics.dice(p, truths.get(i), threshold);
      double u = SegmentationMetrics.iou(p, truths.get(i), threshold);
      diceSum += d;
      iouSum += u;
      rows.add(List.of(ids.get(i), fmt(d), fmt(u)));
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("dice", n == 0 ? Double.NaN : diceSum / n);
    m.put("iou", n == 0 ? Double.NaN : iouSum / n);
    m.put("images", (double) n);
    return new MetricsReport(m, List.of("id", "dice", "iou"), rows);
  }

  /** @param probability n x C class probabilities, concatenated */
  public static MetricsReport classification(List<String> ids, List<float[]> truths, float[] probability, List<String> classes,
      boolean multiLabel) {
    int n = ids.size(), c = classes.size();
    Map<String, Double> m = new LinkedHashMap<>();
    double sum = 0;
    int defined = 0;
    for (int k = 0; k < c; k++) {
      double[] s = new double[n];
      boolean[] pos = new boolean[n];
      for (int i = 0; i < n; i++) {
        s[i] = probability[i * c + k];
        pos[i] = truths.get(i)[k] > 0.5f;
      }
      double a = n == 0 ? Double.NaN : ClassificationMetrics.auroc(s, pos);
      m.put("auroc_" + classes.get(k), a);
      if (!Double.isNaN(a)) {
        sum += a;
        defined++;
      }
    }
    m.put("auroc_macro", defined == 0 ? Double.NaN : sum / defined);
    List<List<String>> rows = new ArrayList<>();
    double correct = 0;
    for (int i = 0; i < n; i++) {
      double[] p = new double[c];
      double[] t = new double[c];
      for (int k = 0; k < c; k++) {
        p[k] = probability[i * c + k];
        t[k] = truths.get(i)[k];
      }
      List<String> row = new ArrayList<>();
      row.add(ids.get(i));
      if (multiLabel) {
        int ok = 0;
        for (int k = 0; k < c; k++) if ((p[k] > 0.5) == (t[k] > 0.5)) ok++;
        correct += (double) ok / c;
        row.add(String.join("|", names(p, classes)));
        row.add(String.join("|", names(t, classes)));
      } else {
        int pred = ClassificationMetrics.argmax(p);
        int truth = ClassificationMetrics.argmax(t);
        if (pred == truth) correct++;
        row.add(classes.get(pred));
        row.add(classes.get(truth));
      }
      for (int k = 0; k < c; k++) row.add(fmt(p[k]));
      rows.add(row);
    }
    m.put("accuracy", n == 0 ? Double.NaN : correct / n);
    m.put("images", (double) n);
    List<String> header = new ArrayList<>(List.of("id", "predicted", "truth"));
    for (String k : classes) header.add("p_" + k);
    return new MetricsReport(m, header, rows);
  }

  public static MetricsReport detection(List<String> ids, List<List<Box>> truths, List<List<Box>> predictions, List<String> classes) {
    Map<String, Double> m = new LinkedHashMap<>();
    int c = classes.size();
    m.put("map", DetectionMetrics.meanAveragePrecision(predictions, truths, c, DetectionMetrics.RSNA_IOU_THRESHOLDS));
    m.put("map_50", DetectionMetrics.meanAveragePrecision(predictions, truths, c, 0.5));
    for (int k = 0; k < c; k++) {
      double sum = 0;
      int count = 0;
      for (double t : DetectionMetrics.RSNA_IOU_THRESHOLDS) {
        double ap = DetectionMetrics.averagePrecision(predictions, truths, k, t);
        if (!Double.isNaN(ap)) {
          sum += ap;
          count++;
        }
      }
      m.put("ap_" + classes.get(k), count == 0 ? Double.NaN : sum / count);
    }
    m.put("images", (double) ids.size());
    List<List<String>> rows = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      double best = 0;
      for (Box p : predictions.get(i)) for (Box t : truths.get(i)) if (p.category == t.category) best = Math.max(best, Box.iou(p, t));
      rows.add(List.of(ids.get(i), Integer.toString(truths.get(i).size()), Integer.toString(predictions.get(i).size()), fmt(best)));
    }
    return new MetricsReport(m, List.of("id", "true_boxes", "predicted_boxes", "best_iou"), rows);
  }

  private static List<String> names(double[] v, List<String> classes) {
    List<String> out = new ArrayList<>();
    for (int k = 0; k < v.length; k++) if (v[k] > 0.5) out.add(classes.get(k));
    return out;
  }

  static String fmt(double v) {
    return Double.isNaN(v) ? "NaN" : String.format(Locale.ROOT, "%.6f", v);
  }

  /** "dice: 0.912345" lines, in order. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, Double> e : metrics.entrySet()) sb.append(e.getKey()).append(": ").append(fmt(e.getValue())).append('\n');
    return sb.toString();
  }

  /** Writes {@code metrics.json} and {@code metrics.csv} into {@code dir}. */
  public void write(Path dir, Map<String, String> about) throws IOException {
    StringBuilder json = new StringBuilder("{\n");
    for (Map.Entry<String, String> e : about.entrySet()) json.append("  ").append(quote(e.getKey())).append(": ").append(quote(e.getValue())).append(",\n");
    json.append("  \"metrics\": {\n");
    int i = 0;
    for (Map.Entry<String, Double> e : metrics.entrySet()) {
      double v = e.getValue();
      json.append("    ").append(quote(e.getKey())).append(": ").append(Double.isFinite(v) ? fmt(v) : "null")
          .append(++i < metrics.size() ? ",\n" : "\n");
    }
    json.append("  }\n}\n");
    Archives.writeAtomically(dir.resolve("metrics.json"), json.toString().getBytes(StandardCharsets.UTF_8));
    StringBuilder csv = new StringBuilder(String.join(",", header)).append('\n');
    for (List<String> r : rows) {
      List<String> cells = new ArrayList<>();
      for (String s : r) cells.add(Manifest.csvField(s));
      csv.append(String.join(",", cells)).append('\n');
    }
    Archives.writeAtomically(dir.resolve("metrics.csv"), csv.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      if (ch == '"' || ch == '\\') sb.append('\\').append(ch);
      else if (ch < 0x20) sb.append(String.format("\\u%04x", (int) ch));
      else sb.append(ch);
    }
    return sb.append('"').toString();
  }
}
