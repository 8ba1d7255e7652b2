package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.scheduler.Scheduler;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class QueryEngineMetricsTest {
  @Test
  void bindTo_afterWork_metersFollowStats() {
    try (Scheduler s = Scheduler.parallel(1);
        QueryEngine e = QueryEngine.builder().scheduler(s).name("metered").build()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      new QueryEngineMetrics(e, Tags.of("job", "test")).bindTo(registry);
      Query<Integer, Integer> q = Query.of("q", (ctx, k) -> k + 1);
      e.get(q, 1);
      e.get(q, 1);
      assertThat(registry.get("weft.query.executions").tag("engine", "metered").tag("job", "test")
          .tag("query", "q").tag("outcome", "computed").functionCounter().count()).isEqualTo(1.0);
      assertThat(registry.get("weft.query.duration").tag("query", "q").functionTimer().count()).isEqualTo(1.0);
      assertThat(registry.get("weft.query.hits").functionCounter().count()).isEqualTo(1.0);
      assertThat(registry.get("weft.query.memos.live").gauge().value()).isEqualTo(1.0);
      assertThat(registry.get("weft.query.revision").gauge().value()).isEqualTo(1.0);
    }
  }

  @Test
  void bindTo_perQueryOutcomes_countFailuresAndVerifications() {
    try (Scheduler s = Scheduler.parallel(1);
        QueryEngine e = QueryEngine.builder().scheduler(s).name("outcomes").build()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      new QueryEngineMetrics(e).bindTo(registry);
      Input<Integer, Integer> in = Query.input("in");
      Query<Integer, Integer> half = Query.of("half", (ctx, k) -> {
        int v = ctx.get(in, k);
        if (v % 2 != 0) {
          throw new IllegalArgumentException("odd");
        }
        return v / 2;
      });
      Query<Integer, Integer> other = Query.of("other", (ctx, k) -> 0);
      e.set(in, 1, 2);
      e.set(in, 2, 3);
      e.get(half, 1);
      try {
        e.get(half, 2);
      } catch (QueryFailedException expected) {
        // counted as failed
      }
      e.get(other, 1);
      e.set(in, 3, 0); // a new revision in which half(1) verifies
      e.get(half, 1);
      assertThat(registry.get("weft.query.executions").tag("query", "half").tag("outcome", "computed")
          .functionCounter().count()).isEqualTo(1.0);
      assertThat(registry.get("weft.query.executions").tag("query", "half").tag("outcome", "failed")
          .functionCounter().count()).isEqualTo(1.0);
      assertThat(registry.get("weft.query.executions").tag("query", "half").tag("outcome", "verified")
          .functionCounter().count()).isEqualTo(1.0);
      assertThat(registry.get("weft.query.duration").tag("query", "half").functionTimer().count()).isEqualTo(3.0);
      assertThat(registry.get("weft.query.duration").tag("query", "other").functionTimer().count()).isEqualTo(1.0);
    }
  }

  @Test
  void bindTo_engineWithStore_storeMetersAndReusedOutcome() {
    StoreReuseTest.MemStore store = new StoreReuseTest.MemStore();
    try (Scheduler s = Scheduler.parallel(1)) {
      StoreReuseTest.Program p = new StoreReuseTest.Program();
      try (QueryEngine e = p.engine(s, store)) {
        p.setAll(e, "x y z");
        e.get(p.total, StoreReuseTest.Program.FILES);
      }
      StoreReuseTest.Program q = new StoreReuseTest.Program();
      try (QueryEngine e = q.engine(s, store)) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new QueryEngineMetrics(e).bindTo(registry);
        q.setAll(e, "x y z");
        e.get(q.total, StoreReuseTest.Program.FILES);
        assertThat(registry.get("weft.query.store.reused").functionCounter().count()).isEqualTo(7.0);
        assertThat(registry.get("weft.query.store.lookups").functionCounter().count()).isEqualTo(7.0);
        assertThat(registry.get("weft.query.executions").tag("query", "total").tag("outcome", "reused")
            .functionCounter().count()).isEqualTo(1.0);
        e.checkpoint();
        assertThat(registry.get("weft.query.store.checkpoint.time").functionCounter().count()).isPositive();
      }
    }
  }
}
