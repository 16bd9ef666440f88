package org.mflag.text;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Report embeddings computed elsewhere (for example with CXR-BERT in Python), one CSV line per
 * manifest row: {@code id,v0,v1,...,v(D-1)}, an optional header line starting with {@code id}.
 */
public final class PrecomputedEmbeddings implements ReportEmbedder {

  private final Path file;
  private final Map<String, float[]> byId;
  private final int dimension;

  private PrecomputedEmbeddings(Path file, Map<String, float[]> byId, int dimension) {
    this.file = file;
    this.byId = byId;
    this.dimension = dimension;
  }

  public static PrecomputedEmbeddings read(Path file) throws IOException {
    Map<String, float[]> byId = new HashMap<>();
    int dim = -1;
    int lineNo = 0;
    for (String line : org.mflag.io.TextFiles.readUtf8(file).split("\r?\n")) {
      lineNo++;
      if (line.isBlank() || (lineNo == 1 && line.startsWith("id,"))) continue;
      String[] cells = line.split(",");
      if (dim < 0) dim = cells.length - 1;
      if (cells.length - 1 != dim || dim < 1) {
        throw new IOException("embeddings " + file + ", line " + lineNo + ": " + (cells.length - 1)
            + " values, expected " + dim);
      }
      float[] v = new float[dim];
      try {
        for (int i = 0; i < dim; i++) {
          v[i] = Float.parseFloat(cells[i + 1].trim());
          if (!Float.isFinite(v[i])) throw new NumberFormatException("value " + (i + 1) + " is " + cells[i + 1].trim());
        }
      } catch (NumberFormatException e) {
        throw new IOException("embeddings " + file + ", line " + lineNo + ": not a number (" + e.getMessage() + ")");
      }
      byId.put(cells[0].trim(), v);
    }
    if (byId.isEmpty()) throw new IOException("embeddings " + file + ": no vectors");
    return new PrecomputedEmbeddings(file, byId, dim);
  }

  @Override
  public String modelId() {
    return "precomputed:" + file.getFileName();
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public Map<String, float[]> embed(List<Report> reports) throws IOException {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Report r : reports) {
      float[] v = byId.get(r.id);
      if (v == null) throw new IOException("embeddings " + file + ": no vector for row id '" + r.id + "'");
      out.put(r.id, v);
    }
    return out;
  }

  @Override
  public void close() {}
}
