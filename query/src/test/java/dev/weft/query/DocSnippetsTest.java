package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.scheduler.Scheduler;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The examples in the javadoc, compiled and checked. */
@Timeout(30)
class DocSnippetsTest {
  @Test
  void queryEngineClassExample() {
    Input<String, String> source = Query.input("source");
    Query<String, Integer> lines = Query.of("lines", (ctx, file) -> {
      int n = ctx.get(source, file).split("\n", -1).length;
      if (n > 2) {
        ctx.report(Diagnostic.warning(file + " is long"));
      }
      return n;
    });
    Query<List<String>, Integer> total = Query.of("total", (ctx, files) -> {
      int sum = 0;
      for (int n : ctx.getAll(lines, files)) { // the files not yet computed run in parallel
        sum += n;
      }
      return sum;
    });
    try (QueryEngine engine = QueryEngine.create()) {
      engine.set(source, "A.java", "class A {}");
      engine.set(source, "B.java", "class B {\n}\n");
      Evaluation<Integer> e = engine.evaluate(total, List.of("A.java", "B.java"));
      assertThat(e.value()).isEqualTo(4);
      assertThat(e.diagnostics()).containsExactly(Diagnostic.warning("B.java is long"));
      long before = engine.stats().executions();
      engine.set(source, "A.java", "class A { }");
      assertThat(engine.get(total, List.of("A.java", "B.java"))).isEqualTo(4);
      assertThat(engine.stats().executions() - before).isEqualTo(1); // lines(A.java); total cut off early
    }
  }

  /** The declarations of {@link Query}'s class javadoc, {@link Query#recursive} and {@link Query.Builder}. */
  static final class Declarations {
    static final Input<String, String> SOURCE = Query.input("source");
    static final Query<String, Integer> LINES = Query.of("lines",
        (ctx, file) -> ctx.get(SOURCE, file).split("\n", -1).length);
    static final Query<String, Integer> DEPTH = Query.<String, Integer>builder("depth")
        .cycleFallback((file, cycle) -> -1)
        .lru(10_000)
        .build((ctx, file) -> 1 + ctx.get(LINES, file));
    static final Query<Integer, Long> FIB = Query.recursive("fib",
        (self, ctx, n) -> n < 2 ? (long) n : ctx.get(self, n - 1) + ctx.get(self, n - 2));

    record Parity(Query<Integer, Boolean> even, Query<Integer, Boolean> odd) {}
    static final Parity PARITY = Query.recursive(p -> new Parity(
        Query.of("even", (ctx, n) -> n == 0 || ctx.get(p.get().odd(), n - 1)),
        Query.of("odd", (ctx, n) -> n != 0 && ctx.get(p.get().even(), n - 1))));

    static final Input<Unit, String> TARGET = Query.singleton("target");   // engine.set(TARGET, "jdk25")

    // Query.Builder
    static final Query<String, Integer> DEPTH2 = Query.<String, Integer>builder("depth")
        .cycleFallback((file, cycle) -> -1)
        .cutoff(Integer::equals)
        .lru(10_000)
        .build((ctx, file) -> 1 + ctx.get(LINES, file));
  }

  @Test
  void queryClassDeclarations() {
    try (QueryEngine engine = QueryEngine.create()) {
      engine.set(Declarations.SOURCE, "A.java", "a\nb");
      engine.set(Declarations.TARGET, "jdk25");
      assertThat(engine.get(Declarations.DEPTH, "A.java")).isEqualTo(3);
      assertThat(engine.get(Declarations.FIB, 50)).isEqualTo(12586269025L);
      assertThat(engine.get(Declarations.PARITY.odd(), 9)).isTrue();
      assertThat(engine.get(Declarations.TARGET)).isEqualTo("jdk25");
    }
    try (QueryEngine engine = QueryEngine.create()) { // DEPTH2 shares DEPTH's name: its own engine
      engine.set(Declarations.SOURCE, "A.java", "a");
      assertThat(engine.get(Declarations.DEPTH2, "A.java")).isEqualTo(2);
    }
  }

  @Test
  void evaluationAndStatsExamples() {
    Input<String, String> source = Query.input("source");
    Query<String, Integer> lines = Query.of("lines", (ctx, file) -> {
      if (ctx.get(source, file).isEmpty()) {
        ctx.report(Diagnostic.warning(file + " is empty"));
      }
      return ctx.get(source, file).split("\n", -1).length;
    });
    Query<List<String>, Integer> total = Query.of("total",
        (ctx, files) -> ctx.getAll(lines, files).stream().mapToInt(Integer::intValue).sum());
    try (Scheduler s = Scheduler.deterministic(1); QueryEngine engine = QueryEngine.builder().scheduler(s).build()) {
      engine.setAll(source, Map.of("A.java", "class A {}", "B.java", "class B {\n}\n"));
      assertThat(engine.get(total, List.of("A.java", "B.java"))).isEqualTo(4);

      Evaluation<Integer> e = engine.evaluate(lines, "A.java");
      e.diagnostics().forEach(System.out::println);   // reported whether or not it failed
      int n = e.valueOr(0);                           // or: if (e.isOk()) ..., e.orElseThrow()
      assertThat(n).isEqualTo(1);

      EngineStats before = engine.stats();
      engine.set(source, "A.java", "class A { }");
      engine.get(total, List.of("A.java", "B.java"));
      EngineStats edit = engine.stats().minus(before);   // edit.executions() == 1: lines(A.java)
      assertThat(edit.executions()).isEqualTo(1);
    }
  }
}
