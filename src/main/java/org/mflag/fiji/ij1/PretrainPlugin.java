package org.mflag.fiji.ij1;

import ij.IJ;
import ij.Macro;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;
import java.util.ArrayList;
import java.util.List;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.fiji.convert.ImageJDecoder;
import org.mflag.train.PretrainConfig;
import org.mflag.train.Pretrainer;
import org.mflag.train.TrainingEvent;
import org.mflag.train.TrainingListener;
import org.mflag.train.TrainingResult;
import org.scijava.log.StderrLogService;

/**
 * "M-FLAG Pretrain" for plain ImageJ 1 ({@code plugins.config}): the same keys as the launcher and
 * the SciJava command. Called from a macro, the keys come from the macro options and no dialog is
 * shown (so {@code -batch} runs never touch AWT); called from the menu, a dialog asks for them.
 */
public class PretrainPlugin implements PlugIn {

  @Override
  public void run(String arg) {
    String options = Macro.getOptions();
    List<String> kv = new ArrayList<>();
    if (options != null) {
      for (Key k : PretrainConfig.KEYS) {
        String v = Macro.getValue(options, k.name(), null);
        if (v != null) kv.add(k.name() + "=" + v);
      }
    } else {
      if (java.awt.GraphicsEnvironment.isHeadless()) {
        IJ.log("M-FLAG Pretrain: give the keys as macro options (headless)");
        return;
      }
      GenericDialog gd = new GenericDialog("M-FLAG Pretrain");
      for (Key k : PretrainConfig.KEYS) gd.addStringField(k.name(), k.required() ? "" : k.defaultValue(), 30);
      gd.showDialog();
      if (gd.wasCanceled()) return;
      for (Key k : PretrainConfig.KEYS) {
        String v = gd.getNextString().trim();
        if (!v.isEmpty() || k.required()) kv.add(k.name() + "=" + v);
      }
    }
    try {
      PretrainConfig cfg = PretrainConfig.fromKeyValues(KeyValues.parse("M-FLAG Pretrain", PretrainConfig.KEYS, kv));
      StderrLogService log = new StderrLogService();
      TrainingResult r = new Pretrainer(cfg, new ImageJDecoder(), log).run(new TrainingListener() {
        @Override
        public void onBatch(TrainingEvent e) {
          IJ.showStatus(e.describe());
          IJ.showProgress((int) e.step, (int) e.totalSteps);
        }
      }, () -> IJ.escapePressed());
      IJ.log("M-FLAG Pretrain: " + r.outcome + " at step " + r.step + (r.modelPackage == null ? "" : ", model in " + r.modelPackage));
    } catch (Exception e) {
      IJ.log("M-FLAG Pretrain: " + e.getMessage());
      if (Macro.getOptions() != null) Macro.abort();
    }
  }
}
