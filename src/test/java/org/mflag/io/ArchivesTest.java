package org.mflag.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchivesTest {

  /** A model package or plot written atomically is as readable as any new file (not owner-only like a temp file). */
  @Test
  void atomicWritesGetTheUsualPermissions(@TempDir Path tmp) throws Exception {
    Path plain = Files.write(tmp.resolve("plain.txt"), new byte[] {1});
    Path atomic = tmp.resolve("sub").resolve("atomic.txt");
    Archives.writeAtomically(atomic, new byte[] {1, 2});
    assertArrayEquals(new byte[] {1, 2}, Files.readAllBytes(atomic));
    assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(atomic));
    try (var files = Files.list(atomic.getParent())) {
      assertEquals(1, files.count(), "no temporary file left");
    }
  }
}
