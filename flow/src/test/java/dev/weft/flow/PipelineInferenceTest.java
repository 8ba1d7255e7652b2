package dev.weft.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.flow.Schedulers.Config;
import dev.weft.scheduler.Scheduler;
import java.io.StringWriter;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The shapes a user writes with implicitly typed lambdas, chained without intermediate variables. This file
 * compiling is half of the test: every stage below must infer its item type. The other half runs javac on the
 * shape that cannot infer, to keep the javadoc's account of it true.
 */
@Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
class PipelineInferenceTest {
  private static final String ALL = "dev.weft.flow.Schedulers#all";

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void pushStyleStages_withWitnesses_inferTheirItemTypes(Config config) {
    Scheduler s = config.create();
    try {
      List<Integer> lengths = Pipeline.generate(String.class, out -> {
            out.push("a b");
            out.push("c dd eee");
          })
          .flatMap(String.class, (line, out) -> {
            for (String w : line.split(" ")) {
              out.push(w);
            }
          })
          .transform(Integer.class, (in, out) -> {
            for (String w : in) {
              out.push(w.length());
            }
          })
          .map(n -> n * 10) // Integer, not Object
          .toList(s);
      assertThat(lengths).containsExactly(10, 10, 10, 20, 30);
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void flatMap_returningItems_infersFromTheReturnType(Config config) {
    Scheduler s = config.create();
    try {
      List<String> words = Pipeline.from(List.of("the quick", "brown fox"))
          .flatMap(line -> List.of(line.split(" ")))
          .map(w -> w.toUpperCase()) // String, not Object
          .toList(s);
      assertThat(words).containsExactly("THE", "QUICK", "BROWN", "FOX");
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @Test
  void genericItemTypes_withTypeArgumentOrTargetType_infer() {
    try (Scheduler s = Scheduler.deterministic(3)) {
      Pipeline<Integer> source = Pipeline.generate(out -> { // target type
        for (int i = 0; i < 5; i++) {
          out.push(i);
        }
      });
      List<Integer> sums = source
          .<List<Integer>>transform((in, out) -> { // pairs: a generic item type takes a type argument
            List<Integer> pair = new ArrayList<>();
            for (int x : in) {
              pair.add(x);
              if (pair.size() == 2) {
                out.push(List.copyOf(pair));
                pair.clear();
              }
            }
          })
          .map(pair -> pair.get(0) + pair.get(1))
          .toList(s);
      assertThat(sums).containsExactly(1, 5);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void mapNotNull_dropsNullResultsAndKeepsOrder(Config config) {
    Scheduler s = config.create();
    try {
      // Whole chunks map to null (every multiple of 3 among the first 600 items is dropped, then all of
      // 600..1199), which the stage must not pass on as empty chunks.
      List<Integer> out = Pipeline.from(IntStream.range(0, 2000).boxed().toList())
          .mapNotNull(x -> x % 3 == 0 || (x >= 600 && x < 1200) ? null : x)
          .toList(s);
      List<Integer> expected = IntStream.range(0, 2000)
          .filter(x -> x % 3 != 0 && (x < 600 || x >= 1200)).boxed().toList();
      assertThat(out).isEqualTo(expected);
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void mapOptional_keepsPresentValues(Config config) {
    Scheduler s = config.create();
    try {
      List<Integer> numbers = Pipeline.from(List.of("1", "x", "22", "", "333"))
          .mapOptional(t -> t.chars().allMatch(Character::isDigit) && !t.isEmpty()
              ? Optional.of(Integer.parseInt(t)) : Optional.empty())
          .map(n -> n + 1)
          .toList(s);
      assertThat(numbers).containsExactly(2, 23, 334);
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @Test
  void mapOptional_nullOptional_failsTheStage() {
    try (Scheduler s = Scheduler.deterministic(0)) {
      assertThatThrownBy(() -> Pipeline.from(List.of(1)).mapOptional(x -> (Optional<Integer>) null).toList(s))
          .isInstanceOf(PipelineException.class)
          .hasMessageContaining("mapOptional#1")
          .cause()
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("null Optional");
    }
  }

  @Test
  void flatMap_returningNullIterable_failsTheStage() {
    try (Scheduler s = Scheduler.deterministic(0)) {
      assertThatThrownBy(() -> Pipeline.from(List.of(1)).flatMap(x -> (List<Integer>) null).toList(s))
          .isInstanceOf(PipelineException.class)
          .hasMessageContaining("flatMap#1")
          .cause()
          .hasMessageContaining("null Iterable");
    }
  }

  @Test
  void javac_untypedPushLambdaChained_failsDownstreamAndTheWitnessFixesIt(@TempDir java.nio.file.Path out) {
    String untyped = """
        import dev.weft.flow.Pipeline;
        import java.util.List;
        class Snippet {
          List<Integer> lengths(dev.weft.scheduler.Scheduler s) {
            return Pipeline.generate(o -> o.push("a")).map(w -> w.length()).toList(s);
          }
        }
        """;
    assertThat(javac(untyped, out)).contains("error").contains("length()").contains("Object");
    assertThat(javac(untyped.replace("generate(o ->", "generate(String.class, o ->"), out)).isEmpty();
  }

  /** Compiles {@code source} against this test's class path; returns the diagnostics, empty on success. */
  private static String javac(String source, java.nio.file.Path out) {
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    StringWriter messages = new StringWriter();
    JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///Snippet.java"), JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return source;
      }
    };
    try (StandardJavaFileManager files = compiler.getStandardFileManager(null, null, null)) {
      files.setLocationFromPaths(StandardLocation.CLASS_OUTPUT, List.of(out));
      List<String> options = List.of("--release", "25", "-classpath", System.getProperty("java.class.path"));
      boolean ok = compiler.getTask(messages, files, null, options, null, List.of(file)).call();
      return ok ? "" : messages.toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
