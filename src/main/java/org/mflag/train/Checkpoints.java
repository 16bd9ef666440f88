package org.mflag.train;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.mflag.io.NdArray;
import org.mflag.io.Npz;

/**
 * Training checkpoints in {@code <output>/checkpoints/}: {@code ckpt-<step>.npz}, a NumPy zip of every
 * variable (weights, batch-norm statistics, AdamW slots and step) plus {@code checkpoint.properties}
 * (global step, configuration fingerprint, manifest hash, loss history).
 *
 * <p>Writes are atomic: the file is written as {@code .ckpt-<step>.npz.tmp}, forced to disk, then
 * renamed. A crash mid-write leaves only a temporary file, which {@link #latest} never reads (and
 * {@link #save} removes). Each file records the SHA-256 of its arrays; a file that fails to open or
 * whose bytes no longer match (disk corruption, a damaged copy) is reported and skipped in favour of
 * the previous one. The newest {@code keep} checkpoints are kept.</p>
 */
public final class Checkpoints {

  /** A checkpoint read back from disk. */
  public static final class Checkpoint {
    public final Path file;
    public final long step;
    public final Map<String, NdArray> arrays;
    public final Properties meta;

    Checkpoint(Path file, long step, Map<String, NdArray> arrays, Properties meta) {
      this.file = file;
      this.step = step;
      this.arrays = arrays;
      this.meta = meta;
    }
  }

  static final String META = "checkpoint.properties";
  /** The property holding the SHA-256 of the arrays' {@code .npy} bytes. */
  static final String CHECKSUM = "arrays_sha256";
  private static final Pattern NAME = Pattern.compile("ckpt-(\\d+)\\.npz");

  private final Path dir;
  private final int keep;

  public Checkpoints(Path dir, int keep) {
    this.dir = dir;
    this.keep = Math.max(1, keep);
  }

  public Path dir() {
    return dir;
  }

  /** Writes a checkpoint atomically and prunes old ones; returns its path. */
  public Path save(long step, Map<String, NdArray> arrays, Properties meta) throws IOException {
    Files.createDirectories(dir);
    meta.setProperty("step", Long.toString(step));
    Path target = dir.resolve(String.format("ckpt-%08d.npz", step));
    Path tmp = dir.resolve("." + target.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      write(arrays, meta, java.nio.channels.Channels.newOutputStream(ch));
      ch.force(true);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    prune();
    return target;
  }

  /** The stream form of a checkpoint; package-private so tests can interrupt it. */
  void write(Map<String, NdArray> arrays, Properties meta, OutputStream out) throws IOException {
    OutputStream buffered = new java.io.BufferedOutputStream(out, 1 << 20);
    Npz.write(arrays, arraysSha256 -> {
      meta.setProperty(CHECKSUM, arraysSha256);
      StringWriter w = new StringWriter();
      try {
        meta.store(w, "M-FLAG checkpoint");
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return Map.of(META, w.toString());
    }, buffered);
    buffered.flush();
  }

  /** Checkpoint files, newest first. */
  public List<Path> list() throws IOException {
    List<Path> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) return out;
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(p -> NAME.matcher(p.getFileName().toString()).matches()).forEach(out::add);
    }
    out.sort(Comparator.comparingLong(Checkpoints::stepOf).reversed());
    return out;
  }

  /**
   * The newest checkpoint that reads back completely and matches its checksum, or null when there is
   * none; each damaged one is reported through {@code warn} by name and skipped for the one before it.
   */
  public Checkpoint latest(java.util.function.Consumer<String> warn) throws IOException {
    for (Path p : list()) {
      try {
        return read(p);
      } catch (IOException e) {
        warn.accept("skipping damaged checkpoint " + p + ": " + e.getMessage() + "; trying the one before it");
      }
    }
    return null;
  }

  /**
   * Reads a checkpoint and checks it: its properties parse, its step matches its name, and its arrays'
   * bytes match the SHA-256 recorded when it was written (checkpoints written before checksums were
   * recorded are read without that check). Every problem is an {@link IOException} naming the file.
   */
  public static Checkpoint read(Path file) throws IOException {
    try {
      String metaText = Npz.readText(file, META);
      if (metaText == null) throw new IOException(file + ": no " + META + " entry (not a checkpoint)");
      Properties meta = new Properties();
      meta.load(new StringReader(metaText));
      java.security.MessageDigest digest = org.mflag.io.Hashing.newSha256();
      Map<String, NdArray> arrays = Npz.read(file, digest);
      String want = meta.getProperty(CHECKSUM);
      String got = org.mflag.io.Hashing.hex(digest.digest());
      if (want != null && !want.equals(got)) {
        throw new IOException(file + ": content does not match its checksum (sha256 " + got + ", recorded " + want + "): damaged");
      }
      long step = Long.parseLong(meta.getProperty("step", "-1"));
      if (step != stepOf(file)) throw new IOException(file + ": step " + step + " inside, name says " + stepOf(file));
      return new Checkpoint(file, step, arrays, meta);
    } catch (IllegalArgumentException e) {
      // Properties.load on a damaged escape, Long.parseLong on a damaged step
      throw new IOException(file + ": damaged (" + e.getMessage() + ")", e);
    }
  }

  private void prune() throws IOException {
    List<Path> all = list();
    for (int i = keep; i < all.size(); i++) Files.deleteIfExists(all.get(i));
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (p.getFileName().toString().endsWith(".npz.tmp")) Files.deleteIfExists(p);
      }
    }
  }

  /**
   * The checkpoint a run starts from: the newest valid one with {@code resume}, else none. Without
   * {@code resume} a folder that already holds checkpoints is an error, so that a run is never
   * overwritten by accident.
   */
  public Checkpoint forStart(boolean resume, Path output, org.scijava.log.Logger log) throws IOException, TrainingException {
    if (!resume) {
      if (!list().isEmpty()) {
        throw new TrainingException("output " + output + " already has checkpoints (" + list().get(0)
            + "): add resume=true to continue that run, or choose another output");
      }
      return null;
    }
    Checkpoint c = latest(log::warn);
    log.info(c == null ? "resume=true but no checkpoint in " + dir + ": starting from the beginning"
        : "resuming from checkpoint " + c.file + " (step " + c.step + ")");
    return c;
  }

  /**
   * Refuses to resume a checkpoint written with other result-changing parameters ({@code config.*}
   * entries of its properties) or another manifest. A key the checkpoint does not record (one added in a
   * later version) matches when the run gives it its declared default, which is what the checkpoint's run used.
   */
  public static void checkCompatible(Checkpoint c, Map<String, String> fingerprint, List<org.mflag.config.Key> declared,
      org.mflag.data.Manifest manifest) throws TrainingException {
    Map<String, String> defaults = new LinkedHashMap<>();
    for (org.mflag.config.Key k : declared) defaults.put(k.name(), k.defaultValue());
    List<String> diffs = new ArrayList<>();
    for (Map.Entry<String, String> e : fingerprint.entrySet()) {
      String was = c.meta.getProperty("config." + e.getKey());
      // a key added after the checkpoint was written: compatible when this run leaves it at its default ("0" = "0.0")
      if (was == null && sameValue(e.getValue(), defaults.get(e.getKey()))) continue;
      if (!e.getValue().equals(was)) diffs.add(e.getKey() + " was " + was + ", now " + e.getValue());
    }
    if (!manifest.sha256().equals(c.meta.getProperty("manifest_sha256"))) diffs.add("manifest " + manifest.file() + " changed");
    if (!diffs.isEmpty()) {
      throw new TrainingException("checkpoint " + c.file + " belongs to a different run: " + String.join("; ", diffs)
          + ". Resume with the original parameters, or start a new run in another output.");
    }
  }

  private static boolean sameValue(String a, String b) {
    if (a == null || b == null) return a == b;
    if (a.equals(b)) return true;
    try {
      return Double.parseDouble(a) == Double.parseDouble(b);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * The values that determine a run's result, which a resume must match: every key but the
   * {@link org.mflag.config.Key#isOperational operational} ones and the manifest (compared by content hash instead).
   */
  public static Map<String, String> fingerprint(Map<String, String> values, List<org.mflag.config.Key> keys) {
    Map<String, String> m = new LinkedHashMap<>(values);
    for (org.mflag.config.Key k : keys) if (k.isOperational() || k.name().equals("manifest")) m.remove(k.name());
    return m;
  }

  /** The properties every checkpoint starts with: the step's parameters and the manifest's hash. */
  public static Properties meta(Map<String, String> fingerprint, org.mflag.data.Manifest manifest) {
    Properties p = new Properties();
    p.setProperty("manifest_sha256", manifest.sha256());
    for (Map.Entry<String, String> e : fingerprint.entrySet()) p.setProperty("config." + e.getKey(), e.getValue());
    return p;
  }

  static long stepOf(Path p) {
    Matcher m = NAME.matcher(p.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }
}
