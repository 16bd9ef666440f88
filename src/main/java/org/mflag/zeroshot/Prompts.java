package org.mflag.zeroshot;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.mflag.io.TextFiles;

/**
 * The classes of a zero-shot classification, each described by prompts. Written
 * {@code name: prompt | prompt ...}, classes separated by {@code ;} (or one per line in a file given as
 * {@code @file}), in one of two forms:
 * <ul>
 *   <li><b>pairs</b>: {@code pneumonia: pneumonia vs no pneumonia; effusion: pleural effusion vs no effusion}.
 *   Every class has positive prompts and, after {@code vs}, negative prompts, both written out: the
 *   probability of a class is the softmax over its positive and negative similarity (CheXzero), and each class
 *   is decided on its own (multi-label). The negative prompt is never made up from the class name, so a class
 *   named "No Finding" cannot turn into "no No Finding" (rajpurkarlab/CheXzero#19, AUROC 0.07).</li>
 *   <li><b>prompt sets</b>: {@code covid: covid-19 pneumonia | viral pneumonia; other: bacterial pneumonia | normal chest}.
 *   A class's similarity is pooled over its prompts (mean or max, MedCLIP/GLoRIA) and the classes compete in
 *   a softmax (single-label).</li>
 * </ul>
 * All classes use the same form.
 */
public final class Prompts implements java.io.Serializable {

  private static final long serialVersionUID = 1L;

  /** One class: its name, positive prompts and (pairs only) negative prompts. */
  public static final class Entry implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    public final String name;
    public final List<String> positive;
    public final List<String> negative;

    Entry(String name, List<String> positive, List<String> negative) {
      this.name = name;
      this.positive = Collections.unmodifiableList(positive);
      this.negative = Collections.unmodifiableList(negative);
    }
  }

  private final List<Entry> entries;
  private final boolean pairs;

  private Prompts(List<Entry> entries, boolean pairs) {
    this.entries = Collections.unmodifiableList(entries);
    this.pairs = pairs;
  }

  /** Parses the {@code prompts} key: inline text, or {@code @file} (relative paths against {@code base}). */
  public static Prompts parse(String spec, Path base) throws IOException {
    String s = spec.trim();
    if (s.startsWith("@")) {
      Path file = base == null ? Path.of(s.substring(1).trim()) : base.resolve(s.substring(1).trim());
      StringBuilder joined = new StringBuilder();
      for (String line : TextFiles.readUtf8(file).split("\\R")) {
        String l = line.trim();
        if (l.isEmpty() || l.startsWith("#")) continue;
        joined.append(l).append(';');
      }
      try {
        return parse(joined.toString());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
      }
    }
    return parse(s);
  }

  /** Parses inline prompts (see the class comment). */
  public static Prompts parse(String spec) {
    List<Entry> out = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    Boolean pairs = null;
    for (String part : spec.split(";")) {
      String p = part.trim();
      if (p.isEmpty()) continue;
      int colon = p.indexOf(':');
      if (colon <= 0) throw new IllegalArgumentException("prompts: '" + p + "' is not 'class: prompt | prompt' (a class name, a colon, prompts)");
      String name = p.substring(0, colon).trim();
      if (name.isEmpty()) throw new IllegalArgumentException("prompts: '" + p + "' has an empty class name");
      if (!names.add(name)) throw new IllegalArgumentException("prompts: class '" + name + "' given twice");
      String[] sides = p.substring(colon + 1).split("(?i)\\s+vs\\s+", -1);
      if (sides.length > 2) throw new IllegalArgumentException("prompts: class '" + name + "' has 'vs' twice");
      boolean pair = sides.length == 2;
      if (pairs != null && pairs != pair) {
        throw new IllegalArgumentException("prompts: class '" + name + "' is " + (pair ? "a pair (with vs)" : "a prompt set (no vs)")
            + " but an earlier class is not: give every class as 'positive vs negative', or none");
      }
      pairs = pair;
      List<String> pos = list(name, sides[0], "positive");
      List<String> neg = pair ? list(name, sides[1], "negative") : List.of();
      out.add(new Entry(name, pos, neg));
    }
    if (out.isEmpty()) throw new IllegalArgumentException("prompts: no class given");
    if (!pairs && out.size() < 2) {
      throw new IllegalArgumentException("prompts: one class '" + out.get(0).name + "' without 'vs': prompt sets compete with each other,"
          + " so give two or more classes, or the class as a pair 'name: positive prompt vs negative prompt' with both written out");
    }
    return new Prompts(out, pairs);
  }

  private static List<String> list(String name, String side, String which) {
    List<String> out = new ArrayList<>();
    for (String t : side.split("\\|")) {
      String s = t.trim();
      if (s.isEmpty()) throw new IllegalArgumentException("prompts: class '" + name + "' has an empty " + which + " prompt");
      out.add(s);
    }
    return out;
  }

  /** The prompts written back in the form {@link #parse} reads. */
  public String describe() {
    List<String> parts = new ArrayList<>();
    for (Entry e : entries) {
      parts.add(e.name + ": " + String.join(" | ", e.positive) + (pairs ? " vs " + String.join(" | ", e.negative) : ""));
    }
    return String.join("; ", parts);
  }

  public List<Entry> entries() {
    return entries;
  }

  /** Whether every class is a positive/negative pair (multi-label); else prompt sets competing in one softmax. */
  public boolean pairs() {
    return pairs;
  }

  public List<String> classes() {
    List<String> out = new ArrayList<>();
    for (Entry e : entries) out.add(e.name);
    return out;
  }

  /** Every distinct prompt text, in order of appearance: what the language model embeds. */
  public List<String> texts() {
    Set<String> out = new LinkedHashSet<>();
    for (Entry e : entries) {
      out.addAll(e.positive);
      out.addAll(e.negative);
    }
    return new ArrayList<>(out);
  }
}
