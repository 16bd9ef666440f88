package org.mflag;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** STYLE.md: the core packages never import ImageJ, AWT, Swing or SciJava's UI; only the adapters do. */
class ArchitectureRulesTest {

  private static final String[] CORE = {"config", "data", "text", "nn", "loss", "train", "model", "io", "bench", "eval", "infer",
      "experiment"};
  private static final String[] FORBIDDEN = {"import ij.", "import net.imagej.", "import java.awt.", "import javax.swing.",
      "import org.scijava.ui."};

  @Test
  void coreHasNoUiImports() throws Exception {
    Path src = Path.of("src", "main", "java", "org", "mflag");
    List<String> bad = new ArrayList<>();
    for (String pkg : CORE) {
      try (Stream<Path> files = Files.walk(src.resolve(pkg))) {
        for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
          for (String line : Files.readAllLines(f)) {
            for (String b : FORBIDDEN) if (line.startsWith(b)) bad.add(f + ": " + line);
          }
        }
      }
    }
    assertTrue(bad.isEmpty(), "UI imports in the core: " + bad);
  }
}
