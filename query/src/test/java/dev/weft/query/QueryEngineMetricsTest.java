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
          .functionCounter().count()).isEqualTo(1.0);
      assertThat(registry.get("weft.query.hits").functionCounter().count()).isEqualTo(1.0);
      assertThat(registry.get("weft.query.memos.live").gauge().value()).isEqualTo(1.0);
      assertThat(registry.get("weft.query.revision").gauge().value()).isEqualTo(1.0);
    }
  }
}
