package org.mflag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.mflag.config.KeyValues;
import org.mflag.config.Task;
import org.mflag.data.Manifest;
import org.mflag.imageio.ImageFileDecoder;
import org.mflag.infer.Inference;
import org.mflag.infer.Job;
import org.mflag.runtime.Devices;
import org.mflag.runtime.TensorFlowNatives;
import org.mflag.text.TextModels;
import org.mflag.train.PretrainConfig;
import org.mflag.train.Pretrainer;
import org.mflag.train.TrainingListener;

/**
 * The errors a newcomer is most likely to meet, each produced by the code that raises it: every message names the
 * problem and the fix, and docs/troubleshooting.md lists it (by the fragment this test checks), so the page and the
 * code cannot drift apart.
 */
class TroubleshootingTest {

  /** What a message must say: the problem (as the page quotes it) and the fix. */
  private static final class Case {
    final String title;
    final String problem;
    final String fix;
    final String message;

    Case(String title, String problem, String fix, String message) {
      this.title = title;
      this.problem = problem;
      this.fix = fix;
      this.message = message;
    }
  }

  private static String message(Executable e) {
    Throwable t = assertThrows(Throwable.class, e);
    return t.getMessage();
  }

  @Test
  void theTenLikeliestErrorsNameTheFixAndTheTroubleshootingPageListsThem(@TempDir Path dir) throws Exception {
    Path samples = TestData.manifest().toAbsolutePath();
    List<Case> cases = new ArrayList<>();

    cases.add(new Case("a misspelled key", "unknown key 'manfest'", "did you mean 'manifest'?",
        message(() -> KeyValues.parse("pretrain", PretrainConfig.KEYS, List.of("manfest=" + samples, "output=o")))));

    Manifest m = Manifest.read(samples, "id", "image");
    cases.add(new Case("a wrong column", "no column 'img' (image_column)", "give image_column=image",
        message(() -> m.requireColumns("image_column", "img"))));

    cases.add(new Case("a folder instead of a file", "a folder, not a CSV file", "give the manifest file in it, e.g. manifest=" + samples,
        message(() -> Manifest.read(samples.getParent(), "id", "image"))));

    ClassLoader fiji = new java.net.URLClassLoader(new java.net.URL[0], null); // Fiji: the update site ships no BERT
    cases.add(new Case("no language model installed", "the default language model (BERT, 390 MB) is not installed",
        "M-FLAG Install Language Model", message(() -> TextModels.easyBert(dir.resolve("empty-cache"), fiji))));

    cases.add(new Case("no TensorFlow natives for this platform", "TensorFlow has no natives for",
        "run on one of those platforms", TensorFlowNatives.noNativesMessage()));

    Path pretrained = TestData.pretrained();
    cases.add(new Case("a model of the wrong kind", "package (from pretrain) has no segmentation head",
        "finetune-segmenter encoder_model=" + pretrained, message(() -> Inference.open(pretrained, Job.SEGMENT))));

    Path photo = dir.resolve("photo.png");
    ij.process.ColorProcessor cp = new ij.process.ColorProcessor(64, 64);
    cp.setColor(new java.awt.Color(30, 160, 60));
    cp.fill();
    new ij.io.FileSaver(new ij.ImagePlus("photo", cp)).saveAsPng(photo.toString());
    cases.add(new Case("an image that is not a grey X-ray", "a colour image", "Image > Type > 8-bit",
        message(() -> new ImageFileDecoder().read(photo))));

    Path taken = dir.resolve("taken");
    Files.createDirectories(taken);
    try (java.util.stream.Stream<Path> files = Files.list(pretrained)) { // a finished run whose checkpoints were deleted
      for (Path f : (Iterable<Path>) files::iterator) if (Files.isRegularFile(f)) Files.copy(f, taken.resolve(f.getFileName()));
    }
    cases.add(new Case("an output that already holds another run", "already holds a pre-trained encoder package",
        "choose another output, or move that folder away", message(() -> new Pretrainer(TestData.smallRun(taken).build(),
            new ImageFileDecoder(), TestData.log()).run(new TrainingListener() {}, () -> false))));
    assertTrue(Files.exists(taken.resolve("rdf.yaml")) && !Files.exists(taken.resolve("skipped.csv")), "nothing was touched");

    Path latin1 = Files.write(dir.resolve("latin1.csv"), "id,image,report\nr1,a.png,Opacit\u00e9 basale\n".getBytes(StandardCharsets.ISO_8859_1));
    cases.add(new Case("a manifest saved in Latin-1", "is not UTF-8", "save the file as UTF-8",
        message(() -> Manifest.read(latin1, "id", "image"))));

    assumeTrue(Devices.usableGpus().isEmpty(), "this machine has a GPU: device=gpu works here");
    cases.add(new Case("a GPU asked for and absent", "no usable GPU", "give device=cpu", message(() -> Devices.resolve("gpu"))));

    String page = Files.readString(Path.of("docs", "troubleshooting.md"));
    Map<String, String> shown = new LinkedHashMap<>();
    for (Case c : cases) {
      assertTrue(c.message != null && c.message.contains(c.problem), c.title + ": " + c.message);
      assertTrue(c.message.contains(c.fix), c.title + " names its fix (" + c.fix + "): " + c.message);
      shown.put(c.title, c.message);
    }
    // the messages as this machine printed them, for whoever updates the page
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, String> e : shown.entrySet()) out.append("## ").append(e.getKey()).append("\n").append(e.getValue()).append("\n\n");
    Files.writeString(Files.createDirectories(Path.of("target")).resolve("troubleshooting-messages.md"), out);
    for (Case c : cases) assertTrue(page.contains(c.problem), "docs/troubleshooting.md lists " + c.title + " (" + c.problem + "): " + c.message);
    assertEquals(10, shown.size(), shown.toString());
  }
}
