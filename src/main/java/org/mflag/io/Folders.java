package org.mflag.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Paths that come from files, under two rules. What is downloaded or shared (a model package's {@code source}
 * fields, the files of an archive) must stay inside the folder it came in, links included: {@link #inside},
 * {@link #insideWithoutLinks}. What the user wrote (a manifest of their own data, like a path typed into File &gt;
 * Open) may name any file they can read: {@link #anywhere}.
 */
public final class Folders {

  private Folders() {}

  /**
   * The file {@code path} names, relative to {@code folder} (an absolute path must lie inside it too).
   * The path is normalised ({@code ..} removed) and must stay inside {@code folder}; when the file
   * exists, its real location (every symbolic link followed, in the folder or on the way) must stay
   * inside the folder's real location. A file that does not exist is returned as named, for the caller
   * to report as missing.
   *
   * @throws IOException whose message says what is wrong with {@code path} (without naming the file
   *     the path came from: the caller adds that)
   */
  public static Path inside(Path folder, String path) throws IOException {
    Path base = folder.toAbsolutePath().normalize();
    Path p = anywhere(base, path);
    if (!p.startsWith(base)) throw new IOException("path '" + path + "' points outside its folder " + base);
    if (Files.exists(p)) {
      Path real = p.toRealPath();
      Path realBase = base.toRealPath();
      if (!real.startsWith(realBase)) {
        throw new IOException("path '" + path + "' leads through a link to " + real + ", outside its folder " + base);
      }
    }
    return p;
  }

  /**
   * The file a user's own path names (a manifest cell): relative paths resolve against {@code folder}, absolute
   * ones stand as they are, {@code ..} is removed and symbolic links are followed wherever they lead (cluster
   * scratch, another disk, a read-only archive). Still refused: an empty path, control characters (a damaged
   * cell, or one built to fool a log) and what is no path on this system. A file that does not exist is
   * returned as named, for the caller to report as missing.
   *
   * @throws IOException whose message says what is wrong with {@code path} (the caller names the file it came from)
   */
  public static Path anywhere(Path folder, String path) throws IOException {
    if (path == null || path.isEmpty()) throw new IOException("empty path");
    if (path.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
      throw new IOException("path '" + printable(path) + "' holds control characters");
    }
    try {
      return folder.toAbsolutePath().normalize().resolve(path).normalize();
    } catch (InvalidPathException e) {
      throw new IOException("path '" + printable(path) + "' is not a valid path here (" + e.getReason() + ")", e);
    }
  }

  /**
   * As {@link #inside}, and stricter, for files that must be exactly what their folder holds (a model
   * package's weights and tensors): no symbolic link anywhere between the folder and the file, not even
   * one that stays inside.
   */
  public static Path insideWithoutLinks(Path folder, String path) throws IOException {
    Path p = inside(folder, path);
    if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      Path base = folder.toAbsolutePath().normalize();
      Path expected = base.toRealPath().resolve(base.relativize(p));
      if (Files.isSymbolicLink(p) || !p.toRealPath().equals(expected)) {
        throw new IOException("path '" + path + "' is reached through a symbolic link (not allowed here)");
      }
    }
    return p;
  }

  /** {@code s} with control characters shown as {@code \\uXXXX}, for messages. */
  public static String printable(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) sb.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    return sb.toString();
  }
}
