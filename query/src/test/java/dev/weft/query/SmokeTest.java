package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.scheduler.Scheduler;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class SmokeTest {
  @Test
  void basics() {
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      Input<String, Integer> in = Query.input("in");
      Query<String, Integer> dbl = Query.of("dbl", (ctx, k) -> ctx.get(in, k) * 2);
      Query<String, Integer> sum = Query.of("sum", (ctx, k) -> {
        int t = 0;
        for (int v : ctx.getAll(dbl, List.of("a", "b"))) {
          t += v;
        }
        ctx.report(Diagnostic.info("sum " + t));
        return t;
      });
      e.set(in, "a", 1);
      e.set(in, "b", 2);
      assertThat(e.get(sum, "x")).isEqualTo(6);
      assertThat(e.get(sum, "x")).isEqualTo(6);
      assertThat(e.evaluate(sum, "x").diagnostics()).hasSize(1);
      e.set(in, "a", 5);
      assertThat(e.get(sum, "x")).isEqualTo(14);
      Query<Integer, Integer> a = Query.of("a", (ctx, k) -> ctx.get(Holder.b, k));
      Holder.a = a;
      assertThatThrownBy(() -> e.get(a, 1)).isInstanceOf(CycleException.class)
          .hasMessage("cycle detected when computing a(1)\n  ...which requires computing b(1)\n"
              + "  ...which again requires computing a(1), completing the cycle");
      System.out.println(e.stats());
    }
  }

  static final class Holder {
    static Query<Integer, Integer> a;
    static final Query<Integer, Integer> b = Query.of("b", (ctx, k) -> ctx.get(a, k));
  }
}
