package dev.weft.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.scheduler.Scheduler;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** The scheduler configurations every flow test runs on, and the after-test check that nothing is left. */
final class Schedulers {
  private Schedulers() {}

  /** A named scheduler factory, so parameterized test names say which one ran. */
  record Config(String name, Supplier<Scheduler> factory) {
    Scheduler create() {
      return factory.get();
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** parallel(2) and deterministic schedulers with several seeds (0 = FIFO). */
  static Stream<Config> all() {
    return Stream.of(
        new Config("parallel(2)", () -> Scheduler.parallel(2)),
        new Config("deterministic(0)", () -> Scheduler.deterministic(0)),
        new Config("deterministic(1)", () -> Scheduler.deterministic(1)),
        new Config("deterministic(42)", () -> Scheduler.deterministic(42)),
        new Config("deterministic(20261123)", () -> Scheduler.deterministic(20261123)));
  }

  /** Deterministic schedulers only. */
  static Stream<Long> seeds() {
    return Stream.of(0L, 1L, 7L, 42L, 20261123L);
  }

  /** Waits until every task of {@code scheduler} has finished, then closes it. */
  static void assertQuietAndClose(Scheduler scheduler) {
    await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.stats().alive() == 0);
    scheduler.close();
    assertThat(scheduler.stats().alive()).isZero();
  }
}
