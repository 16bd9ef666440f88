package org.mflag.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.config.KeyValues;
import org.mflag.imageio.ImageFileDecoder;

/** The label-efficiency grid: its keys, and one small grid whose results land in the three files. */
class ExperimentTest {

  @TempDir
  Path tmp;

  @Test
  void encoderAndFractionLists() {
    Map<String, String> e = Experiment.encoders("mflag=models/a, no_orth=models/b,random,models/c");
    assertEquals(List.of("mflag", "no_orth", "random", "c"), List.copyOf(e.keySet()));
    assertEquals("models/b", e.get("no_orth"));
    assertEquals("random", e.get("random"));
    assertThrows(IllegalArgumentException.class, () -> Experiment.encoders("a=x,a=y"));
    assertEquals(List.of(0.01, 0.1, 1.0), Experiment.fractions("0.01,0.1,1.0"));
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> Experiment.fractions("0.1,2"));
    assertTrue(bad.getMessage().contains("fractions"), bad.getMessage());
    assertEquals("0.01", Experiment.fractionName(0.01));
    assertEquals("1", Experiment.fractionName(1.0));
  }

  @Test
  void keysOfAnotherTaskAreRejected() {
    KeyValues kv = KeyValues.parse("experiment", Experiment.KEYS, List.of("task=segmentation", "encoder_models=random",
        "manifest=" + TestData.manifest(), "output=" + tmp, "boxes=x.json"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Experiment.run(kv, new ImageFileDecoder(), TestData.log(), () -> false));
    assertTrue(e.getMessage().startsWith("boxes"), e.getMessage());
  }

  @Test
  void smallGridWritesTableCsvAndPlot() throws Exception {
    KeyValues kv = KeyValues.parse("experiment", Experiment.KEYS, List.of("task=segmentation", "encoder_models=random",
        "fractions=0.5,1.0", "manifest=" + TestData.manifest(), "output=" + tmp, "ignore_value=127", "encoder=resnet18",
        "image_size=64", "batch_size=8", "epochs=1", "log_every=1000"));
    List<Experiment.Cell> cells = Experiment.run(kv, new ImageFileDecoder(), TestData.log(), () -> false);
    assertEquals(2, cells.size());
    assertTrue(cells.get(0).trainingImages < cells.get(1).trainingImages);
    String md = Files.readString(tmp.resolve("results.md"));
    assertTrue(md.contains("| random ") && md.contains("50% labels") && md.contains("100% labels"), md);
    assertEquals(3, Files.readAllLines(tmp.resolve("results.csv")).size());
    BufferedImage png = ImageIO.read(tmp.resolve("results.png").toFile());
    assertEquals(720, png.getWidth());
    // a second run reuses the finished cells instead of training again
    long before = Files.getLastModifiedTime(tmp.resolve("random-1").resolve("rdf.yaml")).toMillis();
    Experiment.run(kv, new ImageFileDecoder(), TestData.log(), () -> false);
    assertEquals(before, Files.getLastModifiedTime(tmp.resolve("random-1").resolve("rdf.yaml")).toMillis());
  }
}
