package org.mflag.cli;

import java.util.List;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.infer.AnalysisConfig;
import org.mflag.infer.BatchAnalysis;
import org.mflag.infer.Job;
import org.mflag.infer.ManifestAnalysis;
import org.scijava.log.Logger;

/** {@code ./mflag segment|classify|detect|embed model=DIR manifest=CSV output=DIR}: every image of a manifest, in this JVM. */
final class AnalyseCli implements CliCommand {

  private final Job job;

  AnalyseCli(Job job) {
    this.job = job;
  }

  @Override
  public String name() {
    return job.key();
  }

  @Override
  public String summary() {
    switch (job) {
      case SEGMENT: return "segment every image of a manifest: results.csv (areas, regions) and masks/*.png; re-runs continue";
      case CLASSIFY: return "classify every image of a manifest: results.csv with a probability per class; re-runs continue";
      case DETECT: return "detect boxes in every image of a manifest: results.csv with the boxes; re-runs continue";
      case ZERO_SHOT: return "classify every image of a manifest by prompts, with an encoder package and no labels: results.csv with a"
          + " probability per class (AUROC against label_column when given); re-runs continue";
      default: return "embed every image of a manifest with an encoder: results.csv with embedding and projection; re-runs continue";
    }
  }

  @Override
  public List<Key> keys() {
    return AnalysisConfig.keys(job);
  }

  @Override
  public int run(KeyValues args, Logger log, Cancellation cancel) throws Exception {
    ManifestAnalysis.Summary s = ManifestAnalysis.run(AnalysisConfig.of(job, args), new ImageFileDecoder(), log, cancel);
    log.info(job.key() + ": " + s);
    return 0;
  }
}
