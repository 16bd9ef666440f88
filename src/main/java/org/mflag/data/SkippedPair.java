package org.mflag.data;

/** A manifest row that was left out, and why. */
public final class SkippedPair {

  /** 1-based row number in the manifest (the header is row 0). */
  public final int row;
  public final String id;
  /** The image path as written in the manifest. */
  public final String path;
  public final String reason;

  public SkippedPair(int row, String id, String path, String reason) {
    this.row = row;
    this.id = id;
    this.path = path;
    this.reason = reason;
  }

  /** "row 12 (id cxr012) images/a.png: empty file (0 bytes)". */
  public String describe() {
    return "row " + row + " (id " + id + ") " + (path.isEmpty() ? "<no image>" : path) + ": " + reason;
  }

  /** Writes a skip list as CSV ({@code row,id,path,reason}); returns the file. */
  public static java.nio.file.Path write(java.nio.file.Path file, java.util.List<SkippedPair> skipped) throws java.io.IOException {
    StringBuilder sb = new StringBuilder("row,id,path,reason\n");
    for (SkippedPair s : skipped) {
      sb.append(s.row).append(',').append(Manifest.csvField(s.id)).append(',').append(Manifest.csvField(s.path)).append(',')
          .append(Manifest.csvField(s.reason)).append('\n');
    }
    java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
    java.nio.file.Files.write(file, sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return file;
  }
}
