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
}
