package org.mflag.config;

import java.util.Collection;
import java.util.Locale;

/** "Did you mean" for a misspelled name: the closest of the names a user could have meant. */
public final class Suggestions {

  private Suggestions() {}

  /**
   * The name of {@code names} nearest to {@code typed} (case ignored, by edit distance, a swap of two neighbours
   * counting one), or null when none is near: at most 1 edit for names of up to 4 letters, 2 up to 8, 3 beyond.
   * A name that starts with what was typed (or the other way round) is near too.
   */
  public static String nearest(String typed, Collection<String> names) {
    String t = typed.toLowerCase(Locale.ROOT);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String n : names) {
      String c = n.toLowerCase(Locale.ROOT);
      int d = distance(t, c);
      int allowed = c.length() <= 4 ? 1 : c.length() <= 8 ? 2 : 3;
      boolean prefix = t.length() >= 3 && (c.startsWith(t) || t.startsWith(c));
      if ((d <= allowed || prefix) && d < bestDistance) {
        best = n;
        bestDistance = d;
      }
    }
    return best;
  }

  /** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) d[i][0] = i;
    for (int j = 0; j <= b.length(); j++) d[0][j] = j;
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
