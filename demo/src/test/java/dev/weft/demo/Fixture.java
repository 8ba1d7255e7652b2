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

  static final String[] DIAGNOSTICS = {
      "warning a/A.java:5: [unused-import] import java.util.Map is never used",
      "info b/B.java:3: [wildcard-import] import c.* imports on demand",
      "warning c/C.java:4: [unresolved-import] import a.Missing: package a of this tree declares no such type",
      "warning c/C.java:4: [unused-import] import a.Missing is never used",
      "warning d/D.java:4: [duplicate-import] import a.A repeats line 3",
      "error e/Broken.java:8: [syntax] illegal start of type"};
}
