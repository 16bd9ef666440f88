package org.mflag.fiji;

import ij.IJ;
import ij.ImageJ;
import ij.WindowManager;
import ij.gui.PlotWindow;
import java.awt.Frame;
import java.awt.Rectangle;
import java.awt.Robot;
import java.io.File;
import javax.imageio.ImageIO;

/**
 * With a display (Xvfb): starts ImageJ 1 with the plugin in its plugins folder, runs "M-FLAG Fine-tune
 * Segmenter" from the menu command table (not in batch mode), and saves a screenshot of the live loss
 * plot. Arguments: output PNG, then the command's options.
 */
public final class PlotScreenshot {

  private PlotScreenshot() {}

  public static void main(String[] args) throws Exception {
    new ImageJ();
    IJ.run("M-FLAG Fine-tune Segmenter", args[1]);
    PlotWindow plot = null;
    for (Frame f : Frame.getFrames()) if (f instanceof PlotWindow && f.isShowing()) plot = (PlotWindow) f;
    if (plot == null) throw new IllegalStateException("no loss plot window; log: " + IJ.getLog());
    Thread.sleep(1000);
    Rectangle r = plot.getBounds();
    ImageIO.write(new Robot().createScreenCapture(r), "png", new File(args[0]));
    System.out.println("saved " + args[0] + "; log window:\n" + IJ.getLog());
    System.exit(WindowManager.getImageCount() >= 0 ? 0 : 1);
  }
}
