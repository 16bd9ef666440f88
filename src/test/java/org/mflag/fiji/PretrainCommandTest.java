package org.mflag.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.config.Key;
import org.mflag.fiji.command.PretrainCommand;
import org.mflag.train.PretrainConfig;
import org.scijava.Context;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandModule;
import org.scijava.command.CommandService;
import org.scijava.module.ModuleItem;

class PretrainCommandTest {

  /** One vocabulary: the command's inputs are exactly the launcher's keys, in the same order. */
  @Test
  void commandInputsAreTheLauncherKeys() {
    try (Context ctx = new Context(CommandService.class)) {
      CommandInfo info = ctx.service(CommandService.class).getCommand(PretrainCommand.class);
      List<String> inputs = new ArrayList<>();
      for (ModuleItem<?> item : info.inputs()) if (!item.getType().getName().startsWith("org.scijava")) inputs.add(item.getName());
      List<String> keys = new ArrayList<>();
      for (Key k : PretrainConfig.KEYS) keys.add(k.name());
      assertEquals(keys, inputs);
      assertEquals("Plugins>M-FLAG>Pretrain", info.getMenuPath().getMenuString().replace(" > ", ">"));
      assertTrue(info.canRunHeadless());
    }
  }

  @Tag("slow")
  @Test
  void runsFromAContextWithoutUi(@TempDir Path tmp) throws Exception {
    try (Context ctx = new Context(CommandService.class)) {
      CommandModule m = ctx.service(CommandService.class).run(PretrainCommand.class, true,
          "manifest", TestData.manifest().toFile(), "output", tmp.toFile(), "encoder", "resnet18", "image_size", 64,
          "batch_size", 8, "epochs", 1, "max_steps", 2L, "seed", 3L, "cache_dir", TestData.cacheDir().toString()).get();
      assertNull(m.getOutput("model")); // stopped at max_steps: no package yet, but a checkpoint
      assertTrue(Double.isFinite((Double) m.getOutput("final_loss")));
      assertTrue(new File(tmp.toFile(), "checkpoints/ckpt-00000002.npz").isFile());
    }
  }
}
