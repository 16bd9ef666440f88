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

  /** Unzips into {@code target} (created); entries that would land outside it are refused. */
  public static void unzip(InputStream in, Path target) throws IOException {
    Files.createDirectories(target);
    try (ZipInputStream zip = new ZipInputStream(in)) {
      for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
        Path out = target.resolve(e.getName()).normalize();
        if (!out.startsWith(target)) throw new IOException("zip entry outside its folder: " + e.getName());
        if (e.isDirectory()) {
          Files.createDirectories(out);
        } else {
          Files.createDirectories(out.getParent());
          Files.copy(zip, out, StandardCopyOption.REPLACE_EXISTING);
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
   * at the same time both end with a complete folder). Returns {@code target}.
   */
  public static Path unzipOnce(StreamSource source, Path target) throws IOException {
    if (Files.isDirectory(target)) return target;
    Files.createDirectories(target.getParent());
    Path tmp = Files.createTempDirectory(target.getParent(), ".unpack-");
    try {
      try (InputStream in = source.open()) {
        unzip(in, tmp);
      }
      try {
        // createTempDirectory makes it owner-only; the unpacked model is as readable as any new folder
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: its own defaults apply
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException | java.nio.file.DirectoryNotEmptyException e) {
        // unpacked by someone else meanwhile
      }
    } finally {
      if (Files.exists(tmp)) deleteTree(tmp);
    }
    return target;
  }

  /**
   * Writes bytes to a temporary sibling and renames it over {@code file}. The sibling is created like
   * any new file (permissions from the umask), not with {@code createTempFile}'s owner-only mode, so a
   * package written here is readable by whoever may read the folder.
   */
  public static void writeAtomically(Path file, byte[] bytes) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = dir.resolve("." + file.getFileName() + "." + java.util.UUID.randomUUID() + ".tmp");
    try {
      Files.write(tmp, bytes, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
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
