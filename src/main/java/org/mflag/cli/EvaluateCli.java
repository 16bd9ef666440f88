package org.mflag.cli;

import java.util.List;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.eval.MetricsReport;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.infer.Evaluate;
import org.mflag.infer.EvaluateConfig;
import org.scijava.log.Logger;

/** {@code ./mflag evaluate model=DIR manifest=CSV split=test ...}: prints one {@code name: value} per line. */
final class EvaluateCli implements CliCommand {

  @Override
  public String name() {
    return "evaluate";
  }

  @Override
  public String summary() {
    return "score a fine-tuned model on a split (Dice/IoU, AUROC/accuracy, mAP); writes metrics.json and metrics.csv";
  }

  @Override
  public List<Key> keys() {
    return EvaluateConfig.KEYS;
  }

  @Override
  public int run(KeyValues args, Logger log, Cancellation cancel) throws Exception {
    MetricsReport e = Evaluate.run(EvaluateConfig.of(args), new ImageFileDecoder(), log);
    System.out.print(e.describe());
    return 0;
  }
}
