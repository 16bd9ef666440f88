package org.mflag.cli;

import java.util.List;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.text.EmbedReports;
import org.scijava.log.Logger;

/** {@code ./mflag embed-reports key=value ...}: the frozen language model over a manifest's reports, cached. */
final class EmbedReportsCli implements CliCommand {

  @Override
  public String name() {
    return "embed-reports";
  }

  @Override
  public String summary() {
    return "embed and cache every report of a manifest with the frozen language model";
  }

  @Override
  public List<Key> keys() {
    return EmbedReports.KEYS;
  }

  @Override
  public int run(KeyValues args, Logger log, Cancellation cancel) throws Exception {
    EmbedReports.run(org.mflag.text.EmbedConfig.of(args), log);
    return 0;
  }
}
