package org.mflag.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CsvCellsTest {

  /** Formula-like text gets a leading quote, numbers and plain text do not, and every value reads back as it was. */
  @Test
  void formulaLikeCellsAreNeutralisedReversibly() {
    String[][] cases = {
        {"=HYPERLINK(\"http://x\",\"open\")", "'=HYPERLINK(\"http://x\",\"open\")"},
        {"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
        {"-2+3", "'-2+3"},
        {"@SUM(A1)", "'@SUM(A1)"},
        {"\tx", "'\tx"},
        {"'quoted", "''quoted"},
        {"'", "''"},
        {"-", "'-"},
        {"-0.5", "-0.5"},
        {"+3e-2", "+3e-2"},
        {"cxr001", "cxr001"},
        {"", ""},
    };
    for (String[] c : cases) {
      assertEquals(c[1], CsvCells.safe(c[0]), c[0]);
      assertEquals(c[0], CsvCells.original(CsvCells.safe(c[0])), c[0]);
    }
    assertEquals("'abc", CsvCells.original("'abc"), "a cell that was never escaped is left alone");
  }
}
