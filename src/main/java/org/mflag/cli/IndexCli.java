package org.mflag.cli;

import java.util.List;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.retrieval.IndexConfig;
import org.mflag.retrieval.Retrieval;
import org.scijava.log.Logger;

/** {@code ./mflag index ...} (see {@link Retrieval}). */
final class IndexCli implements CliCommand {

  @Override
  public String name() {
    return "index";
  }

  @Override
  public String summary() {
    return "project a manifest's images and reports into a pre-trained package's latent space: one .npz retrieval index";
  }

  @Override
  public List<Key> keys() {
    return Retrieval.INDEX_KEYS;
  }

  @Override
  public int run(KeyValues args, Logger log, Cancellation cancel) throws Exception {
    Retrieval.index(IndexConfig.of(args), new ImageFileDecoder(), log, cancel);
    return 0;
  }
}
