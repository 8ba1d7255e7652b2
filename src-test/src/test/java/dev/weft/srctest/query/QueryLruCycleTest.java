package dev.weft.srctest.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.weft.query.CycleException;
import dev.weft.query.Query;
import dev.weft.query.QueryEngine;
import dev.weft.scheduler.Scheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A cycle member whose memo is evicted by {@code withLru} must keep its cycle outcome within the revision.
 * Found by {@link QueryDifferentialTest} (seed 15 with LRU enabled on every program).
 */
@Timeout(30)
class QueryLruCycleTest {

  // a(1) -> b(1) -> a(1); a has no fallback and an LRU of 1, b has a fallback. a(1) fails with the cycle.
  // Reading a(100) (not on any cycle) evicts a(1). Reading a(1) again in the same revision must give the
  // cycle's verdict again; re-running its body would read b(1)'s fallback as an ordinary value.
  @Test
  void get_cycleMemberEvictedByLru_stillFailsWithCycle() {
    Net net = new Net();
    Query<Integer, Integer> a = net.put(Query.<Integer, Integer>of("a",
        (ctx, k) -> k >= 100 ? k : 1 + ctx.get(net.get("b"), k)).withLru(1));
    net.add("b", -50, 0, "a");
    String cycle = Net.cycle("a(1)", "b(1)");
    try (Scheduler scheduler = Scheduler.deterministic(1);
        QueryEngine engine = QueryEngine.builder().scheduler(scheduler).build()) {
      assertThat(catchThrowable(() -> engine.get(a, 1))).isInstanceOf(CycleException.class).hasMessage(cycle);
      assertThat(engine.get(a, 100)).isEqualTo(100);
      assertThat(catchThrowable(() -> engine.get(a, 1))).as("a(1) after eviction, same revision")
          .isInstanceOf(CycleException.class).hasMessage(cycle);
    }
  }
}
