package dev.weft.flow.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.flow.Pipeline;
import dev.weft.flow.PipelineRun;
import dev.weft.flow.StageStats;
import dev.weft.scheduler.Scheduler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

@Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
class PipelineMetricsTest {
  @Test
  void monitor_finishedRun_publishesItemsAndBlockedTimePerStage() {
    try (Scheduler s = Scheduler.deterministic(3)) {
      PipelineRun run = Pipeline.from(IntStream.range(0, 100).boxed().toList())
          .filter(x -> {
            s.sleep(Duration.ofMillis(1)); // virtual time: the sink waits for this stage, measurably
            return x % 4 == 0;
          })
          .named("quarter")
          .start(s, x -> { });
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      assertThat(PipelineMetrics.monitor(registry, run, "test", "app", "demo")).isSameAs(run);
      run.join();

      List<StageStats> stats = run.stats();
      assertThat(stats).extracting(StageStats::name).containsExactly("source", "quarter", "sink");
      for (StageStats st : stats) {
        assertThat(counter(registry, "weft.pipeline.items", st.name(), "direction", "in")).isEqualTo(st.itemsIn());
        assertThat(counter(registry, "weft.pipeline.items", st.name(), "direction", "out")).isEqualTo(st.itemsOut());
        assertThat(counter(registry, "weft.pipeline.starved", st.name())).isEqualTo(seconds(st.starved()));
        assertThat(counter(registry, "weft.pipeline.backpressured", st.name()))
            .isEqualTo(seconds(st.backpressured()));
      }
      assertThat(counter(registry, "weft.pipeline.items", "quarter", "direction", "in")).isEqualTo(100);
      assertThat(counter(registry, "weft.pipeline.items", "quarter", "direction", "out")).isEqualTo(25);
      assertThat(counter(registry, "weft.pipeline.items", "sink", "direction", "in")).isEqualTo(25);
      // 100 ms of virtual sleeping upstream: the sink spent most of the run waiting for input
      assertThat(counter(registry, "weft.pipeline.starved", "sink")).isGreaterThanOrEqualTo(0.05);
      assertThat(registry.get("weft.pipeline.backpressured").meters()).hasSize(3);
      assertThat(registry.get("weft.pipeline.items").tags("pipeline", "test", "app", "demo").meters()).hasSize(6);
    }
  }

  private static double counter(SimpleMeterRegistry registry, String name, String stage, String... tags) {
    return registry.get(name).tags("stage", stage).tags(tags).functionCounter().count();
  }

  private static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }
}
