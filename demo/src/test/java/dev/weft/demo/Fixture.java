package dev.weft.demo;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** The test tree under {@code src/test/resources/fixture} and the results computed for it by hand. */
final class Fixture {
  private Fixture() {}

  /**
   * Packages {@code a -> b -> c -> a} form a cycle, {@code d} and {@code e} depend on {@code a}. {@code a/A.java}
   * imports {@code java.util.Map} without using it and {@code java.util.Set} only for javadoc; {@code b/B.java}
   * has a wildcard import; {@code c/C.java} imports a type package {@code a} does not declare; {@code d/D.java}
   * imports {@code a.A} twice; {@code e/Broken.java} does not parse.
   */
  static Path root() {
    try {
      return Path.of(Fixture.class.getResource("/fixture").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The diagnostics' first lines as {@link Printer#render} prints them, in Weft's order. */
  static final String[] DIAGNOSTICS = {
      "a/A.java:5:1: warning[unused-import]: import java.util.Map is never used",
      "b/B.java:3:1: info[wildcard-import]: import c.* imports on demand",
      "c/C.java:4:1: warning[unresolved-import]: import a.Missing: package a of this tree declares no such type",
      "c/C.java:4:1: warning[unused-import]: import a.Missing is never used",
      "d/D.java:4:1: warning[duplicate-import]: import a.A repeats line 3",
      "e/Broken.java:8:11: error[syntax]: illegal start of type"};

  /** The diagnostics as the demo prints them, notes included ({@link Printer#lines}). */
  static final String[] PRINTED = {
      DIAGNOSTICS[0], DIAGNOSTICS[1], DIAGNOSTICS[2], DIAGNOSTICS[3], DIAGNOSTICS[4],
      "  d/D.java:3:1: note: first imported here",
      DIAGNOSTICS[5]};
}
