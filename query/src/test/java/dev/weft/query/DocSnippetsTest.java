package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
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
      for (int n : ctx.getAll(lines, files)) { // one virtual thread per file not yet computed
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
}
