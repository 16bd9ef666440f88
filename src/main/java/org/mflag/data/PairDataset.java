package org.mflag.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.scijava.log.Logger;

/**
 * The usable image-report pairs of a manifest, keyed by the row's id: image and report of a pair come
 * from the same row, never from two lists matched by position (a bug of the official code).
 *
 * <p>{@link #open} checks every row (image cell, path inside the manifest's folder, file present and
 * not empty, report not blank), then reads and preprocesses every image once ({@link Preprocessing})
 * with {@code workers} threads, through the {@link PreprocessedCache} when one is given. A bad pair
 * is skipped with a warning naming the row, the file and the reason ({@link BadInputPolicy#SKIP}),
 * or stops the run with that message ({@link BadInputPolicy#FAIL}). A manifest without any usable
 * pair is an error. Bad pairs are found here, before training, never in the middle of an epoch.</p>
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

  /** How to open a dataset; {@code set...} for required values, {@code opt...} for the rest. */
  public static final class Options {
    String imageColumn = "image";
    String textColumn = "report";
    int storedSize;
    int workers = 2;
    BadInputPolicy onBadInput = BadInputPolicy.SKIP;
    PreprocessedCache cache;

    public static Options storedSize(int storedSize) {
      Options o = new Options();
      o.storedSize = storedSize;
      return o;
    }

    public Options optColumns(String imageColumn, String textColumn) {
      this.imageColumn = imageColumn;
      this.textColumn = textColumn;
      return this;
    }

    public Options optWorkers(int workers) {
      this.workers = Math.max(1, workers);
      return this;
    }

    public Options optOnBadInput(BadInputPolicy policy) {
      this.onBadInput = policy;
      return this;
    }

    /** Preprocessed images on disk instead of in memory; null keeps them in memory. */
    public Options optCache(PreprocessedCache cache) {
      this.cache = cache;
      return this;
    }
  }

  private final Manifest manifest;
  private final List<Pair> pairs;
  private final List<SkippedPair> skipped;
  private final List<byte[]> inMemory;
  private final List<Path> cached;
  private final int storedSize;

  private PairDataset(Manifest manifest, List<Pair> pairs, List<SkippedPair> skipped, List<byte[]> inMemory,
      List<Path> cached, int storedSize) {
    this.manifest = manifest;
    this.pairs = pairs;
    this.skipped = skipped;
    this.inMemory = inMemory;
    this.cached = cached;
    this.storedSize = storedSize;
  }

  public static PairDataset open(Manifest manifest, Options o, ImageDecoder decoder, Logger log) throws DatasetException {
    manifest.requireColumns("image_column", o.imageColumn, "text_column", o.textColumn);
    List<Pair> candidates = new ArrayList<>();
    List<SkippedPair> skipped = Collections.synchronizedList(new ArrayList<>());
    for (Manifest.Row row : manifest.rows()) {
      String rel = row.get(o.imageColumn);
      String problem = null;
      Path image = null;
      if (rel.isEmpty()) {
        problem = "no image path in column '" + o.imageColumn + "'";
      } else {
        try {
          image = manifest.locate(rel);
          if (!Files.exists(image)) problem = "file not found (" + image + ")";
          else if (!Files.isRegularFile(image)) problem = "not a file (" + image + ")";
        } catch (DatasetException e) {
          problem = e.getMessage();
        }
      }
      String report = row.get(o.textColumn).trim();
      if (problem == null && isBlank(report)) problem = "empty report in column '" + o.textColumn + "'";
      if (problem != null) {
        bad(manifest, o, log, skipped, new SkippedPair(row.index() + 1, row.id(), rel, problem));
      } else {
        candidates.add(new Pair(row.id(), row.index(), image, report));
      }
    }
    Loaded loaded = preprocessAll(manifest, candidates, o, decoder, log, skipped);
    List<SkippedPair> sortedSkips = new ArrayList<>(skipped);
    sortedSkips.sort((a, b) -> Integer.compare(a.row, b.row));
    if (loaded.pairs.isEmpty()) {
      throw new DatasetException("manifest " + manifest.file() + ": no usable image-report pair (" + manifest.size()
          + " rows, " + sortedSkips.size() + " skipped" + (sortedSkips.isEmpty() ? "" : "; first: " + sortedSkips.get(0).describe()) + ")");
    }
    return new PairDataset(manifest, Collections.unmodifiableList(loaded.pairs), Collections.unmodifiableList(sortedSkips),
        loaded.inMemory, loaded.cached, o.storedSize);
  }

  /** A report of only whitespace and punctuation says nothing. */
  static boolean isBlank(String report) {
    return report.codePoints().noneMatch(Character::isLetterOrDigit);
  }

  private static void bad(Manifest m, Options o, Logger log, List<SkippedPair> skipped, SkippedPair s) throws DatasetException {
    String msg = "manifest " + m.file() + ", " + s.describe();
    if (o.onBadInput == BadInputPolicy.FAIL) throw new DatasetException(msg + " (on_bad_input=fail)");
    log.warn("skipping " + msg);
    skipped.add(s);
  }

  private static final class Loaded {
    final List<Pair> pairs = new ArrayList<>();
    final List<byte[]> inMemory;
    final List<Path> cached;

    Loaded(boolean disk) {
      inMemory = disk ? null : new ArrayList<>();
      cached = disk ? new ArrayList<>() : null;
    }
  }

  private static Loaded preprocessAll(Manifest manifest, List<Pair> candidates, Options o, ImageDecoder decoder, Logger log,
      List<SkippedPair> skipped) throws DatasetException {
    ExecutorService pool = Executors.newFixedThreadPool(o.workers, daemon("mflag-preprocess"));
    AtomicInteger fromCache = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    long t0 = System.nanoTime();
    try {
      List<Future<Object>> futures = new ArrayList<>();
      for (Pair p : candidates) {
        futures.add(pool.submit(() -> {
          Object r = preprocessOne(p, o, decoder, fromCache);
          int n = done.incrementAndGet();
          if (n % 1000 == 0) {
            double s = (System.nanoTime() - t0) / 1e9;
            log.info(String.format("preprocessed %d/%d images, %.0f images/s, ETA %.0f s", n, candidates.size(), n / s,
                (candidates.size() - n) / (n / s)));
          }
          return r;
        }));
      }
      Loaded out = new Loaded(o.cache != null);
      for (int i = 0; i < candidates.size(); i++) {
        Pair p = candidates.get(i);
        Object r;
        try {
          r = futures.get(i).get();
        } catch (java.util.concurrent.ExecutionException e) {
          Throwable c = e.getCause();
          String reason = c instanceof DatasetException ? stripFile(c.getMessage(), p.image) : String.valueOf(c);
          bad(manifest, o, log, skipped, new SkippedPair(p.row + 1, p.id, manifest.rows().get(p.row).get(o.imageColumn), reason));
          continue;
        }
        out.pairs.add(p);
        if (o.cache != null) out.cached.add((Path) r);
        else out.inMemory.add((byte[]) r);
      }
      if (o.cache != null) {
        log.info(String.format("images: %d of %d preprocessed images read from cache %s", fromCache.get(), candidates.size(), o.cache.dir()));
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DatasetException("interrupted while preprocessing images", e);
    } finally {
      pool.shutdownNow();
    }
  }

  /** The bytes (in memory) or the cache file (on disk) of one image. */
  private static Object preprocessOne(Pair p, Options o, ImageDecoder decoder, AtomicInteger fromCache)
      throws DatasetException, IOException {
    if (o.cache == null) return Preprocessing.apply(decoder.read(p.image, o.storedSize).requireSignal(p.image), o.storedSize);
    Path entry = o.cache.entry(p.image, o.storedSize);
    if (PreprocessedCache.load(entry, o.storedSize) != null) {
      fromCache.incrementAndGet();
    } else {
      PreprocessedCache.store(entry, Preprocessing.apply(decoder.read(p.image, o.storedSize).requireSignal(p.image), o.storedSize));
    }
    return entry;
  }

  /** The decoder's message names the absolute file; the skip line names the manifest path already. */
  private static String stripFile(String message, Path file) {
    String prefix = file + ": ";
    return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
  }

  static ThreadFactory daemon(String name) {
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

  /** Rows left out, in manifest order. */
  public List<SkippedPair> skipped() {
    return skipped;
  }

  public int size() {
    return pairs.size();
  }

  public int storedSize() {
    return storedSize;
  }

  /** The preprocessed image of pair {@code i}: storedSize^2 bytes, 0..255. */
  public byte[] image(int i) {
    if (inMemory != null) return inMemory.get(i);
    try {
      byte[] b = PreprocessedCache.load(cached.get(i), storedSize);
      if (b == null) throw new IllegalStateException("preprocessed image of " + pairs.get(i).image + " vanished from " + cached.get(i));
      return b;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the preprocessed image of " + pairs.get(i).image + ": " + e.getMessage(), e);
    }
  }

  /** Writes the skip list as CSV ({@code row,id,path,reason}); returns the file. */
  public Path writeSkipList(Path file) throws IOException {
    return SkippedPair.write(file, skipped);
  }
}
