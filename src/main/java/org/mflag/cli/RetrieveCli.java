package org.mflag.cli;

import java.util.List;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.retrieval.RetrieveConfig;
import org.mflag.retrieval.Retrieval;
import org.scijava.log.Logger;

/** {@code ./mflag retrieve ...} (see {@link Retrieval}). */
final class RetrieveCli implements CliCommand {

  @Override
  public String name() {
    return "retrieve";
  }

  @Override
  public String summary() {
    return "for each query image, the most similar reports and images of an index: results.csv, Recall@1/5/10 of the paired report, Precision@K by label";
  }

  @Override
  public List<Key> keys() {
    return Retrieval.RETRIEVE_KEYS;
  }

  @Override
  public int run(KeyValues args, Logger log, Cancellation cancel) throws Exception {
    Retrieval.retrieve(RetrieveConfig.of(args), new ImageFileDecoder(), log, cancel);
    return 0;
  }
}
