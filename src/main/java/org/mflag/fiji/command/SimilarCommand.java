package org.mflag.fiji.command;

import ij.ImagePlus;
import ij.measure.ResultsTable;
import java.io.File;
import java.util.List;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.fiji.convert.ImageJResults;
import org.mflag.model.ModelPackage;
import org.mflag.retrieval.Retrieval;
import org.mflag.retrieval.RetrievalIndex;
import org.scijava.ItemIO;
import org.scijava.plugin.Parameter;

/**
 * What M-FLAG Similar Reports and M-FLAG Similar Images share: the open image (its current slice) searched in a
 * retrieval index on one side, a Results row per hit (rank, similarity, id, label; the report's text for reports).
 */
public abstract class SimilarCommand extends KeyCommand {

  @Parameter(label = "Image", persist = false)
  private ImagePlus image;
  @Parameter(style = "directory", persist = false)
  private File model;
  @Parameter(style = "open", persist = false)
  private File index;
  @Parameter(persist = false)
  private int k;
  @Parameter(persist = false)
  private String engine;

  @Parameter(type = ItemIO.OUTPUT, label = "Best match")
  private String best;

  /** Which side of the index this command searches. */
  abstract RetrievalIndex.Side side();

  @Override
  public List<Key> keys() {
    return Retrieval.SIMILAR_KEYS;
  }

  @Override
  public void run() {
    try {
      KeyValues kv = keyValues();
      if (image == null) throw new IllegalArgumentException("no image: open one first");
      showProgress(title() + ": searching", 0, 1);
      RetrievalIndex idx = RetrievalIndex.load(kv.path(Retrieval.INDEX).toAbsolutePath());
      List<RetrievalIndex.Hit> hits = Retrieval.similar(ModelPackage.open(kv.path(Retrieval.MODEL).toAbsolutePath()), idx,
          ImageJResults.slice(image, image.getCurrentSlice()), side(), kv.integer(Retrieval.K),
          org.mflag.infer.Engine.of(kv.string(org.mflag.infer.Engine.ENGINE)));
      ResultsTable rt = ImageJResults.results();
      for (int r = 0; r < hits.size(); r++) {
        RetrievalIndex.Hit h = hits.get(r);
        if (r == 0) best = h.id;
        rt.incrementCounter();
        rt.addValue("image", image.getTitle());
        rt.addValue("rank", r + 1);
        rt.addValue("similarity", h.similarity);
        rt.addValue("id", h.id);
        rt.addValue("label", h.label);
        if (side() == RetrievalIndex.Side.REPORTS) rt.addValue("report", h.report);
      }
      clearProgress();
    } catch (Exception e) {
      throw failure(e);
    }
  }

  public String getBest() {
    return best;
  }
}
