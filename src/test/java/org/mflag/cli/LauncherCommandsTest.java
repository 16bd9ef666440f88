package org.mflag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * The launcher's commands: the developer tools (src/tools) found with ServiceLoader and listed where they always were;
 * without them (the plugin jar alone) each says in one line where it runs.
 */
class LauncherCommandsTest {

  private static final List<String> NAMES = List.of("pretrain", "finetune-segmenter", "finetune-classifier", "finetune-detector",
      "evaluate", "segment", "classify", "detect", "embed", "zero-shot", "index", "retrieve", "experiment", "study", "embed-reports",
      "install-language-model", "import-weights", "export", "bench", "sample-data", "about");

  @Test
  void theToolsAreFoundAndListedAtTheirPlaces() {
    Map<String, CliCommand> commands = Main.commands(ServiceLoader.load(CliCommand.class, Main.class.getClassLoader()));
    assertEquals(NAMES, new ArrayList<>(commands.keySet()));
    for (String tool : List.of("experiment", "study", "bench")) {
      CliCommand c = commands.get(tool);
      assertFalse(c instanceof Main.AbsentTool, tool + " not found: META-INF/services/org.mflag.cli.CliCommand of src/tools");
      assertTrue(c.getClass().getName().startsWith("org.mflag." + (tool.equals("bench") ? "bench." : "experiment.")), c.getClass().getName());
      assertFalse(c.keys().isEmpty(), tool);
    }
  }

  @Test
  void withoutTheToolsEachSaysInOneLineWhereItRuns() {
    Map<String, CliCommand> commands = Main.commands(List.of());
    assertEquals(NAMES, new ArrayList<>(commands.keySet()));
    assertTrue(Main.usage(commands).contains("bench                (developer tool) run it from a clone of the repository with ./mflag bench"),
        Main.usage(commands));
    for (String[] argv : new String[][] {{"bench"}, {"study", "help"}, {"experiment", "task=segmentation", "output=x"}}) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      PrintStream was = System.err;
      int rc;
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      try {
        rc = Main.run(argv, commands);
      } finally {
        System.setErr(was);
      }
      assertEquals(2, rc, String.join(" ", argv));
      assertEquals("mflag " + argv[0] + ": a developer tool, not part of the plugin: run it from a clone of the repository with ./mflag "
          + argv[0] + System.lineSeparator(), err.toString(StandardCharsets.UTF_8));
    }
  }

  @Test
  void aToolFoundButNotPlacedComesLastAndNeverReplacesACommand() {
    CliCommand extra = new Main.AbsentTool("new-tool"), clash = new Main.AbsentTool("pretrain");
    Map<String, CliCommand> commands = Main.commands(List.of(clash, extra));
    assertEquals("new-tool", new ArrayList<>(commands.keySet()).get(NAMES.size()));
    assertFalse(commands.get("pretrain") instanceof Main.AbsentTool);
  }
}
