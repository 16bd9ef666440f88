package org.mflag.nn;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The trainable part of M-FLAG: image encoder, image projector and text projector. The frozen
 * language model is not part of this graph; its embeddings come in as data.
 *
 * <p>Parameter names: the encoder's are torchvision's ({@code conv1.weight}, {@code layer1.0...});
 * the projectors' are {@code image_projector.*} and {@code text_projector.*}.</p>
 */
public final class MFlagNetwork {

  public static final String IMAGE_PROJECTOR = "image_projector";
  public static final String TEXT_PROJECTOR = "text_projector";

  /** Image-side outputs. */
  public static final class ImageOutputs {
    public final ResNet.Features features;
    /** Pooled encoder features, {@code img_emb} in the spec. */
    public final Operand<TFloat32> embedding;
    /** Image projector output [B, 1024]. */
    public final Operand<TFloat32> projection;

    ImageOutputs(ResNet.Features features, Operand<TFloat32> projection) {
      this.features = features;
      this.embedding = features.pooled;
      this.projection = projection;
    }
  }

  private MFlagNetwork() {}

  /** Encoder + image projector on a normalised grey batch [B, H, W, 1]. */
  public static ImageOutputs image(Layers l, Architecture arch, Operand<TFloat32> image) {
    ResNet.Features f = ResNet.build(l, arch, image);
    return new ImageOutputs(f, Projector.build(l, IMAGE_PROJECTOR, f.pooled, arch.embeddingSize()));
  }

  /** Text projector on frozen language-model embeddings [B, textDim]. */
  public static Operand<TFloat32> text(Layers l, Operand<TFloat32> textEmbedding, long textDim) {
    return Projector.build(l, TEXT_PROJECTOR, textEmbedding, textDim);
  }

  /** True for parameters of the image encoder (not of a projector). */
  public static boolean isEncoderParameter(String name) {
    return !name.startsWith(IMAGE_PROJECTOR + ".") && !name.startsWith(TEXT_PROJECTOR + ".");
  }
}
