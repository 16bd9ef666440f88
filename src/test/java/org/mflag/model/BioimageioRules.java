package org.mflag.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.mflag.io.NdArray;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * What bioimage.io's spec (model format 0.5, bioimageio.spec 0.5.7) and JDLL, deepImageJ's model runner, require of a
 * package, read from their sources and asserted on a package written here; and bioimage.io's reproducibility test
 * (bioimageio.core's {@code _test_model_inference}) done in Java.
 */
public final class BioimageioRules {

  /** JDLL's axis letters ({@code Tensor.convertToTensorDimOrder}). */
  private static final String JDLL_AXES = "bitczyxr";
  /** The operators JDLL implements ({@code io.bioimage.modelrunner.transformations}). */
  private static final Set<String> JDLL_OPERATORS = Set.of("scale_linear", "scale_range", "clip", "zero_mean_unit_variance",
      "binarize", "sigmoid", "ensure_dtype", "fixed_zero_mean_unit_variance");
  private static final Set<String> PYTHON_KEYWORDS = Set.of("False", "None", "True", "and", "as", "assert", "async", "await", "break",
      "class", "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
      "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield");

  private BioimageioRules() {}

  @SuppressWarnings("unchecked")
  public static Map<String, Object> rdf(Path dir) throws Exception {
    try (InputStream in = Files.newInputStream(dir.resolve(ModelPackage.RDF))) {
      return (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
    }
  }

  /** Every rule below, with the failing field in the message. */
  @SuppressWarnings("unchecked")
  public static void check(Path dir) throws Exception {
    Map<String, Object> rdf = rdf(dir);
    assertTrue(String.valueOf(rdf.get("format_version")).startsWith("0.5."));
    String name = String.valueOf(rdf.get("name"));
    assertTrue(name.matches("[A-Za-z0-9_+\\- ()]{5,128}"), "name: letters, digits, _+- () only, 5-128: " + name);
    String id = String.valueOf(rdf.get("id"));
    assertTrue(id.matches("[a-z0-9_\\-/.]+") && !id.startsWith("/") && !id.endsWith("/"), "id is a ResourceId: " + id);
    Map<String, Object> config = (Map<String, Object>) rdf.get("config");
    assertNotNull(((Map<String, Object>) config.get("bioimageio")).get("nickname"), "JDLL names the model by id or nickname");
    assertTrue(String.valueOf(rdf.get("description")).length() <= 512, "description up to 512 characters (warning above)");
    for (Object a : (List<?>) rdf.get("authors")) assertFalse(String.valueOf(((Map<?, ?>) a).get("name")).contains("/"), "author names");
    for (String fair : new String[] {"description", "authors", "cite", "license", "tags", "documentation"}) {
      assertNotNull(rdf.get(fair), fair + " (FAIR: empty gives an alert)");
    }
    assertTrue(String.valueOf(rdf.get("documentation")).endsWith(".md"));
    assertTrue(Files.readString(dir.resolve(String.valueOf(rdf.get("documentation")))).matches("(?s).*\n#+ Validation.*"),
        "the documentation has a Validation section");
    java.time.OffsetDateTime.parse(String.valueOf(rdf.get("timestamp"))); // ISO 8601
    assertTrue(String.valueOf(rdf.get("git_repo")).startsWith("https://"));
    for (Object cover : (List<?>) rdf.get("covers")) {
      assertTrue(String.valueOf(cover).matches(".*\\.(png|jpg|jpeg|gif|svg|tif|tiff)"), "cover type");
      Path c = dir.resolve(String.valueOf(cover));
      assertTrue(Files.size(c) < 500_000, "cover under 500 KB");
      java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(c.toFile());
      assertTrue(img.getWidth() == 2 * img.getHeight() || img.getWidth() == img.getHeight(), "cover 2:1 or 1:1");
    }
    Map<String, Object> training = (Map<String, Object>) rdf.get("training_data");
    assertEquals("dataset", training.get("type"));
    assertTrue(String.valueOf(training.get("name")).matches("[A-Za-z0-9_+\\- ()]{5,128}"), "dataset name: " + training.get("name"));
    for (String key : new String[] {"inputs", "outputs"}) {
      Set<String> tensorIds = new HashSet<>();
      for (Map<String, Object> t : (List<Map<String, Object>>) rdf.get(key)) {
        String tid = String.valueOf(t.get("id"));
        assertTrue(tid.matches("[a-z_][a-z0-9_]{0,31}") && tensorIds.add(tid), "tensor id: lower-case identifier, unique: " + tid);
        assertTrue(String.valueOf(t.getOrDefault("description", "")).length() <= 128,
            key + "." + tid + ": tensor description up to 128 characters (bioimage.io fails the package otherwise)");
        checkAxes(dir, key + "." + tid, (List<Map<String, Object>>) t.get("axes"));
        Map<String, Object> test = (Map<String, Object>) t.get("test_tensor");
        assertTrue(String.valueOf(test.get("source")).endsWith(".npy"));
        NdArray a = ModelPackage.readNpy(dir.resolve(String.valueOf(test.get("source"))));
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (float v : a.data()) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
        assertFalse(min > -1e-4 && max < 1e-4, key + "." + tid + ": a test tensor of near-zeros is rejected");
        assertEquals("float32", ((Map<String, Object>) t.get("data")).get("type"));
        if (key.equals("outputs")) checkSampleOutput(dir, tid, (Map<String, Object>) t.get("sample_tensor"), a);
        for (String proc : new String[] {"preprocessing", "postprocessing"}) {
          if (!(t.get(proc) instanceof List)) continue;
          for (Map<String, Object> step : (List<Map<String, Object>>) t.get(proc)) {
            assertTrue(JDLL_OPERATORS.contains(String.valueOf(step.get("id"))), "operator JDLL runs: " + step.get("id"));
            Object axes = step.get("kwargs") instanceof Map ? ((Map<?, ?>) step.get("kwargs")).get("axes") : null;
            assertFalse(axes instanceof List && ((List<?>) axes).contains("batch"), "JDLL loses per-sample statistics over batch");
          }
        }
      }
    }
    Map<String, Object> input = ((List<Map<String, Object>>) rdf.get("inputs")).get(0);
    Map<String, Object> sample = (Map<String, Object>) input.get("sample_tensor");
    assertNotNull(javax.imageio.ImageIO.read(dir.resolve(String.valueOf(sample.get("source"))).toFile()), "sample tensor is an image");
    Map<String, Object> tf = (Map<String, Object>) ((Map<String, Object>) rdf.get("weights")).get("tensorflow_saved_model_bundle");
    assertNotNull(tf.get("tensorflow_version"));
    Path zip = dir.resolve(String.valueOf(tf.get("source")));
    assertTrue(zip.toString().endsWith(".zip"));
    boolean pb = false;
    try (ZipInputStream z = new ZipInputStream(Files.newInputStream(zip))) {
      for (ZipEntry e; (e = z.getNextEntry()) != null; ) pb |= e.getName().equals("saved_model.pb");
    }
    assertTrue(pb, "saved_model.pb at the zip's root (JDLL and bioimageio.core unzip it in place)");
  }

  /**
   * FAIR: an output's sample tensor is an image imageio reads whose squeezed dimensions fit the axes; ours is the test
   * output itself as a float TIFF, value for value.
   */
  private static void checkSampleOutput(Path dir, String tid, Map<String, Object> sample, NdArray test) throws Exception {
    assertNotNull(sample, "outputs." + tid + ".sample_tensor (FAIR: missing gives an alert)");
    String source = String.valueOf(sample.get("source"));
    assertTrue(source.endsWith(".tif"), source);
    assertEquals(org.mflag.io.Hashing.sha256(dir.resolve(source)), sample.get("sha256"), source + " sha256");
    java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(dir.resolve(source).toFile());
    long[] shape = test.shape();
    long nonSingleton = java.util.Arrays.stream(shape, 1, shape.length).filter(n -> n > 1).count();
    assertTrue(nonSingleton <= 2 && (long) img.getWidth() * img.getHeight() == test.data().length, source + ": one plane of the test output");
    float[] values = img.getRaster().getSamples(0, 0, img.getWidth(), img.getHeight(), 0, (float[]) null);
    assertArrayEquals(test.data(), values, 0f, source + ": the test output's values");
  }

  /** Spec: lower-case identifiers, channel names; JDLL: one letter per axis from its set, b/t and z/i/r exclusive, no repeats. */
  private static void checkAxes(Path dir, String where, List<Map<String, Object>> axes) {
    StringBuilder letters = new StringBuilder();
    for (Map<String, Object> a : axes) {
      String type = String.valueOf(a.get("type"));
      assertTrue(List.of("batch", "channel", "index", "time", "space").contains(type), where + ": axis type " + type);
      Object id = a.get("id");
      if (id != null) assertTrue(String.valueOf(id).matches("[a-z_][a-z0-9_]{0,15}"), where + ": axis id " + id);
      String letter = type.equals("batch") ? "b" : type.equals("channel") ? "c" : String.valueOf(id);
      assertTrue(letter.length() == 1 && JDLL_AXES.contains(letter), where + ": JDLL reads axis '" + letter + "' as one of " + JDLL_AXES);
      letters.append(letter);
      if (type.equals("channel")) {
        List<?> names = (List<?>) a.get("channel_names");
        assertNotNull(names, where + ": a channel axis needs channel_names");
        for (Object n : names) {
          assertTrue(String.valueOf(n).matches("[A-Za-z_][A-Za-z0-9_]*") && !PYTHON_KEYWORDS.contains(String.valueOf(n)),
              where + ": channel name is an identifier: " + n);
        }
      } else if (!type.equals("batch")) {
        assertTrue(a.get("size") instanceof Integer, where + ": axis " + letter + " has an integer size");
      }
    }
    String s = letters.toString();
    assertEquals(s.length(), s.chars().distinct().count(), where + ": repeated axis in " + s);
    assertFalse(s.contains("b") && s.contains("t"), where + ": b and t");
    assertTrue(s.chars().filter(c -> c == 'z' || c == 'i' || c == 'r').count() <= 1, where + ": z, i, r exclusive in " + s);
  }

  /**
   * bioimage.io's reproducibility test: the declared preprocessing applied to the raw test input, the SavedModel run,
   * and every output compared with its test tensor: a mismatch is {@code |a - e| > 1e-3 + 1e-3 |e|}, and at most 100
   * per million elements may mismatch (bioimageio.core's defaults).
   */
  public static void reproduces(ModelPackage p, List<String> outputIds) throws Exception {
    NdArray raw = p.testInput();
    NdArray x = p.preprocessed(raw);
    try (SavedModelPredictor djl = p.savedModelPredictor()) {
      Map<String, float[]> got = djl.predict(x.data(), (int) raw.shape()[0]);
      List<String> bad = new ArrayList<>();
      for (String id : outputIds) {
        float[] want = p.testOutput(id).data();
        float[] have = got.entrySet().stream().filter(e -> e.getKey().startsWith(id)).findFirst().orElseThrow().getValue();
        assertEquals(want.length, have.length, id);
        int mismatched = 0;
        for (int i = 0; i < want.length; i++) if (Math.abs(have[i] - want[i]) > 1e-3 + 1e-3 * Math.abs(want[i])) mismatched++;
        if (mismatched * 1e6 / want.length > 100) bad.add(id + ": " + mismatched + " of " + want.length + " elements");
      }
      assertTrue(bad.isEmpty(), "outputs differ from the test tensors: " + bad);
    }
  }
}
