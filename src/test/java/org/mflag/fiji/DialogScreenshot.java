package org.mflag.fiji;

import ij.IJ;
import ij.ImageJ;
import ij.ImagePlus;
import java.awt.Dialog;
import java.awt.Rectangle;
import java.awt.Robot;
import java.awt.Window;
import java.awt.image.BufferedImage;
import java.io.File;
import javax.imageio.ImageIO;
import org.mflag.fiji.ij1.MFlagPlugin;

/**
 * Opens ImageJ 1 with an X-ray and the "M-FLAG Segment" dialog as a user would see it from the menu,
 * and saves a screenshot of the dialog. Needs a display: {@code scripts/display-checks.sh} runs it
 * under Xvfb.
 *
 * <p>Arguments: output PNG, image to open, command (default {@code segment}).</p>
 */
public final class DialogScreenshot {

  private DialogScreenshot() {}

  public static void main(String[] args) throws Exception {
    String command = args.length > 2 ? args[2] : "segment";
    new ImageJ();
    ImagePlus imp = IJ.openImage(args[1]);
    imp.show();
    Thread t = new Thread(() -> new MFlagPlugin().run(command), "menu command");
    t.setDaemon(true);
    t.start();
    Dialog dialog = null;
    for (int i = 0; i < 200 && dialog == null; i++) {
      Thread.sleep(100);
      for (Window w : Window.getWindows()) {
        if (w instanceof Dialog && w.isShowing() && ((Dialog) w).getTitle().startsWith("M-FLAG")) dialog = (Dialog) w;
      }
    }
    if (dialog == null) throw new IllegalStateException("the M-FLAG dialog did not open");
    Thread.sleep(1500); // let it paint
    Rectangle r = dialog.getBounds();
    BufferedImage shot = new Robot().createScreenCapture(r);
    ImageIO.write(shot, "png", new File(args[0]));
    System.out.println("saved " + args[0] + " (" + r.width + "x" + r.height + ")");
    dialog.dispose();
    System.exit(0);
  }
}
