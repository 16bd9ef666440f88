package org.mflag.bench;

import java.util.List;
import org.mflag.cli.Cancellation;
import org.mflag.cli.CliCommand;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.imageio.ImageFileDecoder;
import org.scijava.log.Logger;

/** {@code ./mflag bench ...}: benchmarks that print ratios measured in one run (see {@link Benchmark}). */
public final class BenchCli implements CliCommand {

  @Override
  public String name() {
    return "bench";
  }

  @Override
  public String summary() {
    return "training step vs the best measured GEMM and vs native and DJL PyTorch, levers, loader, language model, tiled inference, scaling (ratios, one run)";
  }

  @Override
  public List<Key> keys() {
    return Benchmark.KEYS;
  }

  @Override
  public int run(KeyValues args, Logger log, Cancellation cancel) throws Exception {
    return Benchmark.run(args, new ImageFileDecoder(), log, cancel) == null ? 130 : 0;
  }
}
