package dev.weft.flow.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.flow.Pipeline;
import dev.weft.flow.PipelineRun;
import dev.weft.scheduler.Scheduler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

@Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
class PipelineMetricsTest {
  @Test
  void monitor_finishedRun_publishesItemsPerStage() {
    try (Scheduler s = Scheduler.deterministic(3)) {
      PipelineRun run = Pipeline.from(IntStream.range(0, 100).boxed().toList())
          .filter(x -> x % 4 == 0)
          .named("quarter")
          .start(s, x -> { });
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      assertThat(PipelineMetrics.monitor(registry, run, "test", "app", "demo")).isSameAs(run);
      run.join();
      assertThat(registry.get("weft.pipeline.items").tags("stage", "quarter", "direction", "in", "app", "demo")
          .functionCounter().count()).isEqualTo(100);
      assertThat(registry.get("weft.pipeline.items").tags("stage", "quarter", "direction", "out", "pipeline", "test")
          .functionCounter().count()).isEqualTo(25);
      assertThat(registry.get("weft.pipeline.starved").tags("stage", "sink").functionCounter().count())
          .isGreaterThanOrEqualTo(0);
      assertThat(registry.get("weft.pipeline.backpressured").meters()).hasSize(3);
    }
  }
}
