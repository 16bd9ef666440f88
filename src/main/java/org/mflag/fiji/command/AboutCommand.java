package org.mflag.fiji.command;

import java.util.Collections;
import java.util.List;
import org.mflag.config.Key;
import org.mflag.data.DataKeys;
import org.mflag.runtime.InstallationCheck;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/** M-FLAG About / Check Installation: TensorFlow, its devices timed, natives and caches (to the log). */
@Plugin(type = Command.class, headless = true, label = "M-FLAG About")
public class AboutCommand extends KeyCommand {

  @Parameter(persist = false)
  private String cache_dir;

  @Parameter(type = ItemIO.OUTPUT, label = "Report")
  private String report;

  @Override
  public List<Key> keys() {
    return Collections.singletonList(DataKeys.CACHE_DIR);
  }

  @Override
  public String title() {
    return "M-FLAG About";
  }

  @Override
  public void run() {
    try {
      report = String.join("\n", InstallationCheck.run(keyValues().path(DataKeys.CACHE_DIR)));
      for (String line : report.split("\n")) logger().info(line);
    } catch (Exception e) {
      throw failure(e);
    }
  }

  public String getReport() {
    return report;
  }
}
