package dev.weft.query.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.source.util.JavacTask;
import dev.weft.query.Query;
import dev.weft.scheduler.Scheduler;
import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs javac on declarations against the library: the natural shapes compile without a warning, and each
 * shape that cannot compile fails on the line of the mistake with the message {@link Query}'s javadoc quotes
 * beside its fix, so a user who searches the message finds what to write.
 */
@Timeout(120)
class QueryJavacTest {
  private static final String IMPORTS = "import dev.weft.query.*;\nimport java.util.*;\n";

  @TempDir
  static Path out;
  private static List<Path> classPath;

  @BeforeAll
  static void libraryClassPath() throws URISyntaxException {
    classPath = new ArrayList<>();
    for (Class<?> c : List.of(Query.class, Scheduler.class, dev.weft.deadlock.WaitForGraph.class)) {
      classPath.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()));
    }
  }

  /** What javac printed, as on a terminal, and whether it compiled. */
  private record Result(boolean success, String output) {}

  private static Result compile(String className, String body) throws IOException {
    Path dir = Files.createDirectories(out.resolve(className));
    Path file = Files.writeString(dir.resolve(className + ".java"), IMPORTS + body);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter text = new StringWriter();
    try (StandardJavaFileManager files = javac.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8)) {
      files.setLocationFromPaths(StandardLocation.CLASS_PATH, classPath);
      files.setLocationFromPaths(StandardLocation.CLASS_OUTPUT, List.of(dir));
      // No listener: javac prints its diagnostics to `text` as it would on a terminal.
      JavaCompiler.CompilationTask task = javac.getTask(text, files, null, List.of("-Xlint:all", "-proc:none"),
          null, files.getJavaFileObjects(file));
      task.setLocale(Locale.ROOT);
      boolean ok = task.call();
      return new Result(ok, text.toString().replace(dir.toString() + File.separator, ""));
    }
  }

  private static void assertClean(Result r) {
    assertThat(r.output()).as("javac said").isEmpty();
    assertThat(r.success()).isTrue();
  }

  @Test
  void naturalShapes_compileWithoutAnyWarning() throws IOException {
    assertClean(compile("Shapes", """
        class Shapes {
          static final Input<String, String> SOURCE = Query.input("source");
          static final Query<String, Integer> LINES = Query.of("lines",
              (ctx, file) -> ctx.get(SOURCE, file).length());
          static final Query<String, Integer> DEPTH = Query.<String, Integer>builder("depth")
              .cycleFallback((file, cycle) -> -1)
              .cutoff(Integer::equals)
              .lru(100)
              .buildRecursive((self, ctx, file) -> file.isEmpty() ? 0 : 1 + ctx.get(self, file.substring(1)));
          static final Query<Integer, Long> FIB = Query.recursive("fib",
              (self, ctx, n) -> n < 2 ? (long) n : ctx.get(self, n - 1) + ctx.get(self, n - 2));
          record Parity(Query<Integer, Boolean> even, Query<Integer, Boolean> odd) {}
          static final Parity PARITY = Query.recursive(p -> new Parity(
              Query.of("even", (ctx, n) -> n == 0 || ctx.get(p.get().odd(), n - 1)),
              Query.of("odd", (ctx, n) -> n != 0 && ctx.get(p.get().even(), n - 1))));
          static final Input<Unit, Integer> WIDTH = Query.singleton("width");
          static final Query<String, Integer> COLUMNS = Query.of("columns",
              (ctx, file) -> ctx.get(LINES, file) * ctx.get(WIDTH));
          static final Input<String, String> TRIMMED = Query.<String, String>builder("trimmed")
              .cutoff((a, b) -> a.strip().equals(b.strip()))
              .buildInput();

          static void use(QueryEngine engine) {
            engine.set(WIDTH, 80, Durability.HIGH);
            engine.update(tx -> tx.set(WIDTH, 100).set(SOURCE, "A", "a"));
            int n = engine.get(COLUMNS, "A") + engine.get(WIDTH);
            Evaluation<Long> e = engine.evaluate(FIB, 10);
            long f = e.isOk() ? e.orElseThrow() : e.valueOr(-1L);
            EngineStats delta = engine.stats().minus(engine.stats());
            System.out.println(n + f + delta.executions());
          }
        }
        """));
  }

  @Test
  void selfReferenceInInitializer_failsOnTheRead_recursiveCompiles() throws IOException {
    Result wrong = compile("Self", """
        class Self {
          static final Query<Integer, Long> FIB = Query.of("fib",
              (ctx, n) -> n < 2 ? (long) n : ctx.get(FIB, n - 1) + ctx.get(FIB, n - 2));
        }
        """);
    assertThat(wrong.success()).isFalse();
    assertThat(wrong.output()).contains("Self.java:5: error: self-reference in initializer", "2 errors")
        .doesNotContain("warning");
    assertThat(javadocOfQuery()).contains("{@code self-reference in initializer}");

    assertClean(compile("SelfFixed", """
        class SelfFixed {
          static final Query<Integer, Long> FIB = Query.recursive("fib",
              (self, ctx, n) -> n < 2 ? (long) n : ctx.get(self, n - 1) + ctx.get(self, n - 2));
        }
        """));
  }

  @Test
  void mutualRecursionByFields_illegalForwardReference_groupCompiles() throws IOException {
    Result wrong = compile("Forward", """
        class Forward {
          static final Query<Integer, Boolean> EVEN = Query.of("even", (ctx, n) -> n == 0 || ctx.get(ODD, n - 1));
          static final Query<Integer, Boolean> ODD = Query.of("odd", (ctx, n) -> n != 0 && ctx.get(EVEN, n - 1));
        }
        """);
    assertThat(wrong.success()).isFalse();
    assertThat(wrong.output()).contains("Forward.java:4: error: illegal forward reference", "1 error");
    assertThat(javadocOfQuery()).contains("{@code illegal forward reference}");

    assertClean(compile("ForwardFixed", """
        class ForwardFixed {
          record Parity(Query<Integer, Boolean> even, Query<Integer, Boolean> odd) {}
          static final Parity PARITY = Query.recursive(p -> new Parity(
              Query.of("even", (ctx, n) -> n == 0 || ctx.get(p.get().odd(), n - 1)),
              Query.of("odd", (ctx, n) -> n != 0 && ctx.get(p.get().even(), n - 1))));
        }
        """));
  }

  @Test
  void optionChainedOntoOf_keyInferredAsObject_builderCompiles() throws IOException {
    Result wrong = compile("Chain", """
        class Chain {
          static final Query<String, Integer> DEPTH = Query.of("depth",
              (ctx, file) -> file.length()).withCycleFallback((file, cycle) -> -1);
        }
        """);
    assertThat(wrong.success()).isFalse();
    assertThat(wrong.output()).contains("Chain.java:5: error: cannot find symbol",
        "location: variable file of type Object",
        "Chain.java:5: error: incompatible types: Query<Object,Object> cannot be converted to Query<String,Integer>");
    assertThat(javadocOfQuery()).contains(
        "{@code incompatible types: Query<Object,Object> cannot be converted to Query<String,Integer>}",
        "{@code cannot find symbol ... location: variable file of type Object}");

    Result noWitness = compile("NoWitness", """
        class NoWitness {
          static final Query<String, Integer> DEPTH = Query.builder("depth")
              .cycleFallback((file, cycle) -> -1)
              .build((ctx, file) -> file.length());
        }
        """);
    assertThat(noWitness.output()).contains("NoWitness.java:6: error: cannot find symbol",
        "location: variable file of type Object",
        "incompatible types: Query<Object,Object> cannot be converted to Query<String,Integer>");

    assertClean(compile("ChainFixed", """
        class ChainFixed {
          static final Query<String, Integer> DEPTH = Query.<String, Integer>builder("depth")
              .cycleFallback((file, cycle) -> -1)
              .build((ctx, file) -> file.length());
        }
        """));
  }

  @Test
  void discardedCopy_compilesSilently_soTheEngineWarnsAtRunTime() throws IOException {
    // javac has nothing to say about an unused return value; QueryTest covers the engine's warning.
    assertClean(compile("Discarded", """
        class Discarded {
          static final Query<String, Integer> DEPTH = Query.of("depth", (ctx, file) -> file.length());
          static {
            DEPTH.withCycleFallback((file, cycle) -> -1);
          }
        }
        """));
  }

  @Test
  void copyMethods_annotatedCheckReturnValue_forAnalysersThatFlagDroppedResults() throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    try (StandardJavaFileManager files = javac.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8)) {
      files.setLocationFromPaths(StandardLocation.CLASS_PATH, classPath);
      // The library's class files as javac reads them: CLASS-retention annotations are visible here.
      JavacTask task = (JavacTask) javac.getTask(null, files, null, List.of("-proc:none"), null,
          files.getJavaFileObjects(Files.writeString(Files.createDirectories(out.resolve("Annotations"))
              .resolve("Annotations.java"), IMPORTS + "class Annotations {}\n")));
      task.analyze();
      Elements elements = task.getElements();
      for (String type : List.of("dev.weft.query.Query", "dev.weft.query.Diagnostic")) {
        List<String> annotated = new ArrayList<>();
        for (ExecutableElement m : ElementFilter.methodsIn(elements.getTypeElement(type).getEnclosedElements())) {
          boolean copies = m.getSimpleName().toString().startsWith("with") || m.getSimpleName().contentEquals("at");
          boolean marked = m.getAnnotationMirrors().stream().anyMatch(a -> a.getAnnotationType().toString()
              .equals("dev.weft.query.CheckReturnValue"));
          assertThat(marked).as(type + "." + m.getSimpleName()).isEqualTo(copies);
          if (marked) {
            annotated.add(m.getSimpleName().toString());
          }
        }
        assertThat(annotated).as(type).isNotEmpty();
      }
    }
  }

  @Test
  void keylessReadOfAKeyedQuery_failsNamingUnit() throws IOException {
    Result wrong = compile("Keyless", """
        class Keyless {
          static final Input<String, String> SOURCE = Query.input("source");
          static String read(QueryEngine engine) {
            return engine.get(SOURCE);
          }
        }
        """);
    assertThat(wrong.success()).isFalse();
    assertThat(wrong.output()).contains("Keyless.java:6: error: no suitable method found for get(Input<String,String>)",
        "Input<String,String> cannot be converted to Query<Unit,");
  }

  private static String javadocOfQuery() throws IOException {
    return Files.readString(Path.of("src/main/java/dev/weft/query/Query.java"));
  }
}
