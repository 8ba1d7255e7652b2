package dev.weft.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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
        new ImportDecl("java.util", false, true, 2, true),
        new ImportDecl("java.lang.Math", true, true, 3, true));
    assertThat(f.imports().get(1).render()).isEqualTo("static java.lang.Math.*");
  }

  @Test
  void parse_syntaxError_keptWithLineAndRestExtracted() {
    ParsedFile f = JavaSyntax.parse("p/Bad.java", "package p;\nimport q.R;\nclass Bad {\n  void m( {\n}\n");

    assertThat(f.syntaxErrors()).isNotEmpty().allMatch(e -> e.matches("\\d+: .+"));
    assertThat(f.syntaxErrors().get(0)).startsWith("4: ");
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
}
