package org.mflag.fiji.command;

import java.io.File;
import java.util.List;
import org.mflag.config.Key;
import org.mflag.text.EmbedReports;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/** M-FLAG Embed Reports: embeds and caches a manifest's reports with the frozen language model. */
@Plugin(type = Command.class, headless = true, label = "M-FLAG Embed Reports")
public class EmbedReportsCommand extends KeyCommand {

  @Parameter(style = "open", persist = false)
  private File manifest;
  @Parameter(persist = false)
  private String text_column;
  @Parameter(persist = false)
  private String id_column;
  @Parameter(persist = false)
  private String text_model;
  @Parameter(persist = false)
  private String cache_dir;
  @Parameter(persist = false)
  private String output;

  @Parameter(persist = false)
  private String device;

  @Parameter(type = ItemIO.OUTPUT, label = "Reports embedded")
  private long encoded;

  @Override
  public List<Key> keys() {
    return EmbedReports.KEYS;
  }

  @Override
  public String title() {
    return "M-FLAG Embed Reports";
  }

  @Override
  public void run() {
    try {
      EmbedReports.Summary s = EmbedReports.run(org.mflag.text.EmbedConfig.of(keyValues()), logger());
      encoded = s.encoded;
    } catch (Exception e) {
      throw failure(e);
    }
  }
}
