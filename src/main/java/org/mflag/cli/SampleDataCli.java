package org.mflag.cli;

import java.util.List;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.data.SampleData;
import org.scijava.log.Logger;

/** {@code ./mflag sample-data output=folder}: the plugin's sample chest X-rays, written out for a first run. */
final class SampleDataCli implements CliCommand {

  @Override
  public String name() {
    return "sample-data";
  }

  @Override
  public String summary() {
    return "write the 48 sample chest X-rays the plugin carries (case notes, lung masks and boxes, report embeddings) into a folder";
  }

  @Override
  public List<Key> keys() {
    return SampleData.KEYS;
  }

  @Override
  public int run(KeyValues args, Logger log, Cancellation cancel) throws Exception {
    System.out.println(SampleData.write(args.path(SampleData.OUTPUT), log));
    return 0;
  }
}
