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

  /** Paths in a manifest stay inside its folder, links included; the analysis jobs turn a refused path into an error row. */
  @Test
  void pathsStayInsideTheManifestsFolderLinksIncluded(@TempDir Path dir) throws Exception {
    Path data = Files.createDirectories(dir.resolve("data").resolve("images"));
    Files.writeString(data.resolve("a.png"), "x");
    Files.writeString(dir.resolve("secret.txt"), "outside");
    Files.createSymbolicLink(data.resolve("inside-link.png"), data.resolve("a.png"));
    Files.createSymbolicLink(data.resolve("out-link.png"), dir.resolve("secret.txt"));
    Files.createSymbolicLink(data.resolve("outdir"), dir);
    Manifest m = Manifest.read(write(dir.resolve("data"), "m.csv", "image\nimages/a.png\n"), "id", "image");
    assertEquals(data.resolve("a.png"), m.locate("images/a.png"));
    assertEquals(data.resolve("a.png"), m.locate(data.resolve("a.png").toString())); // absolute, inside
    assertEquals(data.resolve("inside-link.png"), m.locate("images/inside-link.png"));
    assertEquals(data.resolve("gone.png"), m.locate("images/gone.png")); // missing: the caller says so
    String[][] refused = {
        {"../secret.txt", "points outside its folder"},
        {dir.resolve("secret.txt").toString(), "points outside its folder"},
        {"images/out-link.png", "leads through a link to " + dir.resolve("secret.txt").toRealPath()},
        {"images/outdir/secret.txt", "leads through a link"},
        {"images/a\u0000.png", "control characters"},
    };
    for (String[] r : refused) {
      DatasetException e = assertThrows(DatasetException.class, () -> m.locate(r[0]), r[0]);
      assertTrue(e.getMessage().contains(r[1]), e.getMessage());
      org.mflag.infer.BatchAnalysis.Item item = org.mflag.infer.BatchAnalysis.Item.of(m.folder(), "x", r[0]);
      assertTrue(item.file == null && item.problem.contains(r[1]), item.problem);
    }
  }
}
