package org.mflag.experiment;

import java.util.List;
import org.mflag.cli.Cancellation;
import org.mflag.cli.CliCommand;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.imageio.ImageFileDecoder;
import org.scijava.log.Logger;

/** {@code ./mflag study manifest=... encoder_models=... output=... (task data keys)}. */
public final class StudyCli implements CliCommand {

  @Override
  public String name() {
    return "study";
  }

  @Override
  public String summary() {
    return "frozen encoders x tasks x label fractions (x seeds), heads trained on cached features, 95% bootstrap intervals;"
        + " resumable; writes study.md/.csv and plots";
  }

  @Override
  public List<Key> keys() {
    return Study.KEYS;
  }

  @Override
  public int run(KeyValues args, Logger log, Cancellation cancel) throws Exception {
    Study.run(StudyConfig.of(args), new ImageFileDecoder(), log, cancel);
    System.out.print(new String(java.nio.file.Files.readAllBytes(args.path(Study.OUTPUT).resolve("study.md")),
        java.nio.charset.StandardCharsets.UTF_8));
    return 0;
  }
}
