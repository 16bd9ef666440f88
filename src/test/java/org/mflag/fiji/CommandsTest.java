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
import org.mflag.fiji.command.Commands;
import org.mflag.fiji.command.KeyCommand;
import org.mflag.fiji.command.PretrainCommand;
import org.scijava.Context;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandModule;
import org.scijava.command.CommandService;
import org.scijava.module.ModuleItem;

class CommandsTest {


  /**
   * One vocabulary: every command's inputs (besides the image it works on) are exactly its launcher keys, in
   * the same order; its label is the macro name "M-FLAG <Name>" that plugins.config lists; it runs headless.
   */
  @Test
  void commandInputsAreTheLauncherKeys() throws Exception {
    String config = new String(CommandsTest.class.getResourceAsStream("/plugins.config").readAllBytes(),
        java.nio.charset.StandardCharsets.UTF_8);
    try (Context ctx = new Context(CommandService.class)) {
      for (java.util.Map.Entry<String, Class<? extends KeyCommand>> c : Commands.all().entrySet()) {
        CommandInfo info = ctx.service(CommandService.class).getCommand(c.getValue());
        List<String> inputs = new ArrayList<>();
        for (ModuleItem<?> item : info.inputs()) {
          String type = item.getType().getName();
          if (!type.startsWith("org.scijava") && !type.equals("ij.ImagePlus")) inputs.add(item.getName());
        }
        List<String> keys = new ArrayList<>();
        for (Key k : c.getValue().getDeclaredConstructor().newInstance().keys()) keys.add(k.name());
        // same keys; the order is the key order except that a subclass's fields follow its base class's
        assertEquals(new java.util.TreeSet<>(keys), new java.util.TreeSet<>(inputs), c.getKey());
        assertEquals(keys.size(), inputs.size(), c.getKey());
        assertTrue(info.canRunHeadless(), c.getKey());
        assertNull(info.getMenuPath() == null || info.getMenuPath().isEmpty() ? null : info.getMenuPath(),
            c.getKey() + ": menus come from plugins.config only (one entry in Fiji)");
        assertTrue(config.contains("\"" + info.getLabel() + "\", org.mflag.fiji.ij1.MFlagPlugin(\"" + c.getKey() + "\")"),
            info.getLabel() + " in plugins.config");
      }
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
