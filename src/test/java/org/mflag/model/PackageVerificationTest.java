package org.mflag.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.io.Hashing;

/**
 * A model package is verified as a whole before anything in it is used, and whatever is unpacked is
 * what was hashed. Packages here are written by hand (a stand-in SavedModel zip, real test tensors and
 * hashes), so these checks need no TensorFlow.
 */
class PackageVerificationTest {

  @TempDir Path tmp;
  private Path cache;
  private String cacheBefore;

  @BeforeEach
  void privateCache() {
    cache = tmp.resolve("cache");
    cacheBefore = System.getProperty("mflag.cache");
    System.setProperty("mflag.cache", cache.toString());
  }

  @AfterEach
  void restore() {
    if (cacheBefore == null) System.clearProperty("mflag.cache");
    else System.setProperty("mflag.cache", cacheBefore);
  }

  private Path write(String name, String weightsSource, String extraConfig, Object... entries) throws IOException {
    return StandInPackage.write(tmp.resolve(name), weightsSource, extraConfig, entries);
  }

  private static void rdf(Path dir, String weightsSource, String extraConfig) throws IOException {
    StandInPackage.rdf(dir, weightsSource, extraConfig);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private Path legitimate(String name) throws IOException {
    return StandInPackage.write(tmp.resolve(name));
  }

  @Test
  void theZipThatIsUnpackedIsTheOneThatWasHashedAndTheCacheIsKeyedByTheComputedHash() throws Exception {
    Path good = legitimate("good");
    Path unpacked = ModelPackage.open(good).savedModelDir();
    assertEquals(cache.resolve(Hashing.sha256(good.resolve("saved_model.zip"))), unpacked);
    assertEquals("graph good", Files.readString(unpacked.resolve("saved_model.pb")));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)));

    // the probe's attack: the rdf names another file (with that file's true hash) as the weights, and
    // saved_model.zip holds the attacker's model. What is used is the named file, hashed and unpacked
    // as one: here it is no SavedModel at all, and the attacker's zip is never unpacked.
    Path hostile = write("hostile", "README.md", "", "saved_model.pb", bytes("attacker"));
    ModelPackage h = ModelPackage.open(hostile);
    ModelPackageException e = assertThrows(ModelPackageException.class, h::savedModelDir);
    assertTrue(e.getMessage().contains(hostile.resolve("README.md").toString()) && e.getMessage().contains("saved_model.pb"), e.getMessage());
    try (Stream<Path> s = Files.list(cache)) {
      assertEquals(1, s.filter(p -> !p.getFileName().toString().startsWith(".")).count(), "only the good package is cached");
    }
    assertEquals("graph good", Files.readString(ModelPackage.open(good).savedModelDir().resolve("saved_model.pb")));

    // a zip swapped after the package was checked is caught while it is unpacked, by name
    Path swapped = legitimate("swapped");
    ModelPackage s = ModelPackage.open(swapped);
    Files.copy(hostile.resolve("saved_model.zip"), swapped.resolve("saved_model.zip"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    e = assertThrows(ModelPackageException.class, s::savedModelDir);
    assertTrue(e.getMessage().contains(swapped.resolve("saved_model.zip").toString()) && e.getMessage().contains("changed"), e.getMessage());
    assertNoLeftovers();
  }

  @Test
  void zipBombsAndHostileEntriesAreRefusedAndLeaveNothingBehind() throws Exception {
    byte[] zeros = new byte[96 << 20]; // deflates to ~100 KB: over the 64 MiB + 10x cap
    Path bomb = write("bomb", "saved_model.zip", "", "saved_model.pb", zeros);
    assertTrue(Files.size(bomb.resolve("saved_model.zip")) < 1 << 20);
    ModelPackageException e = assertThrows(ModelPackageException.class, () -> ModelPackage.open(bomb).savedModelDir());
    assertTrue(e.getMessage().contains("zip bomb") && e.getMessage().contains(bomb.resolve("saved_model.zip").toString()), e.getMessage());
    assertNoLeftovers();

    Object[] many = new Object[2 * 10_001];
    for (int i = 0; i < 10_001; i++) {
      many[2 * i] = "variables/v" + i;
      many[2 * i + 1] = new byte[0];
    }
    Path crowd = write("crowd", "saved_model.zip", "", many);
    e = assertThrows(ModelPackageException.class, () -> ModelPackage.open(crowd).savedModelDir());
    assertTrue(e.getMessage().contains("more than 10000 entries"), e.getMessage());

    for (String name : new String[] {"../escape.pb", "/etc/escape", "a\\..\\b", "x/../../y"}) {
      Path bad = write("bad" + Math.abs(name.hashCode()), "saved_model.zip", "", name, bytes("x"));
      e = assertThrows(ModelPackageException.class, () -> ModelPackage.open(bad).savedModelDir(), name);
      assertTrue(e.getMessage().contains("not allowed") || e.getMessage().contains("outside"), e.getMessage());
    }
    assertFalse(Files.exists(tmp.resolve("escape.pb")));
    assertNoLeftovers();
  }

  @Test
  void filesReachedThroughLinksOrOutsideThePackageAreRefused() throws Exception {
    Path p = legitimate("linked");
    Path elsewhere = Files.copy(p.resolve("saved_model.zip"), tmp.resolve("elsewhere.zip"));
    Files.delete(p.resolve("saved_model.zip"));
    Files.createSymbolicLink(p.resolve("saved_model.zip"), elsewhere);
    ModelPackageException e = assertThrows(ModelPackageException.class, () -> ModelPackage.open(p));
    assertTrue(e.getMessage().contains("link") && e.getMessage().contains("rdf.yaml"), e.getMessage());

    Path q = legitimate("outside");
    Files.copy(q.resolve("test_input.npy"), tmp.resolve("input.npy"));
    Files.writeString(q.resolve("rdf.yaml"), Files.readString(q.resolve("rdf.yaml")).replace("source: test_input.npy", "source: ../input.npy"));
    e = assertThrows(ModelPackageException.class, () -> ModelPackage.open(q));
    assertTrue(e.getMessage().contains("inputs.image.test_tensor.source") && e.getMessage().contains("outside"), e.getMessage());
  }

  @Test
  void valuesFromThePackageAreCheckedWithTheFileAndFieldNamed() throws Exception {
    String[][] cases = {
        {", image_size: abc", "config.mflag.image_size=abc: must be an integer"},
        {", image_size: 100000", "config.mflag.image_size=100000"},
        {", embedding_size: -3", "config.mflag.embedding_size=-3"},
        {", multi_label: maybe", "config.mflag.multi_label=maybe"},
        {", classes: [a, a]", "config.mflag.classes: 'a' appears twice"},
        {", classes: [[1, 2]]", "config.mflag.classes"},
    };
    for (String[] c : cases) {
      Path p = legitimate("values");
      rdf(p, "saved_model.zip", c[0]);
      ModelPackageException e = assertThrows(ModelPackageException.class, () -> ModelPackage.open(p), c[0]);
      assertTrue(e.getMessage().startsWith(p.resolve("rdf.yaml").toString()) && e.getMessage().contains(c[1]), e.getMessage());
    }
    Path p = legitimate("threshold");
    rdf(p, "saved_model.zip", ", threshold: 7");
    ModelPackageException e = assertThrows(ModelPackageException.class,
        () -> ModelPackage.open(p).number(org.mflag.config.Key.number("threshold", "0.5", "t").atLeast(0).atMost(1)));
    assertTrue(e.getMessage().contains("config.mflag.threshold=7"), e.getMessage());

    // a test tensor whose .npy header is damaged (with a matching hash): named, not a stack trace
    Path n = legitimate("npy");
    byte[] npy = Files.readAllBytes(n.resolve("test_input.npy"));
    Files.write(n.resolve("test_input.npy"), new String(npy, StandardCharsets.ISO_8859_1).replace("(1, 32, 32, 1)", "(1, -8, 32, 1)")
        .getBytes(StandardCharsets.ISO_8859_1));
    rdf(n, "saved_model.zip", "");
    e = assertThrows(ModelPackageException.class, () -> ModelPackage.open(n));
    assertTrue(e.getMessage().contains(n.resolve("test_input.npy").toString()) && e.getMessage().contains("'-8'"), e.getMessage());
  }

  @Test
  void oldUnpackedModelsAreCleanedAndASharedCacheIsRefused() throws Exception {
    Files.createDirectories(cache);
    Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwx------"));
    Path stale = Files.createDirectories(cache.resolve("a".repeat(64)));
    Files.writeString(stale.resolve("saved_model.pb"), "old");
    Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(30, ChronoUnit.DAYS)));
    Path leftover = Files.createDirectories(cache.resolve(".unpack-123"));
    Files.setLastModifiedTime(leftover, FileTime.from(Instant.now().minus(2, ChronoUnit.DAYS)));
    Path recent = Files.createDirectories(cache.resolve("b".repeat(64)));
    ModelPackage.open(legitimate("fresh")).savedModelDir();
    assertFalse(Files.exists(stale), "unused for 30 days: deleted");
    assertFalse(Files.exists(leftover), "a killed unpack's leftover: deleted");
    assertTrue(Files.exists(recent));

    Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxrwxrwx"));
    ModelPackageException e = assertThrows(ModelPackageException.class, () -> ModelPackage.open(legitimate("shared")).savedModelDir());
    assertTrue(e.getMessage().contains(cache.toString()) && e.getMessage().contains("others may write"), e.getMessage());
  }

  private void assertNoLeftovers() throws IOException {
    try (Stream<Path> s = Files.list(cache)) {
      assertEquals(0, s.filter(p -> p.getFileName().toString().startsWith(".unpack-")).count(), "a failed unpack leaves nothing");
    }
  }
}
