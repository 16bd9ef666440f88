package org.mflag.cli;

import java.util.List;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.train.PretrainConfig;
import org.mflag.train.Pretrainer;
import org.mflag.train.TrainingListener;
import org.mflag.train.TrainingResult;
import org.scijava.log.Logger;

/** {@code ./mflag pretrain key=value ...}: M-FLAG pre-training from a manifest. */
final class PretrainCli implements CliCommand {

  @Override
  public String name() {
    return "pretrain";
  }

  @Override
  public String summary() {
    return "pre-train an image encoder against frozen language-model embeddings of the reports";
  }

  @Override
  public List<Key> keys() {
    return PretrainConfig.KEYS;
  }

  @Override
  public int run(KeyValues args, Logger log, Cancellation cancel) throws Exception {
    PretrainConfig cfg = PretrainConfig.fromKeyValues(args);
    TrainingResult r = new Pretrainer(cfg, new ImageFileDecoder(), log).run(new TrainingListener() {}, cancel);
    return r.outcome == TrainingResult.Outcome.COMPLETED || r.step > 0 ? 0 : 1;
  }
}
