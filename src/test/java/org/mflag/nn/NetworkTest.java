package org.mflag.nn;

import org.mflag.runtime.TensorFlowRuntime;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mflag.loss.MFlagLoss;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

class NetworkTest {

  private static long trainable(Architecture arch, boolean projectors) {
    TensorFlowRuntime.ensureLoaded();
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Parameters p = new Parameters(tf);
      Layers l = new Layers(p, Mode.TRAIN);
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 224, 224, 1)));
      if (projectors) {
        MFlagNetwork.image(l, arch, x);
        MFlagNetwork.text(l, tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 768))), 768);
      } else {
        ResNet.build(l, arch, x);
      }
      return p.count(Parameters.Kind.TRAINABLE);
    }
  }

  @Test
  void parameterCountsMatchTorchvisionAndTheSpec() {
    // torchvision resnet18/34/50 minus the fc layer (512*1000+1000, 2048*1000+1000)
    assertEquals(11_689_512L - 513_000L, trainable(Architecture.RESNET18, false));
    assertEquals(21_797_672L - 513_000L, trainable(Architecture.RESNET34, false));
    assertEquals(25_557_032L - 2_049_000L, trainable(Architecture.RESNET50, false));
    // MFLAG.md: ResNet-50 23.5M + image projector 6.3M + text projector 3.7M = 33.5M
    long all = trainable(Architecture.RESNET50, true);
    assertEquals(33.5e6, all, 0.05e6);
  }

  @Test
  void gradientsReachEveryEncoderAndProjectorParameterButNotTheTextInput() {
    TensorFlowRuntime.ensureLoaded();
    int b = 4, size = 32, textDim = 16;
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Parameters p = new Parameters(tf);
      Layers l = new Layers(p, Mode.TRAIN);
      Placeholder<TFloat32> img = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(b, size, size, 1)));
      Placeholder<TFloat32> txt = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(b, textDim)));
      MFlagNetwork.ImageOutputs io = MFlagNetwork.image(l, Architecture.RESNET18, img);
      Operand<TFloat32> tp = MFlagNetwork.text(l, txt, textDim);
      MFlagLoss.Terms loss = new MFlagLoss(1f, MFlagLoss.OrthVariant.OFFICIAL, 0f, 1f).build(tf, io.projection, tp, io.embedding);
      List<Parameters.Entry> params = p.ofKind(Parameters.Kind.TRAINABLE);
      List<Operand<?>> xs = new ArrayList<>();
      for (Parameters.Entry e : params) xs.add(e.variable);
      Gradients grads = tf.gradients(loss.total, xs);
      p.seal();
      try (Session s = new Session(g)) {
        p.assign(s, p.initialValues(7), "init");
        Random r = new Random(3);
        float[] xi = new float[b * size * size];
        for (int i = 0; i < xi.length; i++) xi[i] = (float) r.nextGaussian();
        float[] ti = new float[b * textDim];
        for (int i = 0; i < ti.length; i++) ti[i] = (float) r.nextGaussian();
        Session.Runner run = s.runner();
        for (int i = 0; i < params.size(); i++) {
          Output<?> gi = grads.dy(i);
          assertNotNull(gi, "no gradient for " + params.get(i).name);
          run.fetch(gi);
        }
        try (Tensor x = Tensors.floats(xi, b, size, size, 1); Tensor t = Tensors.floats(ti, b, textDim);
            Result res = run.feed(img, x).feed(txt, t).run()) {
          for (int i = 0; i < params.size(); i++) {
            float[] gv = Tensors.toArray(res.get(i));
            double norm = 0;
            for (float v : gv) norm += v * v;
            assertTrue(norm > 0 && Double.isFinite(norm), "zero or non-finite gradient for " + params.get(i).name);
          }
        }
      }
      // Every trainable parameter is the encoder's or a projector's; the language model's output enters
      // as a placeholder, so nothing upstream of it can be updated.
      for (Parameters.Entry e : params) {
        assertTrue(MFlagNetwork.isEncoderParameter(e.name) || e.name.startsWith(MFlagNetwork.IMAGE_PROJECTOR)
            || e.name.startsWith(MFlagNetwork.TEXT_PROJECTOR), e.name);
      }
      assertEquals("Placeholder", txt.op().type());
    }
  }

  @Test
  void initialisationDependsOnSeedAndNameOnly() {
    TensorFlowRuntime.ensureLoaded();
    try (Graph g1 = new Graph(); Graph g2 = new Graph()) {
      Parameters a = new Parameters(Ops.create(g1));
      Parameters b = new Parameters(Ops.create(g2));
      a.create("x.weight", new long[] {3, 3, 2, 4}, Parameters.Kind.TRAINABLE, Initializer.kaimingNormalFanOut());
      a.create("y.weight", new long[] {5, 2}, Parameters.Kind.TRAINABLE, Initializer.uniformFanIn(5));
      b.create("y.weight", new long[] {5, 2}, Parameters.Kind.TRAINABLE, Initializer.uniformFanIn(5)); // other order
      b.create("x.weight", new long[] {3, 3, 2, 4}, Parameters.Kind.TRAINABLE, Initializer.kaimingNormalFanOut());
      Map<String, float[]> va = a.initialValues(5), vb = b.initialValues(5), vc = a.initialValues(6);
      assertTrue(java.util.Arrays.equals(va.get("x.weight"), vb.get("x.weight")));
      assertTrue(java.util.Arrays.equals(va.get("y.weight"), vb.get("y.weight")));
      assertTrue(!java.util.Arrays.equals(va.get("x.weight"), vc.get("x.weight")));
    }
  }
}
