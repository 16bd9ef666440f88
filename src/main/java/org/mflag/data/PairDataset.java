package org.mflag.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Image-report pairs of a manifest, keyed by the row's id: the image and the report of a pair come
 * from the same row, never from two lists matched by position (a bug of the official code).
 * Images are preprocessed once when the dataset is opened ({@link Preprocessing}) and kept as
 * 8-bit squares of {@code storedSize}.
 */
public final class PairDataset {

  /** One usable pair. */
  public static final class Pair {
    public final String id;
    public final int row;
    public final Path image;
    public final String report;

    Pair(String id, int row, Path image, String report) {
      this.id = id;
      this.row = row;
      this.image = image;
      this.report = report;
    }
  }

  private final Manifest manifest;
  private final List<Pair> pairs;
  private final List<byte[]> images;
  private final int storedSize;

  private PairDataset(Manifest manifest, List<Pair> pairs, List<byte[]> images, int storedSize) {
    this.manifest = manifest;
    this.pairs = pairs;
    this.images = images;
    this.storedSize = storedSize;
  }

  /**
   * Checks every row before loading anything (columns, empty cells, files), then reads and
   * preprocesses the images with {@code workers} threads.
   */
  public static PairDataset open(Manifest manifest, String imageColumn, String textColumn, ImageDecoder decoder,
      int storedSize, int workers) throws DatasetException {
    manifest.requireColumns("image_column", imageColumn, "text_column", textColumn);
    List<Pair> pairs = new ArrayList<>();
    for (Manifest.Row row : manifest.rows()) {
      String where = "manifest " + manifest.file() + ", row " + (row.index() + 1) + " (id " + row.id() + ")";
      String rel = row.get(imageColumn);
      if (rel.isEmpty()) throw new DatasetException(where + ": empty '" + imageColumn + "'");
      String report = row.get(textColumn).trim();
      if (report.isEmpty()) throw new DatasetException(where + ": empty report in '" + textColumn + "'");
      Path image = manifest.resolve(rel);
      if (!image.startsWith(manifest.folder().normalize())) {
        throw new DatasetException(where + ": image path '" + rel + "' points outside the manifest's folder");
      }
      if (!Files.isRegularFile(image)) throw new DatasetException(where + ": image file not found: " + image);
      pairs.add(new Pair(row.id(), row.index(), image, report));
    }
    if (pairs.isEmpty()) throw new DatasetException("manifest " + manifest.file() + ": no rows");
    List<byte[]> images = preprocessAll(pairs, decoder, storedSize, workers);
    return new PairDataset(manifest, Collections.unmodifiableList(pairs), images, storedSize);
  }

  private static List<byte[]> preprocessAll(List<Pair> pairs, ImageDecoder decoder, int storedSize, int workers)
      throws DatasetException {
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, workers), daemon("mflag-preprocess"));
    try {
      List<Future<byte[]>> futures = new ArrayList<>();
      for (Pair p : pairs) futures.add(pool.submit(() -> Preprocessing.apply(decoder.read(p.image), storedSize)));
      List<byte[]> out = new ArrayList<>(pairs.size());
      for (Future<byte[]> f : futures) out.add(f.get());
      return out;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof DatasetException) throw (DatasetException) e.getCause();
      throw new DatasetException("preprocessing failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DatasetException("interrupted while preprocessing images", e);
    } finally {
      pool.shutdownNow();
    }
  }

  static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  public Manifest manifest() {
    return manifest;
  }

  public List<Pair> pairs() {
    return pairs;
  }

  public int size() {
    return pairs.size();
  }

  public int storedSize() {
    return storedSize;
  }

  /** The preprocessed image of pair {@code i}: storedSize^2 bytes, 0..255. */
  public byte[] image(int i) {
    return images.get(i);
  }
}
