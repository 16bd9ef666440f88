package org.mflag.text;

/** A report's text and the id of the manifest row it belongs to. */
public final class Report {

  public final String id;
  public final String text;

  public Report(String id, String text) {
    this.id = id;
    this.text = text;
  }
}
