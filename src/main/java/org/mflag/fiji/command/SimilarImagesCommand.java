package org.mflag.fiji.command;

import org.mflag.retrieval.RetrievalIndex;
import org.scijava.command.Command;
import org.scijava.plugin.Plugin;

/** M-FLAG Similar Images: the images of a retrieval index most similar to the open image (see {@link SimilarCommand}). */
@Plugin(type = Command.class, headless = true, label = "M-FLAG Similar Images")
public class SimilarImagesCommand extends SimilarCommand {

  @Override
  RetrievalIndex.Side side() {
    return RetrievalIndex.Side.IMAGES;
  }

  @Override
  public String title() {
    return "M-FLAG Similar Images";
  }
}
