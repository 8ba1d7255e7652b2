package dev.weft.srctest.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Keeps a docs page and the test that runs its examples together: every {@code java} block of the page must
 * appear in the test's source, line by line, ignoring indentation and blank lines. Lines of the test that start
 * with {@code assertThat} are left out before comparing, so a one-line assertion may sit between the lines of a
 * block (a multi-line one may not: its continuation lines would break the block). Tests run from the module
 * directory, so pages are under {@code ../docs}.
 */
final class DocPages {
  private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

  private DocPages() {}

  /** The page {@code docs/name}. */
  static Path page(String name) {
    return Path.of("..", "docs", name);
  }

  /** The source of the test class {@code test} in this package. */
  static Path source(Class<?> test) {
    return Path.of("src", "test", "java", "dev", "weft", "srctest", "docs", test.getSimpleName() + ".java");
  }

  /**
   * Asserts that every {@code java} block of {@code page} is in the source of {@code test}, and that the page
   * has at least {@code minBlocks} of them (so that a page emptied by mistake does not pass).
   */
  static void assertEveryJavaBlockIn(Path page, Class<?> test, int minBlocks) {
    String doc = read(page);
    String here = dedent(read(source(test))).lines().filter(l -> !l.startsWith("assertThat"))
        .collect(Collectors.joining("\n"));
    Matcher m = JAVA_BLOCK.matcher(doc);
    int blocks = 0;
    while (m.find()) {
      blocks++;
      int line = (int) doc.substring(0, m.start()).lines().count() + 1;
      assertThat(here).as("the java block at %s:%d is in %s", page.getFileName(), line, test.getSimpleName())
          .contains(dedent(m.group(1)));
    }
    assertThat(blocks).as("java blocks in %s", page).isGreaterThanOrEqualTo(minBlocks);
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + p.toAbsolutePath() + " (tests run from the module directory)",
          e);
    }
  }

  private static String dedent(String text) {
    return text.lines().map(String::strip).filter(l -> !l.isEmpty()).collect(Collectors.joining("\n"));
  }
}
