package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.scheduler.Scheduler;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class EngineStatsTest {
  @Test
  void minus_fieldByField_liveMemosMayBeNegative() {
    EngineStats earlier = new EngineStats(1, 2, 3, 4, 50, 6, 7, 8, 9, 10);
    EngineStats later = new EngineStats(11, 22, 33, 44, 5, 66, 77, 88, 99, 110);
    assertThat(later.minus(earlier)).isEqualTo(new EngineStats(10, 20, 30, 40, -45, 60, 70, 80, 90, 100));
    assertThat(later.minus(later)).isEqualTo(new EngineStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  }

  @Test
  void minus_aroundAnEdit_countsOnlyTheEditsWork() {
    Input<String, String> source = Query.input("source");
    Query<String, Integer> lines = Query.of("lines", (ctx, f) -> ctx.get(source, f).split("\n", -1).length);
    Query<List<String>, Integer> total = Query.of("total",
        (ctx, files) -> ctx.getAll(lines, files).stream().mapToInt(Integer::intValue).sum());
    try (Scheduler s = Scheduler.parallel(2); QueryEngine engine = QueryEngine.builder().scheduler(s).build()) {
      engine.set(source, "A", "a");
      engine.set(source, "B", "b\nb");
      assertThat(engine.get(total, List.of("A", "B"))).isEqualTo(3);
      EngineStats before = engine.stats();
      engine.set(source, "A", "x");
      assertThat(engine.get(total, List.of("A", "B"))).isEqualTo(3);
      EngineStats edit = engine.stats().minus(before);
      assertThat(edit.executions()).isEqualTo(1); // lines(A); total is cut off early
      assertThat(edit.reExecutions()).isEqualTo(1);
      assertThat(edit.cutoffs()).isEqualTo(1);
      assertThat(edit.liveMemos()).isZero();
      assertThat(edit.cycles()).isZero();
    }
  }
}
