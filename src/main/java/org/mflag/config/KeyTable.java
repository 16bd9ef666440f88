package org.mflag.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Keys as Markdown tables, from their declarations: the README's key tables are these (a test compares them). */
public final class KeyTable {

  private KeyTable() {}

  /** One command's keys: {@code | key | default | allowed | meaning |}. */
  public static String markdown(List<Key> keys) {
    StringBuilder sb = new StringBuilder("| key | default | allowed | meaning |\n| --- | --- | --- | --- |\n");
    for (Key k : keys) {
      sb.append("| `").append(k.name()).append("` | ").append(defaultCell(k)).append(" | ").append(escape(k.allowed())).append(" | ")
          .append(escape(k.description())).append(" |\n");
    }
    return sb.toString();
  }

  /**
   * Several commands' keys in one table, with a column naming the commands that take each key; a key that
   * two commands declare alike (same default and description) is one row.
   */
  public static String markdown(Map<String, List<Key>> byCommand) {
    Map<String, List<String>> takers = new LinkedHashMap<>();
    Map<String, Key> rows = new LinkedHashMap<>();
    for (Map.Entry<String, List<Key>> c : byCommand.entrySet()) {
      for (Key k : c.getValue()) {
        String id = k.name() + "\u0000" + k.defaultValue() + "\u0000" + k.description() + "\u0000" + k.allowed();
        rows.putIfAbsent(id, k);
        takers.computeIfAbsent(id, x -> new ArrayList<>()).add(c.getKey());
      }
    }
    StringBuilder sb = new StringBuilder("| key | for | default | allowed | meaning |\n| --- | --- | --- | --- | --- |\n");
    for (Map.Entry<String, Key> r : rows.entrySet()) {
      Key k = r.getValue();
      List<String> who = takers.get(r.getKey());
      sb.append("| `").append(k.name()).append("` | ").append(who.size() == byCommand.size() ? "all" : String.join(", ", who))
          .append(" | ").append(defaultCell(k)).append(" | ").append(escape(k.allowed())).append(" | ").append(escape(k.description()))
          .append(" |\n");
    }
    return sb.toString();
  }

  private static String defaultCell(Key k) {
    if (k.required()) return "required";
    return k.defaultValue().isEmpty() ? "empty" : "`" + k.defaultValue() + "`";
  }

  private static String escape(String s) {
    return s.replace("|", "\\|");
  }
}
