package org.mflag.cli;

import java.util.List;
import org.mflag.bench.LoaderBenchmark;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.fiji.convert.ImageJDecoder;
import org.scijava.log.Logger;

/** {@code ./mflag bench ...}: benchmarks that print ratios measured in one run. */
final class BenchCli implements CliCommand {

  @Override
  public String name() {
    return "bench";
  }

  @Override
  public String summary() {
    return "measure the data loader's throughput against the training step's demand (ratio, target >= 1.5)";
  }

  @Override
  public List<Key> keys() {
    return LoaderBenchmark.KEYS;
  }

  @Override
  public int run(KeyValues args, Logger log, Cancellation cancel) throws Exception {
    LoaderBenchmark.run(args, new ImageJDecoder(), log);
    return 0;
  }
}
