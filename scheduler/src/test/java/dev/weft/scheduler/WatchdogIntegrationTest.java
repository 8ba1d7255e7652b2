package dev.weft.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.deadlock.StallReport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(60)
class WatchdogIntegrationTest {

  static Stream<Arguments> kinds() {
    return Stream.of(
        Arguments.of("parallel(2)", (Function<Scheduler.Builder, Scheduler.Builder>) b -> b.parallel(2)),
        Arguments.of("deterministic(3)", (Function<Scheduler.Builder, Scheduler.Builder>) b -> b.deterministic(3)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void watchdog_latchNobodyCountsDown_reportsBlockedTaskWithStack(
      String kind, Function<Scheduler.Builder, Scheduler.Builder> mode) {
    List<StallReport> reports = new CopyOnWriteArrayList<>();
    CountDownLatch never = new CountDownLatch(1);
    try (Scheduler s = mode.apply(Scheduler.builder().name("stall-test"))
        .watchdog(Duration.ofMillis(200), reports::add).build()) {
      Task<Object> stuck = s.spawn("stuck-task", () -> {
        never.await();
        return null;
      });
      // Ends once the stuck task is parked: a task's own check, so deterministic mode runs both meanwhile.
      s.spawn("finished-task", () -> {
        while (s.stats().blocked() == 0) {
          Thread.yield();
        }
        return 1;
      }).join();
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !reports.isEmpty());
      StallReport report = reports.getFirst();
      assertThat(report.threadNames()).containsExactly("stuck-task");
      assertThat(report.toString()).contains("CountDownLatch.await");
      never.countDown();
      stuck.join();
    }
  }

  @Test
  void watchdog_nonPositiveQuietPeriod_rejected() {
    assertThatThrownBy(() -> Scheduler.builder().watchdog(Duration.ZERO, r -> {}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
