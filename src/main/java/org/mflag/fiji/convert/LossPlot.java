package org.mflag.fiji.convert;

import ij.gui.Plot;
import ij.gui.PlotWindow;
import ij.macro.Interpreter;
import java.awt.GraphicsEnvironment;
import java.util.ArrayList;
import java.util.List;

/**
 * A live ImageJ plot of the mean training loss per epoch, redrawn in one window as epochs finish.
 * Nothing is drawn headless or in a batch-mode macro.
 */
public final class LossPlot {

  private final String title;
  private final List<Double> epochs = new ArrayList<>();
  private final List<Double> losses = new ArrayList<>();
  private PlotWindow window;

  public LossPlot(String title) {
    this.title = title;
  }

  public static boolean canShow() {
    return !GraphicsEnvironment.isHeadless() && !Interpreter.isBatchMode();
  }

  public void add(int epoch, double loss) {
    if (!canShow() || !Double.isFinite(loss)) return;
    epochs.add((double) epoch);
    losses.add(loss);
    Plot plot = new Plot(title, "epoch", "mean training loss");
    plot.add("connected circle", epochs.stream().mapToDouble(Double::doubleValue).toArray(),
        losses.stream().mapToDouble(Double::doubleValue).toArray());
    plot.setLimitsToFit(false);
    if (window == null || window.isClosed()) window = plot.show();
    else window.drawPlot(plot);
  }
}
