package org.mflag.infer;

/**
 * Connected regions of a binary mask (8-connected, as ImageJ's particle analyser traces them),
 * labelled 1..n in raster order of their first pixel, with their pixel counts and centroids.
 */
public final class Regions {

  /** Label of every pixel, 0 for background. */
  public final int[] labels;
  public final int count;
  /** Per region (index = label - 1): pixel count and centroid in pixels. */
  public final long[] area;
  public final double[] centroidX;
  public final double[] centroidY;

  private Regions(int[] labels, int count, long[] area, double[] cx, double[] cy) {
    this.labels = labels;
    this.count = count;
    this.area = area;
    this.centroidX = cx;
    this.centroidY = cy;
  }

  public static Regions of(boolean[] mask, int width, int height) {
    int[] labels = new int[mask.length];
    int[] queue = new int[mask.length];
    int next = 0;
    java.util.List<long[]> stats = new java.util.ArrayList<>();
    for (int start = 0; start < mask.length; start++) {
      if (!mask[start] || labels[start] != 0) continue;
      int label = ++next;
      long n = 0, sx = 0, sy = 0;
      int head = 0, tail = 0;
      queue[tail++] = start;
      labels[start] = label;
      while (head < tail) {
        int p = queue[head++];
        int x = p % width, y = p / width;
        n++;
        sx += x;
        sy += y;
        for (int dy = -1; dy <= 1; dy++) {
          int yy = y + dy;
          if (yy < 0 || yy >= height) continue;
          for (int dx = -1; dx <= 1; dx++) {
            int xx = x + dx;
            if (xx < 0 || xx >= width || (dx == 0 && dy == 0)) continue;
            int q = yy * width + xx;
            if (mask[q] && labels[q] == 0) {
              labels[q] = label;
              queue[tail++] = q;
            }
          }
        }
      }
      stats.add(new long[] {n, sx, sy});
    }
    long[] area = new long[next];
    double[] cx = new double[next], cy = new double[next];
    for (int i = 0; i < next; i++) {
      long[] s = stats.get(i);
      area[i] = s[0];
      cx[i] = (double) s[1] / s[0] + 0.5;
      cy[i] = (double) s[2] / s[0] + 0.5;
    }
    return new Regions(labels, next, area, cx, cy);
  }
}
