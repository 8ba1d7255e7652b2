package dev.weft.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class JavaSyntaxTest {

  @Test
  void parse_importsUsedInCodeJavadocOrNot_markedAccordingly() {
    ParsedFile f = JavaSyntax.parse("p/X.java", """
        package p;

        import java.util.List;
        import java.util.Map;
        import java.util.Set;
        import java.util.function.Function;
        import static java.lang.Math.max;
        import static java.lang.Math.min;

        /** See {@link Set} and {@link #f(Function, int)}. */
        class X {
          List<String> xs;
          int f(Function<String, String> g, int a) { return max(a, 1); }
        }
        """);

    assertThat(f.pkg()).isEqualTo("p");
    assertThat(f.types()).containsExactly("X");
    assertThat(f.imports()).extracting(ImportDecl::name, ImportDecl::used).containsExactly(
        org.assertj.core.groups.Tuple.tuple("java.util.List", true),
        org.assertj.core.groups.Tuple.tuple("java.util.Map", false),
        org.assertj.core.groups.Tuple.tuple("java.util.Set", true),
        org.assertj.core.groups.Tuple.tuple("java.util.function.Function", true),
        org.assertj.core.groups.Tuple.tuple("java.lang.Math.max", true),
        org.assertj.core.groups.Tuple.tuple("java.lang.Math.min", false));
    assertThat(f.imports()).extracting(ImportDecl::line).containsExactly(3, 4, 5, 6, 7, 8);
    assertThat(f.imports()).extracting(ImportDecl::column).containsOnly(1);
    assertThat(f.syntaxErrors()).isEmpty();
  }

  @Test
  void parse_wildcardImports_recordedWithQualifier() {
    ParsedFile f = JavaSyntax.parse("p/X.java", """
        package p;
        import java.util.*;
        import static java.lang.Math.*;
        class X {}
        """);

    assertThat(f.imports()).containsExactly(
        new ImportDecl("java.util", false, true, 2, 1, true),
        new ImportDecl("java.lang.Math", true, true, 3, 1, true));
    assertThat(f.imports().get(1).render()).isEqualTo("static java.lang.Math.*");
  }

  @Test
  void parse_syntaxError_keptWithLineColumnAndRestExtracted() {
    ParsedFile f = JavaSyntax.parse("p/Bad.java", "package p;\nimport q.R;\nclass Bad {\n  void m( {\n}\n");

    assertThat(f.syntaxErrors()).isNotEmpty().allMatch(e -> e.line() > 0 && e.column() > 0 && !e.message().isEmpty());
    assertThat(f.syntaxErrors().get(0)).isEqualTo(new ParsedFile.SyntaxError(4, 11, "illegal start of type"));
    assertThat(f.pkg()).isEqualTo("p");
    assertThat(f.imports()).extracting(ImportDecl::name).containsExactly("q.R");
  }

  @Test
  void parse_nestedAndSeveralTopLevelTypes_counted() {
    ParsedFile f = JavaSyntax.parse("X.java", """
        class X { class In {} interface I { enum E {} } void m() { class Local {} } }
        record Y(int a) {}
        """);

    assertThat(f.pkg()).isEmpty();
    assertThat(f.types()).containsExactly("X", "Y");
    assertThat(f.nestedTypes()).isEqualTo(4);
  }

  @Test
  void parse_moduleInfo_belongsToNoPackage() {
    ParsedFile f = JavaSyntax.parse("m/module-info.java", "module m { requires java.sql; }\n");

    assertThat(f.pkg()).isNull();
    assertThat(f.types()).isEmpty();
    assertThat(f.syntaxErrors()).isEmpty();
  }

  @Test
  void parse_sameText_equalValues() {
    String text = "package p;\nimport java.util.List;\nclass X { List<String> a; }\n";

    assertThat(JavaSyntax.parse("p/X.java", text)).isEqualTo(JavaSyntax.parse("p/X.java", text + "// end\n"));
    assertThat(JavaSyntax.parse("p/X.java", text).imports()).hasSize(1);
    assertThat(List.of(JavaSyntax.parse("p/X.java", text))).doesNotContainNull();
  }

  /** The javadoc references as a regular expression: the specification the hand-written scan must match. */
  private static final Pattern DOC_TAG =
      Pattern.compile("\\{@(?:link|linkplain|value)\\s([^}]*)}|@(?:see|throws|exception)\\s([^\\n]*)");
  private static final Pattern WORD = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*");
  private static final String[] PIECES = {"{", "}", "@", "{@", "link", "linkplain", "value", "see", "throws",
      "exception", "links", " ", "\t", "\n", "\r", "\f", "\u000B", "a", "Map", "x9", "_b", "$c", "9", ".", "#",
      "(", ")", "*", "/**", "*/", "é", "{@link ", "@see ", "@throws "};

  private static Set<String> regexWords(String text) {
    Set<String> used = new HashSet<>();
    Matcher doc = DOC_TAG.matcher(text);
    while (doc.find()) {
      int g = doc.start(1) >= 0 ? 1 : 2;
      Matcher word = WORD.matcher(text).region(doc.start(g), doc.end(g));
      while (word.find()) {
        used.add(word.group());
      }
    }
    return used;
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void docWords_randomTexts_sameWordsAsTheRegularExpression(long seed) {
    Random random = new Random(seed);
    for (int n = 0; n < 2_000; n++) {
      StringBuilder text = new StringBuilder();
      int pieces = random.nextInt(40);
      for (int i = 0; i < pieces; i++) {
        text.append(PIECES[random.nextInt(PIECES.length)]);
      }
      Set<String> scanned = new HashSet<>();
      JavaSyntax.docWords(text.toString(), scanned);
      assertThat(scanned).as("words of %s", text).isEqualTo(regexWords(text.toString()));
    }
  }

  @Test
  void docWords_typicalJavadoc_linksValuesAndLineTags() {
    Set<String> used = new HashSet<>();
    JavaSyntax.docWords("""
        /**
         * See {@link java.util.Map#get(Object) the getter} and {@linkplain Set sets}, {@value #MAX}.
         * {@code Ignored} {@linkX NotATag}
         * @see Collections#sort
         * @throws IllegalStateException when {@literal Closed}
         * @exception IOException
         */
        """, used);
    assertThat(used).containsExactlyInAnyOrder("java", "util", "Map", "get", "Object", "the", "getter", "Set",
        "sets", "MAX", "Collections", "sort", "IllegalStateException", "when", "literal", "Closed", "IOException");
  }

  /** Both ways of making a task read the same files the same way, syntax errors included. */
  @Test
  void parse_pooledAndFreshContexts_sameResults() {
    assertThat(JavaSyntax.POOLED).as("the demo's tests run with jdk.compiler's api package exported").isTrue();
    List<String> texts = List.of(
        "package p;\nimport java.util.List;\nimport java.util.Map;\n/** {@link Map} */\nclass X { List<String> a; }\n",
        "package p;\nimport q.R;\nclass Bad {\n  void m( {\n}\n",
        "module m { requires java.sql; }\n",
        "package p.q;\nimport static java.lang.Math.*;\nrecord Y(int a) { class In {} }\n");
    for (int round = 0; round < 3; round++) {
      for (String text : texts) {
        String path = text.startsWith("module") ? "m/module-info.java" : "p/F.java";
        assertThat(JavaSyntax.parse(path, text, true)).isEqualTo(JavaSyntax.parse(path, text, false));
      }
    }
    assertThat(JavaSyntax.describe()).contains("reusable");
  }
}
