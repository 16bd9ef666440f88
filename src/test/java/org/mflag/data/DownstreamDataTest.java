package org.mflag.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.imageio.ImageFileDecoder;

/** Splits, label fractions, labels, COCO boxes and masks: what the downstream tasks read. */
class DownstreamDataTest {

  @TempDir
  Path tmp;

  private Path csv(String text) throws Exception {
    Path f = tmp.resolve("m.csv");
    Files.writeString(f, text);
    return f;
  }

  @Test
  void drawnSplitKeepsEachGroupInOnePartAndIsSeeded() throws Exception {
    StringBuilder sb = new StringBuilder("id,image,patient\n");
    for (int i = 0; i < 60; i++) sb.append("r").append(i).append(",a.png,p").append(i / 3).append('\n');
    Manifest m = Manifest.read(csv(sb.toString()), "id", "image");
    Map<String, Split> a = Splits.assign(m, "split", "patient", 0.2, 0.2, 42);
    assertEquals(a, Splits.assign(m, "split", "patient", 0.2, 0.2, 42));
    assertNotEquals(a, Splits.assign(m, "split", "patient", 0.2, 0.2, 7));
    Map<String, Split> byPatient = new HashMap<>();
    for (Manifest.Row r : m.rows()) {
      Split before = byPatient.put(r.get("patient"), a.get(r.id()));
      if (before != null) assertEquals(before, a.get(r.id()), "patient " + r.get("patient") + " straddles two parts");
    }
    // 20 patients: round(0.2 * 20) = 4 in val, 4 in test, 12 in train; 3 rows each
    assertEquals(12, a.values().stream().filter(s -> s == Split.VAL).count());
    assertEquals(12, a.values().stream().filter(s -> s == Split.TEST).count());
    Splits.write(tmp.resolve("split.csv"), a);
    assertEquals(a, Splits.read(tmp.resolve("split.csv")));
  }

  @Test
  void splitColumnIsReadAndBadValuesNamed() throws Exception {
    Manifest ok = Manifest.read(csv("id,image,split\na,x.png,train\nb,x.png,Validation\nc,x.png,TEST\n"), "id", "image");
    Map<String, Split> s = Splits.assign(ok, "split", "", 0.15, 0.15, 1);
    assertEquals(List.of(Split.TRAIN, Split.VAL, Split.TEST), new ArrayList<>(s.values()));
    Manifest bad = Manifest.read(csv("id,image,split\na,x.png,train\nb,x.png,holdout\n"), "id", "image");
    DatasetException e = assertThrows(DatasetException.class, () -> Splits.assign(bad, "split", "", 0.15, 0.15, 1));
    assertTrue(e.getMessage().contains("row 2") && e.getMessage().contains("holdout"), e.getMessage());
  }

  @Test
  void labelFractionIsASeededSubsetInOriginalOrder() {
    List<Integer> items = new ArrayList<>();
    for (int i = 0; i < 200; i++) items.add(i);
    List<Integer> tenth = Splits.subset(items, 0.1, 2, 42);
    assertEquals(20, tenth.size());
    assertEquals(tenth, Splits.subset(items, 0.1, 2, 42));
    for (int i = 1; i < tenth.size(); i++) assertTrue(tenth.get(i) > tenth.get(i - 1));
    assertEquals(2, Splits.subset(items, 0.001, 2, 42).size()); // never fewer than the minimum
    assertEquals(items, Splits.subset(items, 1.0, 2, 42));
    assertThrows(IllegalArgumentException.class, () -> Splits.subset(items, 0, 2, 42));
  }

  @Test
  void labelsSingleMultiAndColumns() throws Exception {
    Manifest m = Manifest.read(csv("id,image,finding,a,b\n1,x.png,COVID-19,1,0\n2,x.png,Pneumonia,0,1\n3,x.png,,1,1\n"), "id", "image");
    Labels single = Labels.of(m, "finding", List.of(), List.of());
    assertEquals(List.of("COVID-19", "Pneumonia"), single.classes());
    assertTrue(!single.multiLabel());
    String[] why = new String[1];
    assertEquals(List.of(0f, 1f), asList(single.encode(m.rows().get(1), why)));
    assertNull(single.encode(m.rows().get(2), why));
    assertTrue(why[0].contains("no label"), why[0]);

    Manifest pipes = Manifest.read(csv("id,image,finding\n1,x.png,Edema|Effusion\n2,x.png,Effusion\n"), "id", "image");
    Labels multi = Labels.of(pipes, "finding", List.of(), List.of());
    assertTrue(multi.multiLabel());
    assertEquals(List.of(1f, 1f), asList(multi.encode(pipes.rows().get(0), why)));

    Labels columns = Labels.of(m, "finding", List.of("a", "b"), List.of());
    assertEquals(List.of(1f, 1f), asList(columns.encode(m.rows().get(2), why)));
    // balanced weights n / (C n_c): 3 targets, class a in 2, class b in 2 -> 3 / 4 each
    List<float[]> targets = List.of(new float[] {1, 0}, new float[] {0, 1}, new float[] {1, 1});
    assertEquals(0.75f, Labels.weights(targets, 2, true)[0], 1e-6f);
  }

  private static List<Float> asList(float[] v) {
    List<Float> out = new ArrayList<>();
    for (float f : v) out.add(f);
    return out;
  }

  @Test
  void samplesHaveMasksWithIgnoreAndScaledBoxes() throws Exception {
    Manifest m = Manifest.read(TestData.manifest(), "id", "image");
    CocoBoxes coco = CocoBoxes.read(TestData.manifest().resolveSibling("lung-boxes.json"));
    assertEquals(List.of("Right Lung", "Left Lung"), coco.categories());
    Map<String, Split> all = new HashMap<>();
    for (Manifest.Row r : m.rows()) all.put(r.id(), Split.TRAIN);
    TaskDataset boxes = TaskDataset.open(m, all, null, TaskDataset.Options.size(64).optBoxes(coco), new ImageFileDecoder(), TestData.log());
    assertEquals(29, boxes.samples().size()); // the 29 images in lung-boxes.json; the others have no target
    for (TaskDataset.Sample s : boxes.samples()) {
      assertEquals(2, s.boxes.size(), s.id);
      for (Box b : s.boxes) assertTrue(b.x0 >= 0 && b.x1 <= 64.001 && b.y0 >= 0 && b.y1 <= 64.001, b.toString());
    }
    TaskDataset masks = TaskDataset.open(m, all, null, TaskDataset.Options.size(64).optMasks("mask", 127), new ImageFileDecoder(),
        TestData.log());
    assertEquals(48, masks.samples().size());
    int fg = 0, ignored = 0;
    for (TaskDataset.Sample s : masks.samples()) {
      for (byte v : s.mask) {
        if (v == 1) fg++;
        else if (v == TaskDataset.IGNORE) ignored++;
        else assertEquals(0, v);
      }
    }
    assertTrue(fg > 0 && ignored > 0, "foreground " + fg + ", ignored " + ignored);
  }

  @Test
  void maskResizeUsesNearestAndMapsTheIgnoreValue() {
    // 4x2 mask: left half 255, right half 127 (ignore); shrunk to 2x2 -> columns [1, IGNORE]
    GrayImage mask = new GrayImage(4, 2, new float[] {255, 255, 127, 127, 255, 255, 127, 127});
    byte[] out = TaskDataset.mask(mask, 2, 127);
    assertEquals(List.of((byte) 1, TaskDataset.IGNORE, (byte) 1, TaskDataset.IGNORE),
        List.of(out[0], out[1], out[2], out[3]));
    byte[] noIgnore = TaskDataset.mask(mask, 2, null);
    assertEquals(1, noIgnore[1]); // without ignore_value every pixel > 0 is foreground
  }

  @Test
  void shiftScaleRotateMovesImageAndMaskTogether() {
    int n = 32;
    byte[] image = new byte[n * n];
    byte[] mask = new byte[n * n];
    for (int y = 8; y < 20; y++) {
      for (int x = 6; x < 22; x++) {
        image[y * n + x] = (byte) 255;
        mask[y * n + x] = 1;
      }
    }
    int moved = 0;
    for (int seed = 0; seed < 20; seed++) {
      Augmentation.Augmented a = Augmentation.shiftScaleRotate(image, mask, n, new SplittableRandom(seed));
      int agree = 0, differ = 0;
      for (int i = 0; i < n * n; i++) {
        boolean bright = a.image[i] > 0;
        if (bright == (a.mask[i] == 1)) agree++;
        if (a.mask[i] != mask[i]) differ++;
      }
      assertTrue(agree >= n * n * 0.95, "seed " + seed + ": image and mask disagree on " + (n * n - agree) + " pixels");
      if (differ > 0) moved++;
    }
    assertTrue(moved >= 5 && moved <= 15, "p = 0.5: " + moved + " of 20 moved");
  }
}
