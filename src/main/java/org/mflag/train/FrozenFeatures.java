package org.mflag.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.mflag.config.Task;
import org.mflag.data.Preprocessing;
import org.mflag.data.TaskDataset.Sample;
import org.mflag.model.ModelPackage;
import org.mflag.model.ModelPackageException;
import org.mflag.nn.Architecture;
import org.mflag.nn.ImageNetImport;
import org.mflag.nn.Layers;
import org.mflag.nn.Mode;
import org.mflag.nn.Parameters;
import org.mflag.nn.ResNet;
import org.mflag.nn.TaskNetwork;
import org.mflag.nn.Tensors;
import org.mflag.nn.WeightsImport;
import org.mflag.runtime.TensorFlowRuntime;
import org.scijava.log.Logger;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * What a frozen encoder computes for each image, kept in memory: the endpoints that a task's head reads
 * ({@link TaskNetwork#headInputs}), computed once per image so that the head trains on them
 * ({@link HeadOnFeatures}) without running the encoder again at every step. The encoder runs in
 * inference mode, exactly as a frozen encoder does in fine-tuning, on the images without augmentation
 * (which is what a cache can hold: the one deviation from fine-tuning's segmentation, which augments).
 */
public final class FrozenFeatures {

  /** A frozen encoder: a pre-training package, Keras' ImageNet ResNet50 v1, or a seeded random initialisation. */
  public static final class Encoder {
    public final String name;
    public final Architecture arch;
    private final ModelPackage pretrained;
    private final Path imagenet;
    private final long seed;

    private Encoder(String name, Architecture arch, ModelPackage pretrained, Path imagenet, long seed) {
      this.name = name;
      this.arch = arch;
      this.pretrained = pretrained;
      this.imagenet = imagenet;
      this.seed = seed;
    }

    /**
     * {@code source} is {@code random} (architecture {@code randomArch}, weights drawn from {@code seed}),
     * {@code imagenet} (the file of {@code import-weights} under {@code cacheDir}) or a pre-training package.
     */
    public static Encoder of(String name, String source, Architecture randomArch, Path cacheDir, long seed)
        throws ModelPackageException, IOException {
      if (source.equalsIgnoreCase("random")) return new Encoder(name, randomArch, null, null, seed);
      if (source.equalsIgnoreCase(ImageNetImport.NAME)) {
        return new Encoder(name, Architecture.RESNET50_V1, null, ImageNetImport.require(cacheDir), seed);
      }
      ModelPackage p = ModelPackage.open(Path.of(source));
      return new Encoder(name, p.architecture(), p, null, seed);
    }

    /** Where the weights come from, for logs and results. */
    public String describe() {
      return pretrained != null ? pretrained.dir().toString() : imagenet != null ? "ImageNet, " + imagenet
          : String.format(Locale.ROOT, "random %s (seed %d)", arch.key(), seed);
    }

    /** Values of every variable of an encoder-only graph. */
    Map<String, float[]> values(Parameters params) throws ModelPackageException, IOException {
      if (imagenet != null) return WeightsImport.encoder(imagenet, params, n -> true);
      if (pretrained == null) return params.initialValues(seed);
      Map<String, float[]> all = pretrained.weights();
      Map<String, float[]> out = new LinkedHashMap<>();
      for (Parameters.Entry e : params.all()) {
        float[] w = all.get(e.name);
        if (w == null) {
          throw new ModelPackageException(pretrained.dir() + ": the encoder lacks parameter " + e.name + " (not an M-FLAG encoder package?)");
        }
        out.put(e.name, w);
      }
      return out;
    }
  }

  private static final int BATCH = 8;

  private final List<TaskNetwork.HeadInput> inputs;
  private final Map<Sample, float[][]> values;

  private FrozenFeatures(List<TaskNetwork.HeadInput> inputs, Map<Sample, float[][]> values) {
    this.inputs = inputs;
    this.values = values;
  }

  /** Runs {@code encoder} once over {@code samples} (normalised images of {@code size}) and keeps what {@code task}'s head reads. */
  public static FrozenFeatures compute(Encoder encoder, Task task, int size, List<Sample> samples, Logger log, BooleanSupplier canceled)
      throws ModelPackageException, IOException, TrainingException {
    TensorFlowRuntime.ensureLoaded();
    List<TaskNetwork.HeadInput> inputs = TaskNetwork.headInputs(task, encoder.arch, size);
    Map<Sample, float[][]> values = new IdentityHashMap<>();
    long start = System.nanoTime();
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Parameters params = new Parameters(tf);
      Placeholder<TFloat32> image = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, size, size, 1)));
      ResNet.Features f = ResNet.build(new Layers(params, Mode.INFER), encoder.arch, image);
      List<Operand<TFloat32>> outputs = new ArrayList<>();
      for (TaskNetwork.HeadInput in : inputs) outputs.add(in.of(f));
      params.seal();
      try (Session s = new Session(g)) {
        params.assign(s, encoder.values(params), encoder.describe());
        int px = size * size;
        for (int from = 0; from < samples.size(); from += BATCH) {
          if (canceled.getAsBoolean()) throw new TrainingException("cancelled while computing the features of encoder " + encoder.name);
          int n = Math.min(BATCH, samples.size() - from);
          float[] batch = new float[n * px];
          for (int i = 0; i < n; i++) System.arraycopy(Preprocessing.normalise(samples.get(from + i).image), 0, batch, i * px, px);
          try (TFloat32 x = Tensors.floats(batch, n, size, size, 1)) {
            Session.Runner r = s.runner().feed(image, x);
            for (Operand<TFloat32> o : outputs) r.fetch(o);
            try (Result res = r.run()) {
              for (int k = 0; k < inputs.size(); k++) {
                float[] all = Tensors.toArray(res.get(k));
                int per = inputs.get(k).size();
                for (int i = 0; i < n; i++) {
                  values.computeIfAbsent(samples.get(from + i), x2 -> new float[inputs.size()][]);
                  values.get(samples.get(from + i))[k] = java.util.Arrays.copyOfRange(all, i * per, (i + 1) * per);
                }
              }
            }
          }
        }
      }
    }
    long perImage = 0;
    for (TaskNetwork.HeadInput in : inputs) perImage += in.size();
    log.info(String.format(Locale.ROOT, "features of %d images from encoder %s (%s): %.1f s, %.0f MB", samples.size(), encoder.name,
        encoder.describe(), (System.nanoTime() - start) / 1e9, samples.size() * perImage * 4 / 1e6));
    return new FrozenFeatures(inputs, values);
  }

  public List<TaskNetwork.HeadInput> inputs() {
    return inputs;
  }

  /** The cached values of endpoint {@code input} (index into {@link #inputs}) for {@code s}, one of the samples computed. */
  public float[] of(Sample s, int input) {
    float[][] v = values.get(s);
    if (v == null) throw new IllegalArgumentException("no features for image " + s.id + " (not among the samples computed)");
    return v[input];
  }
}
