package org.mflag.fiji.command;

import org.mflag.retrieval.RetrievalIndex;
import org.scijava.command.Command;
import org.scijava.plugin.Plugin;

/** M-FLAG Similar Reports: the reports of a retrieval index most similar to the open image (see {@link SimilarCommand}). */
@Plugin(type = Command.class, headless = true, label = "M-FLAG Similar Reports")
public class SimilarReportsCommand extends SimilarCommand {

  @Override
  RetrievalIndex.Side side() {
    return RetrievalIndex.Side.REPORTS;
  }

  @Override
  public String title() {
    return "M-FLAG Similar Reports";
  }
}
