package org.mflag.experiment;

import java.util.List;
import org.mflag.cli.Cancellation;
import org.mflag.cli.CliCommand;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.imageio.ImageFileDecoder;
import org.scijava.log.Logger;

/** {@code ./mflag experiment task=... encoder_models=... fractions=... output=... (fine-tune keys)}. */
public final class ExperimentCli implements CliCommand {

  @Override
  public String name() {
    return "experiment";
  }

  @Override
  public String summary() {
    return "fine-tune and test a grid of encoders x label fractions for one task; writes results.md/.csv/.png";
  }

  @Override
  public List<Key> keys() {
    return Experiment.KEYS;
  }

  @Override
  public int run(KeyValues args, Logger log, Cancellation cancel) throws Exception {
    Experiment.run(args, new ImageFileDecoder(), log, cancel);
    System.out.print(new String(java.nio.file.Files.readAllBytes(args.path(Experiment.OUTPUT).resolve("results.md")),
        java.nio.charset.StandardCharsets.UTF_8));
    return 0;
  }
}
