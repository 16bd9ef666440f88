package org.mflag.infer;

/** An encoder's view of one image: the pooled features and their projection into the image-text latent space. */
public final class Embedding {

  private final float[] embedding;
  private final float[] projection;

  public Embedding(float[] embedding, float[] projection) {
    this.embedding = embedding;
    this.projection = projection;
  }

  /** The pooled encoder features. */
  public float[] embedding() {
    return embedding;
  }

  /** The image projection (the space the report embeddings are aligned to). */
  public float[] projection() {
    return projection;
  }
}
