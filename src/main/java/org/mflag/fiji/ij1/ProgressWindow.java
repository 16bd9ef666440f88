package org.mflag.fiji.ij1;

import java.awt.BorderLayout;
import java.awt.EventQueue;
import java.awt.Window;
import javax.swing.BorderFactory;
import javax.swing.JButton;
import javax.swing.JDialog;
import javax.swing.JLabel;
import javax.swing.JPanel;
import javax.swing.JProgressBar;

/**
 * The small window a long command shows in ImageJ (as CSBDeep and StarDist do): its status line, a progress
 * bar and a Cancel button, which stops a training run after the current step with a checkpoint (as Esc does).
 * Never created headless. All Swing work happens on the event thread; {@link #show} and {@link #close} may be
 * called from any thread.
 */
final class ProgressWindow {

  private final JDialog dialog;
  private final JLabel status = new JLabel(" ");
  private final JProgressBar bar = new JProgressBar(0, 1000);
  private final JButton cancel = new JButton("Cancel");

  /** Opens the window for {@code title}; {@code onCancel} runs (on the event thread) when the user cancels. */
  ProgressWindow(String title, Runnable onCancel) {
    dialog = new JDialog((Window) ij.IJ.getInstance(), title);
    JPanel p = new JPanel(new BorderLayout(8, 8));
    p.setBorder(BorderFactory.createEmptyBorder(10, 10, 10, 10));
    status.setPreferredSize(new java.awt.Dimension(560, 20));
    p.add(status, BorderLayout.NORTH);
    bar.setStringPainted(true);
    p.add(bar, BorderLayout.CENTER);
    JPanel buttons = new JPanel();
    cancel.addActionListener(e -> {
      cancel.setEnabled(false);
      cancel.setText("Stopping after this step...");
      onCancel.run();
    });
    buttons.add(cancel);
    p.add(buttons, BorderLayout.SOUTH);
    dialog.setContentPane(p);
    dialog.setDefaultCloseOperation(JDialog.DO_NOTHING_ON_CLOSE);
    dialog.pack();
    dialog.setLocationRelativeTo(ij.IJ.getInstance());
    EventQueue.invokeLater(() -> dialog.setVisible(true));
  }

  void show(String text, long done, long total) {
    EventQueue.invokeLater(() -> {
      status.setText(text);
      bar.setValue(total <= 0 ? 1000 : (int) (1000 * Math.min(1.0, (double) done / total)));
      bar.setString(total <= 0 ? "" : done + " / " + total);
    });
  }

  void close() {
    EventQueue.invokeLater(dialog::dispose);
  }

  /** The Cancel button (tests press it). */
  JButton cancelButton() {
    return cancel;
  }

  JDialog dialog() {
    return dialog;
  }
}
