package org.mflag.cli;

import java.util.Collections;
import java.util.List;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.data.DataKeys;
import org.mflag.runtime.InstallationCheck;
import org.scijava.log.Logger;

/** {@code ./mflag about}: TensorFlow, the GPUs it computes on (or why none), the CUDA libraries loaded, a timed MatMul per device. */
final class AboutCli implements CliCommand {

  @Override
  public String name() {
    return "about";
  }

  @Override
  public String summary() {
    return "TensorFlow, the devices it computes on (or why no GPU), CUDA/cuDNN libraries loaded and from where, a timed MatMul each";
  }

  @Override
  public List<Key> keys() {
    return Collections.singletonList(DataKeys.CACHE_DIR);
  }

  @Override
  public int run(KeyValues args, Logger log, Cancellation cancel) {
    for (String line : InstallationCheck.run(args.path(DataKeys.CACHE_DIR))) System.out.println(line);
    return 0;
  }
}
