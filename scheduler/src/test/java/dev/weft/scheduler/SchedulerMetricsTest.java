package dev.weft.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class SchedulerMetricsTest {

  @Test
  void bindTo_registry_reportsLiveCountsAndTotals() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Scheduler s = Scheduler.parallel(2)) {
      new SchedulerMetrics(s, Tags.of("scheduler", "test")).bindTo(registry);
      for (int i = 0; i < 3; i++) {
        s.spawn("t" + i, () -> 1).join();
      }
      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch parked = new CountDownLatch(2);
      for (int i = 0; i < 2; i++) {
        s.spawn("p" + i, () -> {
          parked.countDown();
          release.await();
          return null;
        });
      }
      SchedulerTest.awaitUninterruptibly(parked);
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
          registry.get("weft.scheduler.tasks.blocked").tag("scheduler", "test").gauge().value() == 2.0);
      assertThat(registry.get("weft.scheduler.tasks.spawned").functionCounter().count()).isEqualTo(5.0);
      assertThat(registry.get("weft.scheduler.tasks.completed").functionCounter().count()).isEqualTo(3.0);
      assertThat(registry.get("weft.scheduler.carriers").gauge().value()).isEqualTo(2.0);
      assertThat(registry.get("weft.scheduler.foreign.wakeups").functionCounter().count()).isZero();
      release.countDown();
    }
  }
}
