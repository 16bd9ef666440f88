package org.mflag.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.reflect.Field;
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
import org.scijava.plugin.Parameter;

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

  /**
   * One declaration per key: every command field starts at its key's declared default, has a type that
   * holds the key's values, and is not persisted (SciJava reads {@code persist} from the annotation; a
   * persisted field would give a macro that leaves the key out the value of an earlier dialog).
   */
  @Test
  void everyFieldStartsAtItsKeysDefaultAndNothingIsPersisted() throws Exception {
    try (Context ctx = new Context(CommandService.class)) {
      for (java.util.Map.Entry<String, Class<? extends KeyCommand>> c : Commands.all().entrySet()) {
        KeyCommand cmd = c.getValue().getDeclaredConstructor().newInstance();
        for (Key k : cmd.keys()) {
          String where = c.getKey() + "." + k.name();
          Field f = cmd.field(k.name());
          Object v = cmd.value(k.name());
          if (k.required() || k.defaultValue().isEmpty() && f.getType() == File.class) {
            assertNull(v, where + " starts empty");
          } else if (v instanceof File) {
            assertEquals(k.defaultValue(), ((File) v).getPath(), where);
          } else if (v instanceof Number) {
            assertEquals(Double.parseDouble(k.defaultValue()), ((Number) v).doubleValue(), 0.0, where);
          } else {
            assertEquals(k.defaultValue(), String.valueOf(v), where);
          }
          assertTrue(fieldFits(f.getType(), k), where + ": a " + f.getType().getSimpleName() + " field cannot hold " + k.allowed());
          Parameter p = f.getAnnotation(Parameter.class);
          assertNotNull(p, where + " is a @Parameter");
          assertFalse(p.persist(), where + " must not be persisted");
          if (f.getType() == File.class) assertEquals(k.isDirectory() ? "directory" : "open", p.style(), where + " chooser");
        }
        for (ModuleItem<?> item : ctx.service(CommandService.class).getCommand(c.getValue()).inputs()) {
          if (!item.getType().getName().startsWith("org.scijava")) assertFalse(item.isPersisted(), c.getKey() + "." + item.getName());
        }
      }
    }
  }

  private static boolean fieldFits(Class<?> t, Key k) {
    if (t == String.class) return true;
    if (k.allowsAuto()) return false;
    switch (k.type()) {
      case INTEGER:
        return t == int.class || t == long.class;
      case NUMBER:
        return t == double.class;
      case BOOLEAN:
        return t == boolean.class;
      case PATH:
        return t == File.class;
      default:
        return false;
    }
  }

  @Tag("slow")
  @Test
  void runsFromAContextWithoutUi(@TempDir Path tmp) throws Exception {
    try (Context ctx = new Context(CommandService.class)) {
      CommandModule m = ctx.service(CommandService.class).run(PretrainCommand.class, true,
          "manifest", TestData.manifest().toFile(), "output", tmp.resolve("out").toFile(), "encoder", "resnet18", "image_size", 64,
          "batch_size", 8, "epochs", 1, "max_steps", 2L, "seed", 3L, "cache_dir", TestData.cacheDir().toString()).get();
      assertNull(m.getOutput("model")); // stopped at max_steps: no package yet, but a checkpoint
      assertTrue(Double.isFinite((Double) m.getOutput("final_loss")));
      assertTrue(org.mflag.train.TrainingLoop.checkpointDir(tmp.resolve("out")).resolve("ckpt-00000002.npz").toFile().isFile());
    }
  }
}
