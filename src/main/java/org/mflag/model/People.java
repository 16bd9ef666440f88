package org.mflag.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mflag.config.Key;

/**
 * Who made a model, for its bioimage.io description: the keys every training command takes ({@code author},
 * {@code affiliation}, {@code orcid}, {@code github_user}) and the {@code authors} and {@code maintainers}
 * entries they give. They change nothing in the result, so a resume may give other ones.
 */
public final class People {

  public static final Key AUTHOR = Key.text("author", "", "author named in the model package (bioimage.io); empty = this computer's"
      + " account name").operational();
  public static final Key AFFILIATION = Key.text("affiliation", "", "the author's affiliation, for the model package").operational();
  public static final Key ORCID = Key.text("orcid", "", "the author's ORCID iD (0000-0002-1825-0097), for the model package")
      .matching("(\\d{4}-){3}\\d{3}[\\dX]", "an ORCID iD such as 0000-0002-1825-0097").operational();
  public static final Key GITHUB_USER = Key.text("github_user", "", "the author's GitHub account: bioimage.io lists them as the"
      + " maintainer").matching("[A-Za-z0-9](-?[A-Za-z0-9]){0,38}", "a GitHub user name").operational();
  public static final List<Key> KEYS = List.of(AUTHOR, AFFILIATION, ORCID, GITHUB_USER);

  private People() {}

  /** The {@code authors} entry: one person from the keys' values ({@code key -> value}; absent or empty = not given). */
  public static List<Rdf.Author> authors(Map<String, String> values) {
    String name = values.getOrDefault(AUTHOR.name(), "").trim();
    if (name.isEmpty()) name = System.getProperty("user.name", "M-FLAG for Fiji user");
    String orcid = given(values.get(ORCID.name()));
    return List.of(new Rdf.Author(name.replace("/", "-"), // bioimage.io refuses a slash in a name
        given(values.get(AFFILIATION.name())), orcid == null ? null : orcid.toUpperCase(java.util.Locale.ROOT),
        given(values.get(GITHUB_USER.name()))));
  }

  /** The {@code maintainers} entry: the author, when a GitHub account was given (bioimage.io requires one). */
  public static List<Rdf.Author> maintainers(Map<String, String> values) {
    String github = values.getOrDefault(GITHUB_USER.name(), "").trim();
    return github.isEmpty() ? List.of() : List.of(Rdf.Author.maintainer(authors(values).get(0).name(), github));
  }

  /** The values as a run records them; an ORCID iD whose check digit is wrong is refused here, before the run starts. */
  public static Map<String, String> of(org.mflag.config.KeyValues kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (Key k : KEYS) m.put(k.name(), kv.string(k));
    String orcid = m.get(ORCID.name());
    if (!orcid.isEmpty() && !validOrcid(orcid.toUpperCase(java.util.Locale.ROOT))) {
      throw new IllegalArgumentException("orcid=" + orcid + ": its check digit is wrong (a typo?)");
    }
    return m;
  }

  /** Whether an ORCID iD's last character is its ISO 7064 11,2 check digit (bioimage.io checks it). */
  public static boolean validOrcid(String id) {
    String digits = id.replace("-", "");
    int total = 0;
    for (int i = 0; i < digits.length() - 1; i++) total = (total + (digits.charAt(i) - '0')) * 2;
    int check = (12 - total % 11) % 11;
    return digits.charAt(digits.length() - 1) == (check == 10 ? 'X' : (char) ('0' + check));
  }

  /** A value as given, trimmed; null when absent or empty. */
  private static String given(String value) {
    return value == null || value.trim().isEmpty() ? null : value.trim();
  }
}
