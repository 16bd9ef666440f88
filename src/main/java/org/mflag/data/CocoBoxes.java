package org.mflag.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Boxes from a COCO detection file ({@code images}, {@code annotations} with {@code bbox = [x, y, w, h]}
 * in the image's pixels, {@code categories}). An image's {@code file_name} is resolved against the
 * JSON file's folder and matched with the manifest's image paths; an image listed without
 * annotations has no boxes (a negative). Categories become 0-based classes in the order of their ids.
 * JSON is read with SnakeYAML (JSON is YAML), already a dependency for {@code rdf.yaml}.
 */
public final class CocoBoxes {

  /** The annotated boxes of one image, in its original pixels. */
  public static final class Image {
    public final int width;
    public final int height;
    public final List<Box> boxes;

    Image(int width, int height, List<Box> boxes) {
      this.width = width;
      this.height = height;
      this.boxes = boxes;
    }
  }

  private final Path file;
  private final List<String> categories;
  private final Map<Path, Image> byPath;
  private final Map<String, Image> byName;

  private CocoBoxes(Path file, List<String> categories, Map<Path, Image> byPath, Map<String, Image> byName) {
    this.file = file;
    this.categories = categories;
    this.byPath = byPath;
    this.byName = byName;
  }

  @SuppressWarnings("unchecked")
  public static CocoBoxes read(Path file) throws DatasetException {
    Object parsed;
    try (InputStream in = Files.newInputStream(file)) {
      parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new DatasetException("boxes=" + file + ": file not found");
    } catch (IOException | RuntimeException e) {
      throw new DatasetException("boxes=" + file + ": not a JSON file (" + e.getMessage() + ")", e);
    }
    if (!(parsed instanceof Map)) throw new DatasetException("boxes=" + file + ": not a COCO file (no top-level object)");
    Map<String, Object> root = (Map<String, Object>) parsed;
    List<Map<String, Object>> cats = list(root, "categories", file);
    List<Map<String, Object>> images = list(root, "images", file);
    List<Map<String, Object>> anns = list(root, "annotations", file);
    List<Map<String, Object>> sortedCats = new ArrayList<>(cats);
    for (Map<String, Object> c : cats) number(c, "id", file);
    sortedCats.sort((a, b) -> Long.compare(((Number) a.get("id")).longValue(), ((Number) b.get("id")).longValue()));
    Map<Long, Integer> catIndex = new HashMap<>();
    List<String> names = new ArrayList<>();
    for (Map<String, Object> c : sortedCats) {
      catIndex.put(number(c, "id", file).longValue(), names.size());
      names.add(String.valueOf(c.get("name")));
    }
    Map<Long, List<Box>> boxes = new HashMap<>();
    for (Map<String, Object> a : anns) {
      Object bbox = a.get("bbox");
      if (!(bbox instanceof List) || ((List<?>) bbox).size() != 4) {
        throw new DatasetException("boxes=" + file + ": annotation " + a.get("id") + " has no bbox [x, y, w, h]");
      }
      List<Number> b = (List<Number>) bbox;
      Integer cat = catIndex.get(number(a, "category_id", file).longValue());
      if (cat == null) throw new DatasetException("boxes=" + file + ": annotation " + a.get("id") + " names unknown category " + a.get("category_id"));
      double x = b.get(0).doubleValue(), y = b.get(1).doubleValue();
      Box box;
      try {
        box = new Box(x, y, x + b.get(2).doubleValue(), y + b.get(3).doubleValue(), cat, 1.0);
      } catch (IllegalArgumentException e) {
        throw new DatasetException("boxes=" + file + ": annotation " + a.get("id") + ": " + e.getMessage());
      }
      boxes.computeIfAbsent(number(a, "image_id", file).longValue(), k -> new ArrayList<>()).add(box);
    }
    Map<Path, Image> byPath = new LinkedHashMap<>();
    Map<String, Image> byName = new HashMap<>();
    Path folder = file.toAbsolutePath().getParent();
    for (Map<String, Object> im : images) {
      String name = String.valueOf(im.get("file_name"));
      Image entry = new Image(number(im, "width", file).intValue(), number(im, "height", file).intValue(),
          Collections.unmodifiableList(boxes.getOrDefault(number(im, "id", file).longValue(), Collections.emptyList())));
      byPath.put(folder.resolve(name).normalize(), entry);
      byName.put(Path.of(name).getFileName().toString(), entry);
    }
    return new CocoBoxes(file, Collections.unmodifiableList(names), byPath, byName);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Map<String, Object> root, String key, Path file) throws DatasetException {
    Object v = root.get(key);
    if (!(v instanceof List)) throw new DatasetException("boxes=" + file + ": no '" + key + "' list (not a COCO detection file)");
    return (List<Map<String, Object>>) v;
  }

  private static Number number(Map<String, Object> m, String key, Path file) throws DatasetException {
    Object v = m.get(key);
    if (!(v instanceof Number)) throw new DatasetException("boxes=" + file + ": an entry lacks the number '" + key + "' (" + m + ")");
    return (Number) v;
  }

  public Path file() {
    return file;
  }

  /** Category names, index = class. */
  public List<String> categories() {
    return categories;
  }

  /** The annotation of an image file (matched by resolved path, else by file name), or null. */
  public Image find(Path image) {
    Image i = byPath.get(image.toAbsolutePath().normalize());
    return i != null ? i : byName.get(image.getFileName().toString());
  }
}
