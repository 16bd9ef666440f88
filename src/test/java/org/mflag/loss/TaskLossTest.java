package org.mflag.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mflag.data.Box;
import org.mflag.nn.Tensors;
import org.mflag.nn.YoloLayout;
import org.mflag.runtime.TensorFlowRuntime;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** The downstream losses (MFLAG.md, "Downstream protocols") against values worked out by hand. */
class TaskLossTest {

  private static final double LN2 = Math.log(2);

  private static Operand<TFloat32> c(Ops tf, float[] v, long... shape) {
    return tf.constant(Shape.of(shape), DataBuffers.of(v));
  }

  private static float eval(Graph g, Operand<TFloat32> x) {
    try (Session s = new Session(g); Result r = s.runner().fetch(x).run()) {
      return Tensors.scalar(r.get(0));
    }
  }

  @Test
  void segmentationLossIsTenFocalMinusLogDice() {
    TensorFlowRuntime.ensureLoaded();
    // pixel 1: x=0, z=1: BCE = ln 2 = 0.693147; 1 - p_t = 0.5 -> focal weight 0.25
    // pixel 2: x=2, z=0: BCE = 2 + ln(1 + e^-2) = 2.126928; 1 - p_t = sigmoid(2) = 0.880797 -> weight 0.775803
    // focal = (0.25 * 0.693147 + 0.775803 * 2.126928) / 2 = 0.911683
    // dice = (2 * 0.5 + 1) / (0.5 + 0.880797 + 1 + 1) = 0.591576
    // total = 10 * 0.911683 - ln 0.591576 = 9.641821
    // pixel 3 (x=5, z=1) has weight 0: the mask's ignore value, left out of both terms
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      SegmentationLoss.Terms t = SegmentationLoss.build(tf, c(tf, new float[] {0, 2, 5}, 1, 3, 1, 1),
          c(tf, new float[] {1, 0, 1}, 1, 3, 1, 1), c(tf, new float[] {1, 1, 0}, 1, 3, 1, 1));
      assertEquals(0.911683, eval(g, t.focal), 1e-5);
      assertEquals(0.591576, eval(g, t.dice), 1e-5);
      assertEquals(9.641821, eval(g, t.total), 1e-4);
    }
  }

  @Test
  void weightedSoftmaxCrossEntropyAveragesLikePyTorch() {
    TensorFlowRuntime.ensureLoaded();
    // sample 1: logits (1,2,3), class 3 (weight 2): nll = ln(e + e^2 + e^3) - 3 = 0.407606
    // sample 2: logits (0,0,0), class 1 (weight 1): nll = ln 3 = 1.098612
    // CrossEntropyLoss(weight) = (2 * 0.407606 + 1 * 1.098612) / (2 + 1) = 0.637941
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> loss = ClassificationLoss.build(tf, c(tf, new float[] {1, 2, 3, 0, 0, 0}, 2, 3),
          c(tf, new float[] {0, 0, 1, 1, 0, 0}, 2, 3), new float[] {1, 1, 2}, false);
      assertEquals(0.637941, eval(g, loss), 1e-5);
    }
  }

  @Test
  void weightedBinaryCrossEntropyForMultiLabel() {
    TensorFlowRuntime.ensureLoaded();
    // logits (0, 1), targets (1, 0), class weights (1, 3):
    // BCE(0, 1) = ln 2 = 0.693147; BCE(1, 0) = 1 + ln(1 + e^-1) = 1.313262
    // mean = (0.693147 + 3 * 1.313262) / 2 = 2.316467
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> loss = ClassificationLoss.build(tf, c(tf, new float[] {0, 1}, 1, 2), c(tf, new float[] {1, 0}, 1, 2),
          new float[] {1, 3}, true);
      assertEquals(2.316467, eval(g, loss), 1e-5);
    }
  }

  @Test
  void yoloTargetGoesToTheBestAnchorInTheCellOfTheCentre() {
    // 32 px input: anchors x 32/416. Box (4,4)-(12,16): 8 x 12, centre (8, 10).
    // wh-IoU with anchor 6 (116x90 -> 8.923 x 6.923): 8*6.923 / (96 + 61.775 - 55.385) = 0.541, the best
    // (anchor 7, 12 x 15.231: 96 / 182.77 = 0.525; anchor 5, 4.538 x 9.154: 0.432).
    // Anchor 6 is scale 2 (stride 32, 1x1 grid), anchor 0 there: prediction (16 + 4) * 3 + 0 = 60.
    // Targets: x offset 8/32 = 0.25, y offset 10/32 = 0.3125, log(8 / 8.923) = -0.10922, log(12 / 6.923) = 0.55005,
    // scale 2 - 96/1024 = 1.90625; class 1 one-hot.
    YoloLayout layout = new YoloLayout(32);
    YoloTargets t = new YoloTargets(layout, 2, List.of(List.of(new Box(4, 4, 12, 16, 1, 1))), 2);
    assertEquals(63, layout.count);
    for (int i = 0; i < layout.count; i++) assertEquals(i == 60 ? 1f : 0f, t.assigned[i], "prediction " + i);
    assertEquals(0.25f, t.box[60 * 4], 1e-6f);
    assertEquals(0.3125f, t.box[60 * 4 + 1], 1e-6f);
    assertEquals(-0.10922f, t.box[60 * 4 + 2], 1e-4f);
    assertEquals(0.55005f, t.box[60 * 4 + 3], 1e-4f);
    assertEquals(1.90625f, t.scale[60], 1e-6f);
    assertEquals(0f, t.classes[60 * 2], 0f);
    assertEquals(1f, t.classes[60 * 2 + 1], 0f);
  }

  @Test
  void yoloLossOnZeroOutputs() {
    TensorFlowRuntime.ensureLoaded();
    // With all raw outputs 0 every BCE with logits is ln 2, whatever its target, and sigmoid = 0.5, so each
    // prediction decodes to a box of its anchor's size centred in its cell.
    // Assigned prediction 60 (see above), 2 classes, batch 1:
    //   box   = 1.90625 * (2 ln 2 + 0.5 (0.10922^2 + 0.55005^2))
    //   obj   = ln 2 (assigned) + ln 2 x (negatives = 62 - predictions whose decoded box overlaps the truth by IoU > 0.5)
    //   class = 2 ln 2
    YoloLayout layout = new YoloLayout(32);
    Box truth = new Box(4, 4, 12, 16, 1, 1);
    YoloTargets t = new YoloTargets(layout, 2, List.of(List.of(truth)), 2);
    int ignored = 0;
    for (int i = 0; i < layout.count; i++) {
      double cx = (layout.cellX[i] + 0.5) * layout.stride[i], cy = (layout.cellY[i] + 0.5) * layout.stride[i];
      Box p = new Box(cx - layout.anchorW[i] / 2, cy - layout.anchorH[i] / 2, cx + layout.anchorW[i] / 2, cy + layout.anchorH[i] / 2, 0, 1);
      if (i != 60 && Box.iou(p, truth) > DetectionLoss.IGNORE_IOU) ignored++;
    }
    double box = 1.90625 * (2 * LN2 + 0.5 * (0.10922 * 0.10922 + 0.55005 * 0.55005));
    double obj = LN2 + LN2 * (62 - ignored);
    double cls = 2 * LN2;
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      DetectionLoss.Terms l = DetectionLoss.build(tf, c(tf, new float[63 * 7], 1, 63, 7), layout, 2,
          c(tf, t.assigned, 1, 63), c(tf, t.box, 1, 63, 4), c(tf, t.scale, 1, 63), c(tf, t.classes, 1, 63, 2),
          c(tf, t.truths, 1, 2, 4));
      assertEquals(box, eval(g, l.box), 1e-4);
      assertEquals(obj, eval(g, l.objectness), 1e-4);
      assertEquals(cls, eval(g, l.classes), 1e-5);
      assertEquals(box + obj + cls, eval(g, l.total), 1e-3);
    }
  }
}
