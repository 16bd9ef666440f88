package org.mflag.fiji.ij1;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.Macro;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.swing.SwingUtilities;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.train.TrainingLoop;

/**
 * A training command started from ImageJ shows a progress window whose Cancel button stops the run after the
 * current step with a checkpoint. Needs a display: {@code scripts/display-checks.sh} runs it under Xvfb.
 */
@EnabledIfSystemProperty(named = "java.awt.headless", matches = "false")
class ProgressWindowDisplayTest {

  @Test
  void cancelInTheProgressWindowStopsTrainingWithACheckpoint(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("pretrained");
    String options = "manifest=[" + TestData.manifest() + "] output=[" + out + "] encoder=resnet18 image_size=64 batch_size=8 epochs=20"
        + " seed=1 cache_dir=[" + TestData.cacheDir() + "]";
    Thread run = new Thread(() -> {
      Macro.setOptions(Thread.currentThread(), options);
      try {
        new MFlagPlugin().run("pretrain");
      } finally {
        Macro.setOptions(Thread.currentThread(), null);
      }
    }, "Run$_progress-window-test");
    run.start();
    long deadline = System.nanoTime() + 300_000_000_000L;
    ProgressWindow w;
    while ((w = MFlagPlugin.shown) == null || !w.dialog().isShowing() || !w.cancelButton().isEnabled()
        || !status(w).contains("step")) {
      assertTrue(System.nanoTime() < deadline && run.isAlive(), "a progress window showing the steps");
      Thread.sleep(100);
    }
    ProgressWindow shown = w;
    SwingUtilities.invokeAndWait(() -> shown.cancelButton().doClick());
    run.join(120_000);
    assertFalse(run.isAlive(), "the run stopped after Cancel");
    List<String> checkpoints;
    try (Stream<Path> s = Files.list(TrainingLoop.checkpointDir(out))) {
      checkpoints = s.map(p -> p.getFileName().toString()).collect(Collectors.toList());
    }
    assertFalse(checkpoints.isEmpty(), "a checkpoint to resume from");
    assertFalse(Files.exists(out.resolve("rdf.yaml")), "stopped long before the 120 steps: no package yet");
    SwingUtilities.invokeAndWait(() -> { });
    assertFalse(shown.dialog().isDisplayable(), "the window is gone");
  }

  private static String status(ProgressWindow w) throws Exception {
    String[] text = new String[1];
    SwingUtilities.invokeAndWait(() -> text[0] = ((javax.swing.JLabel) ((javax.swing.JPanel) w.dialog().getContentPane()).getComponent(0))
        .getText());
    return text[0];
  }
}
