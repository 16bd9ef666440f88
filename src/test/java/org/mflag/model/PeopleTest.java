package org.mflag.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mflag.config.KeyValues;

/** The people a package names, from the keys, with what bioimage.io checks checked before a run starts. */
class PeopleTest {

  private static KeyValues parse(String... kv) {
    return KeyValues.parse("t", People.KEYS, List.of(kv));
  }

  @Test
  void authorsAndMaintainersFromTheKeys() {
    Map<String, String> given = People.of(parse("author=Jane/Doe", "orcid=0000-0002-1694-233x", "github_user=janedoe"));
    assertEquals(List.of(new Rdf.Author("Jane-Doe", null, "0000-0002-1694-233X", "janedoe")), People.authors(given));
    assertEquals(List.of(Rdf.Author.maintainer("Jane-Doe", "janedoe")), People.maintainers(given));
    Map<String, String> none = People.of(parse());
    assertEquals(System.getProperty("user.name"), People.authors(none).get(0).name(), "default: the account name");
    assertTrue(People.maintainers(none).isEmpty(), "no maintainer without a GitHub account");

    assertTrue(People.validOrcid("0000-0002-1825-0097"));
    assertFalse(People.validOrcid("0000-0002-1825-0096"));
    IllegalArgumentException typo = assertThrows(IllegalArgumentException.class, () -> People.of(parse("orcid=0000-0002-1825-0096")));
    assertEquals("orcid=0000-0002-1825-0096: its check digit is wrong (a typo?)", typo.getMessage());
    assertThrows(IllegalArgumentException.class, () -> parse("orcid=12345"));
    assertThrows(IllegalArgumentException.class, () -> parse("github_user=-bad-"));
  }
}
