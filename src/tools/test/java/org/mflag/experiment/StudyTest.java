package org.mflag.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.config.KeyValues;
import org.mflag.imageio.ImageFileDecoder;

/** The study: runs per fraction and seed, paired comparisons, tables, and continuing where it stopped. */
class StudyTest {

  @TempDir
  Path tmp;

  private List<Study.Row> study(String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("manifest=" + TestData.manifest(), "tasks=classification", "encoder_models=a=random,b=random",
        "reference=a", "fractions=0.5,1.0", "seeds=2", "label_column=finding", "encoder=resnet18", "image_size=64", "batch_size=8",
        "epochs=2", "min_steps=2", "bootstrap=200", "output=" + tmp, "cache_dir=" + TestData.cacheDir()));
    for (String e : extra) {
      args.removeIf(a -> a.startsWith(e.substring(0, e.indexOf('=') + 1)));
      args.add(e);
    }
    return Study.run(StudyConfig.of(KeyValues.parse("study", Study.KEYS, args)), new ImageFileDecoder(), TestData.log(), () -> false);
  }

  @Test
  void runsEveryFractionAndSeedComparesPairedAndContinues() throws Exception {
    List<Study.Row> rows = study();
    assertEquals(4, rows.size());
    Study.Row half = rows.get(0), full = rows.get(1), b = rows.get(2);
    assertEquals(2, half.perSeed.length, "fractions below 1 run once per seed");
    assertEquals(1, full.perSeed.length, "100% runs once");
    assertTrue(half.trainingImages < full.trainingImages);
    assertTrue(half.interval.low <= half.mean() && half.mean() <= half.interval.high);
    // b is the same random encoder as a (the same seed): every run predicts the same, the paired difference is 0
    assertEquals(null, half.difference);
    assertEquals(0, b.difference.low, 0.0);
    assertEquals(0, b.difference.high, 0.0);
    String md = Files.readString(tmp.resolve("study.md"));
    assertTrue(md.contains("b - a") && md.contains("50% labels") && md.contains("100% labels"), md);
    assertEquals(1 + 4, Files.readAllLines(tmp.resolve("study.csv")).size());
    assertEquals(1 + 2 * (2 + 1), Files.readAllLines(tmp.resolve("runs.csv")).size());
    assertTrue(Files.isRegularFile(tmp.resolve("study-classification.png")));

    // run again: nothing trains (the stored runs are kept untouched) and the tables come out the same
    Path result = tmp.resolve("cells/classification/a/f0.5-s42").resolve(Study.RESULT);
    FileTime before = Files.getLastModifiedTime(result);
    String csv = Files.readString(tmp.resolve("study.csv"));
    study();
    assertEquals(before, Files.getLastModifiedTime(result));
    assertEquals(csv, Files.readString(tmp.resolve("study.csv")));

    // changed settings do not mix with stored runs
    IOException e = assertThrows(IOException.class, () -> study("epochs=3"));
    assertTrue(e.getMessage().contains(Study.RESULT) && e.getMessage().contains("other settings"), e.getMessage());
  }

  @Test
  void badKeysStopBeforeAnyWork() {
    IllegalArgumentException ref = assertThrows(IllegalArgumentException.class, () -> study("reference=imagenet"));
    assertTrue(ref.getMessage().startsWith("reference=imagenet"), ref.getMessage());
    IllegalArgumentException det = assertThrows(IllegalArgumentException.class, () -> study("tasks=detection"));
    assertTrue(det.getMessage().startsWith("boxes"), det.getMessage());
    assertEquals(List.of(42L, 43L, 44L), Study.seeds(0.1, 42, 3));
    assertEquals(List.of(42L), Study.seeds(1.0, 42, 3));
  }
}
