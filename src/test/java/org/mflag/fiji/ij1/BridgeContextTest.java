package org.mflag.fiji.ij1;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.Macro;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.model.StandInPackage;
import org.scijava.Context;
import org.scijava.command.CommandService;
import org.scijava.log.LogService;
import org.scijava.module.ModuleService;

/** Inside Fiji the ImageJ 1 menu entries run in Fiji's own SciJava context, not in a second one. */
class BridgeContextTest {

  @Test
  void theBridgeRunsCommandsInTheRunningApplicationsContext(@TempDir Path tmp) throws Exception {
    Path pkg = StandInPackage.write(tmp.resolve("model"));
    Path zip = tmp.resolve("shared.zip");
    Supplier<Context> before = MFlagPlugin.running;
    try (Context fiji = new Context(CommandService.class, ModuleService.class, LogService.class)) {
      List<String> seen = new CopyOnWriteArrayList<>();
      fiji.service(LogService.class).addLogListener(m -> seen.add(m.text()));
      MFlagPlugin.running = () -> fiji;
      MFlagPlugin.forget();
      // a menu command with macro options, on a thread named as ImageJ names the threads of run(...)
      Thread t = new Thread(() -> {
        Macro.setOptions(Thread.currentThread(), "model=[" + pkg + "] output=[" + zip + "]");
        try {
          new MFlagPlugin().run("export");
        } finally {
          Macro.setOptions(Thread.currentThread(), null);
        }
      }, "Run$_bridge-test");
      t.start();
      t.join();
      assertSame(fiji, MFlagPlugin.context(), "the running context is reused, not a new one made");
      assertTrue(Files.isRegularFile(zip), "the command ran");
      assertTrue(seen.stream().anyMatch(m -> m.contains("exported to " + zip)), "its log went to the running context's log: " + seen);
      // the stand-in's SavedModel is no graph: it is exported as it is, and the log says why it has no ONNX weights
      assertTrue(seen.stream().anyMatch(m -> m.contains("exported without ONNX weights")), "the missing ONNX weights explained: " + seen);
    } finally {
      MFlagPlugin.running = before;
      MFlagPlugin.forget();
    }
  }
}
