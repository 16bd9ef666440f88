package org.mflag.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/** Zip folders, unzip safely, replace files atomically, delete trees. */
public final class Archives {

  private Archives() {}

  /** Zips the files under {@code dir} (paths relative to it, sorted, fixed timestamps: same input, same bytes). */
  public static void zip(Path dir, Path zipFile) throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.walk(dir)) {
      s.filter(Files::isRegularFile).forEach(files::add);
    }
    zip(dir, files, zipFile);
  }

  /** Zips {@code files}, which lie under {@code dir}, by their paths relative to it, as {@link #zip(Path, Path)} does. */
  public static void zip(Path dir, List<Path> files, Path zipFile) throws IOException {
    files = new ArrayList<>(files);
    files.sort(Comparator.comparing(p -> dir.relativize(p).toString()));
    try (OutputStream os = Files.newOutputStream(zipFile); ZipOutputStream zip = new ZipOutputStream(os)) {
      zip.setLevel(java.util.zip.Deflater.BEST_SPEED);
      for (Path f : files) {
        ZipEntry e = new ZipEntry(dir.relativize(f).toString().replace('\\', '/'));
        e.setTime(0L);
        zip.putNextEntry(e);
        Files.copy(f, zip);
        zip.closeEntry();
      }
    }
  }

  /** Caps on what one unzip may create: a zip bomb or a million tiny entries stop with a clear error. */
  public static final class Limits {
    final int maxEntries;
    final long maxBytes;

    public Limits(int maxEntries, long maxBytes) {
      this.maxEntries = maxEntries;
      this.maxBytes = maxBytes;
    }

    /**
     * For a zip of {@code zipBytes} bytes that holds mostly incompressible data (a SavedModel's float
     * weights shrink by a few percent): at most 10,000 entries and 64 MiB plus ten times the zip, never
     * more than 16 GiB.
     */
    public static Limits forWeights(long zipBytes) {
      return new Limits(10_000, Math.min(16L << 30, (64L << 20) + 10 * zipBytes));
    }
  }

  /**
   * Unzips into {@code target} (created, expected empty). Entry names are checked before anything is
   * written: no absolute paths, no {@code ..}, no backslashes or control characters, no duplicates; a
   * zip holds no links, and each file is created new ({@code CREATE_NEW}), so nothing is written
   * through a link. Bytes are counted as they are inflated (the sizes a zip declares are not trusted).
   */
  public static void unzip(InputStream in, Path target, Limits limits, String name) throws IOException {
    Files.createDirectories(target);
    Path root = target.toRealPath();
    java.util.Set<String> seen = new java.util.HashSet<>();
    long total = 0;
    byte[] buf = new byte[1 << 16];
    ZipInputStream zip = new ZipInputStream(in);
    for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
      String entry = e.getName();
      if (seen.size() >= limits.maxEntries) {
        throw new IOException(name + ": more than " + limits.maxEntries + " entries (refused as a zip bomb)");
      }
      if (entry.isEmpty() || entry.startsWith("/") || entry.contains("\\") || entry.chars().anyMatch(c -> c < 0x20 || c == 0x7f)
          || java.util.Arrays.asList(entry.split("/")).contains("..") || entry.matches("^[A-Za-z]:.*")) {
        throw new IOException(name + ": zip entry '" + entry.replaceAll("\\p{Cntrl}", "?") + "' has a path that is not allowed");
      }
      if (!seen.add(entry)) throw new IOException(name + ": zip entry '" + entry + "' appears twice");
      Path out = root.resolve(entry).normalize();
      if (!out.startsWith(root)) throw new IOException(name + ": zip entry outside its folder: " + entry);
      if (e.isDirectory()) {
        Files.createDirectories(out);
        continue;
      }
      Files.createDirectories(out.getParent());
      if (!out.getParent().toRealPath().startsWith(root)) throw new IOException(name + ": zip entry outside its folder: " + entry);
      try (OutputStream os = Files.newOutputStream(out, java.nio.file.StandardOpenOption.CREATE_NEW,
          java.nio.file.StandardOpenOption.WRITE, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        for (int n; (n = zip.read(buf)) > 0; ) {
          total += n;
          if (total > limits.maxBytes) {
            throw new IOException(name + ": unpacks to more than " + (limits.maxBytes >> 20) + " MiB (refused as a zip bomb)");
          }
          os.write(buf, 0, n);
        }
      }
    }
  }

  /** Opens a stream; may fail with an IOException. */
  @FunctionalInterface
  public interface StreamSource {
    InputStream open() throws IOException;
  }

  /**
   * Unzips the zip that {@code source} yields into {@code target} once: into a temporary sibling
   * first, then renamed, so that a half-unpacked folder is never used (and two processes unpacking
   * at the same time both end with a complete folder). Returns {@code target}. For zips this program
   * ships itself; a zip that came from elsewhere goes through {@link #unpackVerified}.
   */
  public static Path unzipOnce(StreamSource source, Path target, Limits limits) throws IOException {
    if (Files.isDirectory(target)) return target;
    Files.createDirectories(target.getParent());
    Path tmp = Files.createTempDirectory(target.getParent(), ".unpack-");
    try {
      try (InputStream in = source.open()) {
        unzip(in, tmp, limits, target.toString());
      }
      try {
        // createTempDirectory makes it owner-only; the unpacked model is as readable as any new folder
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: its own defaults apply
      }
      moveIntoPlace(tmp, target);
    } finally {
      if (Files.exists(tmp)) deleteTree(tmp);
    }
    return target;
  }

  /**
   * Unpacks {@code zip} into {@code cache/<sha256>} and returns that folder, where {@code sha256} is the
   * hash the zip was checked against. The bytes are hashed as they are unpacked, so what lands in the
   * folder is exactly what was hashed: a zip replaced after its check fails here, by name. The folder is
   * keyed by the computed hash, written under a temporary name and renamed when complete, within the
   * caps of {@link Limits#forWeights}. {@code cache} must be {@link #privateFolder private}: nobody
   * else can plant a folder there under a hash. Folders of the cache unused for {@code keepDays} days
   * are deleted (each use renews a folder's date). A zip without the file {@code mustHold} (the one
   * entry every valid archive of its kind has) is refused and leaves nothing in the cache.
   */
  public static Path unpackVerified(Path zip, String sha256, Path cache, int keepDays, String mustHold) throws IOException {
    if (!sha256.matches("[0-9a-f]{64}")) throw new IOException(zip + ": '" + sha256 + "' is not a sha256");
    privateFolder(cache);
    Path target = cache.resolve(sha256);
    if (Files.isDirectory(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      Files.setLastModifiedTime(target, java.nio.file.attribute.FileTime.from(java.time.Instant.now()));
      return target;
    }
    cleanCache(cache, keepDays);
    Path tmp = Files.createTempDirectory(cache, ".unpack-");
    try {
      java.security.MessageDigest md = Hashing.newSha256();
      try (InputStream raw = new java.security.DigestInputStream(Files.newInputStream(zip, java.nio.file.LinkOption.NOFOLLOW_LINKS), md);
          InputStream in = new java.io.BufferedInputStream(raw, 1 << 16)) {
        unzip(in, tmp, Limits.forWeights(Files.size(zip)), zip.toString());
        in.transferTo(OutputStream.nullOutputStream()); // the central directory: the hash covers the whole file
      }
      String got = Hashing.hex(md.digest());
      if (!got.equals(sha256)) {
        throw new IOException(zip + ": sha256 " + got + " while unpacking, " + sha256 + " when checked: the file changed in between");
      }
      if (!Files.isRegularFile(tmp.resolve(mustHold), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException(zip + ": holds no " + mustHold);
      }
      moveIntoPlace(tmp, target);
    } finally {
      if (Files.exists(tmp)) deleteTree(tmp);
    }
    return target;
  }

  /**
   * Creates {@code dir} readable and writable by this user only, or checks that an existing one is a real
   * folder (not a link) owned by this user that nobody else can write to; otherwise an IOException names it.
   */
  public static Path privateFolder(Path dir) throws IOException {
    boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(dir.toAbsolutePath().getParent());
      try {
        if (posix) {
          Files.createDirectory(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        } else {
          Files.createDirectory(dir);
        }
      } catch (FileAlreadyExistsException e) {
        // made by a concurrent run: checked below
      }
    }
    if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(dir + ": not a folder (a link or a file) where this program keeps its private unpacked models");
    }
    if (posix) {
      java.nio.file.attribute.PosixFileAttributes a =
          Files.readAttributes(dir, java.nio.file.attribute.PosixFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
      String me = System.getProperty("user.name");
      if (!a.owner().getName().equals(me)) {
        throw new IOException(dir + ": owned by " + a.owner().getName() + ", not by " + me + "; refusing to use models unpacked there");
      }
      if (a.permissions().contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE)
          || a.permissions().contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)) {
        throw new IOException(dir + ": others may write to it (" + java.nio.file.attribute.PosixFilePermissions.toString(a.permissions())
            + "); refusing to use models unpacked there");
      }
    }
    return dir;
  }

  /** Deletes cache folders unused for {@code keepDays} days and unpack leftovers older than a day; best effort. */
  private static void cleanCache(Path cache, int keepDays) {
    java.time.Instant now = java.time.Instant.now();
    try (Stream<Path> s = Files.list(cache)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        try {
          java.time.Instant used = Files.getLastModifiedTime(p, java.nio.file.LinkOption.NOFOLLOW_LINKS).toInstant();
          boolean leftover = p.getFileName().toString().startsWith(".unpack-");
          if (used.isBefore(now.minus(java.time.Duration.ofDays(leftover ? 1 : keepDays)))) deleteTree(p);
        } catch (IOException e) {
          // in use or gone: the next clean tries again
        }
      }
    } catch (IOException e) {
      // an unreadable cache is reported when it is used
    }
  }

  private static void moveIntoPlace(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException | java.nio.file.DirectoryNotEmptyException e) {
      // unpacked by someone else meanwhile
    }
  }

  /**
   * Writes bytes to a temporary sibling and renames it over {@code file}. The sibling is created like
   * any new file (permissions from the umask), not with {@code createTempFile}'s owner-only mode, so a
   * package written here is readable by whoever may read the folder.
   */
  public static void writeAtomically(Path file, byte[] bytes) throws IOException {
    writeAtomically(file, tmp -> Files.write(tmp, bytes, java.nio.file.StandardOpenOption.CREATE_NEW,
        java.nio.file.StandardOpenOption.WRITE));
  }

  /** Writes a file's content to the path it is given (which does not exist yet); may fail with an IOException. */
  @FunctionalInterface
  public interface Content {
    void writeTo(Path file) throws IOException;
  }

  /**
   * As {@link #writeAtomically(Path, byte[])}, for content written by {@code content} into the temporary sibling
   * (a zip, a download being checked): an exception from it leaves {@code file} as it was and no sibling behind.
   */
  public static void writeAtomically(Path file, Content content) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = dir.resolve("." + file.getFileName() + "." + java.util.UUID.randomUUID() + ".tmp");
    try {
      content.writeTo(tmp);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  public static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) return;
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(x);
    }
  }
}
