package org.mflag.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;

class ManifestTest {

  private static Path write(Path dir, String name, String text) throws Exception {
    Path f = dir.resolve(name);
    Files.write(f, text.getBytes(StandardCharsets.UTF_8));
    return f;
  }

  @Test
  void samplesPairEachImageWithTheReportOfItsOwnRow() throws Exception {
    Manifest m = Manifest.read(TestData.manifest(), "id", "image");
    assertEquals(48, m.size());
    Manifest.Row r = m.rows().get(0);
    assertEquals("cxr001", r.id());
    assertTrue(Files.isRegularFile(m.locate(r.get("image"))));
    assertTrue(m.rows().stream().allMatch(x -> !x.get("license").isEmpty() && !x.get("license").contains("ND")));
    // quoted cells with commas and line breaks stay in their row
    Path dir = Files.createTempDirectory("mflag-manifest");
    Path csv = write(dir, "m.csv", "image,report\na.png,\"Left, lower lobe\nopacity\"\nb.png,clear\n");
    Manifest q = Manifest.read(csv, "id", "image");
    assertEquals(2, q.size());
    assertEquals("Left, lower lobe\nopacity", q.rows().get(0).get("report"));
    assertEquals("b.png", q.rows().get(1).id());
  }

  @Test
  void errorsNameTheFileTheColumnAndTheRow(@TempDir Path dir) throws Exception {
    DatasetException missing = assertThrows(DatasetException.class, () -> Manifest.read(dir.resolve("none.csv"), "id", "image"));
    assertTrue(missing.getMessage().contains("none.csv") && missing.getMessage().contains("not found"), missing.getMessage());

    Path csv = write(dir, "m.csv", "id,image,text\n1,a.png,x\n");
    Manifest m = Manifest.read(csv, "id", "image");
    DatasetException col = assertThrows(DatasetException.class, () -> m.requireColumns("text_column", "report"));
    assertTrue(col.getMessage().contains("no column 'report' (text_column)") && col.getMessage().contains("m.csv")
        && col.getMessage().contains("[id, image, text]"), col.getMessage());

    Path dup = write(dir, "dup.csv", "id,image,report\n1,a.png,x\n1,b.png,y\n");
    DatasetException d = assertThrows(DatasetException.class, () -> Manifest.read(dup, "id", "image"));
    assertTrue(d.getMessage().contains("id '1' already used on line 2"), d.getMessage());

    Path ragged = write(dir, "ragged.csv", "id,image,report\n1,a.png\n");
    DatasetException rg = assertThrows(DatasetException.class, () -> Manifest.read(ragged, "id", "image"));
    assertTrue(rg.getMessage().contains("line 2") && rg.getMessage().contains("2 cells, header has 3"), rg.getMessage());

  }

  /**
   * The two rules side by side, on the same folder of files and links. A manifest is the user's own: it names
   * images anywhere (relative, absolute, through links that lead out, with {@code ..}); only a path that is no
   * path (control characters) is refused, and the analysis jobs turn it into an error row. What is shared (a
   * model package, {@link org.mflag.io.Folders#inside}) may not reach outside its folder by any of those routes.
   */
  @Test
  void manifestsNameFilesAnywhereWhileSharedFilesStayInsideTheirFolder(@TempDir Path dir) throws Exception {
    Path data = Files.createDirectories(dir.resolve("data").resolve("images"));
    Files.writeString(data.resolve("a.png"), "x");
    Files.writeString(dir.resolve("secret.txt"), "outside");
    Files.createSymbolicLink(data.resolve("inside-link.png"), data.resolve("a.png"));
    Files.createSymbolicLink(data.resolve("out-link.png"), dir.resolve("secret.txt"));
    Files.createSymbolicLink(data.resolve("outdir"), dir);
    Manifest m = Manifest.read(write(dir.resolve("data"), "m.csv", "image\nimages/a.png\n"), "id", "image");
    assertEquals(data.resolve("a.png"), m.locate("images/a.png"));
    assertEquals(data.resolve("a.png"), m.locate(data.resolve("a.png").toString()));
    assertEquals(data.resolve("inside-link.png"), m.locate("images/inside-link.png"));
    assertEquals(data.resolve("gone.png"), m.locate("images/gone.png")); // missing: the caller says so
    String[][] outside = {
        {"../secret.txt", dir.resolve("secret.txt").toString()},
        {dir.resolve("secret.txt").toString(), dir.resolve("secret.txt").toString()},
        {"images/out-link.png", data.resolve("out-link.png").toString()},
        {"images/outdir/secret.txt", data.resolve("outdir").resolve("secret.txt").toString()},
    };
    Path pkg = dir.resolve("data"); // the same folder, read as a shared one
    for (String[] o : outside) {
      Path p = m.locate(o[0]);
      assertEquals(Path.of(o[1]), p, o[0]);
      assertEquals("outside", Files.readString(p), o[0] + " is followed to the file it names");
      org.mflag.infer.BatchAnalysis.Item item = org.mflag.infer.BatchAnalysis.Item.of(m.folder(), "x", o[0]);
      assertEquals(o[1], String.valueOf(item.file), o[0]);
      java.io.IOException shared = assertThrows(java.io.IOException.class, () -> org.mflag.io.Folders.inside(pkg, o[0]), o[0]);
      assertTrue(shared.getMessage().contains("outside its folder"), shared.getMessage());
    }
    for (String bad : new String[] {"images/a\u0000.png", "images/a\n.png", "images/a\u007f.png"}) {
      DatasetException e = assertThrows(DatasetException.class, () -> m.locate(bad));
      assertTrue(e.getMessage().contains("control characters"), e.getMessage());
      org.mflag.infer.BatchAnalysis.Item item = org.mflag.infer.BatchAnalysis.Item.of(m.folder(), "x", bad);
      assertTrue(item.file == null && item.problem.contains("control characters"), item.problem);
    }
  }

  /** A manifest in another encoding, or something that is not a text file, is refused with the file and the place named. */
  @Test
  void textThatIsNotUtf8OrNotAFileIsRefusedByName(@TempDir Path dir) throws Exception {
    Path latin1 = Files.write(dir.resolve("latin1.csv"), "id,image,report\nr1,a.png,Opacit\u00e9 basale\n".getBytes(StandardCharsets.ISO_8859_1));
    String e = assertThrows(DatasetException.class, () -> Manifest.read(latin1, "id", "image")).getMessage();
    assertTrue(e.contains(latin1.toString()) && e.contains("line 2, column 16: byte 0xE9 is not UTF-8") && e.contains("Opacit\u00e9")
        && e.contains("save the file as UTF-8"), e);
    Path utf16 = Files.write(dir.resolve("utf16.csv"), "id,image\nr1,a.png\n".getBytes(StandardCharsets.UTF_16));
    e = assertThrows(DatasetException.class, () -> Manifest.read(utf16, "id", "image")).getMessage();
    assertTrue(e.contains(utf16.toString()) && e.contains("UTF-16"), e);
    e = assertThrows(DatasetException.class, () -> Manifest.read(dir, "id", "image")).getMessage();
    assertTrue(e.contains("a folder, not a CSV file") && e.contains("manifest=" + dir.resolve("latin1.csv")), e);
    if (Files.exists(Path.of("/dev/zero"))) {
      e = assertThrows(DatasetException.class, () -> Manifest.read(Path.of("/dev/zero"), "id", "image")).getMessage();
      assertTrue(e.contains("/dev/zero") && e.contains("not a regular file"), e);
    }
    Path bom = Files.write(dir.resolve("bom.csv"), "\uFEFFid,image\nr\u00e9,a.png\n".getBytes(StandardCharsets.UTF_8));
    assertEquals("r\u00e9", Manifest.read(bom, "id", "image").rows().get(0).id());
  }

  /** Ids that look like spreadsheet formulas are written as text and read back as they were. */
  @Test
  void formulaLikeIdsSurviveTheSplitFile(@TempDir Path dir) throws Exception {
    java.util.Map<String, Split> splits = new java.util.LinkedHashMap<>();
    splits.put("=HYPERLINK(\"http://x\")", Split.TRAIN);
    splits.put("-3+1", Split.TEST);
    splits.put("plain", Split.VAL);
    Path f = dir.resolve("splits.csv");
    Splits.write(f, splits);
    String text = Files.readString(f);
    assertTrue(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\"") && text.contains("'-3+1,test"), text);
    assertEquals(splits, Splits.read(f));
  }
}
