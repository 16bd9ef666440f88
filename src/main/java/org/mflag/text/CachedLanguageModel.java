package org.mflag.text;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.scijava.log.Logger;

/**
 * A frozen language model behind an {@link EmbeddingCache}: the model is opened only if some
 * report is not cached yet, and each distinct text is encoded once.
 */
public final class CachedLanguageModel implements ReportEmbedder {

  /** Opens the language model when it is first needed. */
  public interface Opener {
    TextEncoder open() throws IOException;
  }

  private final String modelId;
  private final int dimension;
  private final Opener opener;
  private final EmbeddingCache cache;
  private final Logger log;
  private final AtomicLong encoded = new AtomicLong();
  private int lastFromCache;
  private TextEncoder encoder;

  public CachedLanguageModel(String modelId, int dimension, Opener opener, Path cacheDir, Logger log) throws IOException {
    this.modelId = modelId;
    this.dimension = dimension;
    this.opener = opener;
    this.cache = EmbeddingCache.open(cacheDir, modelId, dimension);
    this.log = log;
  }

  @Override
  public String modelId() {
    return modelId;
  }

  @Override
  public int dimension() {
    return dimension;
  }

  /** How many texts the language model itself has encoded through this object (cache misses). */
  public long encodedCount() {
    return encoded.get();
  }

  /** How many reports of the last {@link #embed} call were found in the cache before encoding. */
  public int lastFromCache() {
    return lastFromCache;
  }


  @Override
  public Map<String, float[]> embed(List<Report> reports) throws IOException {
    LinkedHashSet<String> missing = new LinkedHashSet<>();
    int cached = 0;
    for (Report r : reports) {
      if (cache.get(r.text) == null) missing.add(r.text);
      else cached++;
    }
    lastFromCache = cached;
    if (missing.isEmpty()) {
      log.info("report embeddings: all " + reports.size() + " read from cache " + cache.file());
    } else {
      log.info("report embeddings: " + cached + " of " + reports.size() + " cached, encoding "
          + missing.size() + " distinct reports with " + modelId);
      if (encoder == null) encoder = opener.open();
      // shortest first: each chunk then holds reports of about one length, and the encoder runs only the tokens they need
      List<String> todo = new ArrayList<>(missing);
      todo.sort(java.util.Comparator.comparingInt(String::length));
      long t0 = System.nanoTime();
      int chunk = 64;
      for (int i = 0; i < todo.size(); i += chunk) {
        List<String> part = todo.subList(i, Math.min(todo.size(), i + chunk));
        float[][] v = encoder.encode(part);
        Map<String, float[]> byText = new HashMap<>();
        for (int j = 0; j < part.size(); j++) byText.put(part.get(j), v[j]);
        cache.putAll(byText);
        encoded.addAndGet(part.size());
        double s = (System.nanoTime() - t0) / 1e9;
        int done = i + part.size();
        log.info(String.format("  encoded %d/%d reports, %.1f reports/s", done, todo.size(), done / Math.max(s, 1e-9)));
      }
    }
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Report r : reports) out.put(r.id, cache.get(r.text));
    return out;
  }

  @Override
  public void close() {
    if (encoder != null) encoder.close();
    encoder = null;
  }
}
