package org.mflag.nn;

/**
 * Where each prediction of the YOLO head sits: three scales (strides 8, 16, 32 on the encoder's
 * stages 2, 3, 4), three anchors per scale, one prediction per (scale, cell, anchor). Predictions are
 * flattened in the order scale, row, column, anchor, so prediction {@code n} has a cell, a stride and
 * an anchor given by the arrays here. The anchors are YOLOv3's, defined for a 416-pixel input and
 * scaled by {@code size / 416} (MFLAG.md).
 */
public final class YoloLayout {

  public static final int[] STRIDES = {8, 16, 32};
  public static final int ANCHORS_PER_SCALE = 3;
  /** YOLOv3's anchors (w, h) at 416 pixels, three per stride. */
  static final double[][] YOLOV3_ANCHORS = {
      {10, 13}, {16, 30}, {33, 23}, {30, 61}, {62, 45}, {59, 119}, {116, 90}, {156, 198}, {373, 326}};

  public final int size;
  public final int count;
  /** Per prediction: cell column and row, stride in pixels, anchor width and height in pixels, scale index. */
  public final float[] cellX;
  public final float[] cellY;
  public final float[] stride;
  public final float[] anchorW;
  public final float[] anchorH;
  public final int[] scale;
  /** The nine scaled anchors (w, h), three per scale. */
  public final double[][] anchors;
  private final int[] offsets = new int[STRIDES.length];

  public YoloLayout(int size) {
    if (size % 32 != 0) throw new IllegalArgumentException("image_size=" + size + ": the detector needs a multiple of 32");
    this.size = size;
    anchors = new double[YOLOV3_ANCHORS.length][];
    for (int i = 0; i < anchors.length; i++) {
      anchors[i] = new double[] {YOLOV3_ANCHORS[i][0] * size / 416.0, YOLOV3_ANCHORS[i][1] * size / 416.0};
    }
    int n = 0;
    for (int s = 0; s < STRIDES.length; s++) {
      offsets[s] = n;
      int g = grid(s);
      n += g * g * ANCHORS_PER_SCALE;
    }
    count = n;
    cellX = new float[n];
    cellY = new float[n];
    stride = new float[n];
    anchorW = new float[n];
    anchorH = new float[n];
    scale = new int[n];
    for (int s = 0; s < STRIDES.length; s++) {
      int g = grid(s);
      for (int y = 0; y < g; y++) {
        for (int x = 0; x < g; x++) {
          for (int a = 0; a < ANCHORS_PER_SCALE; a++) {
            int i = index(s, y, x, a);
            cellX[i] = x;
            cellY[i] = y;
            stride[i] = STRIDES[s];
            anchorW[i] = (float) anchors[s * ANCHORS_PER_SCALE + a][0];
            anchorH[i] = (float) anchors[s * ANCHORS_PER_SCALE + a][1];
            scale[i] = s;
          }
        }
      }
    }
  }

  /** Cells per side at scale {@code s}. */
  public int grid(int s) {
    return size / STRIDES[s];
  }

  public int index(int s, int row, int col, int anchor) {
    return offsets[s] + (row * grid(s) + col) * ANCHORS_PER_SCALE + anchor;
  }
}
