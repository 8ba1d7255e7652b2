package dev.weft.srctest.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.scheduler.Scheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Strict deterministic mode must accept a program started from outside the scheduler while the scheduler is
 * idle: that submission happens at a point the program controls, so it cannot change the interleaving.
 */
@Timeout(30)
class DeterministicStrictTest {

  @Test
  void spawnFromOutsideWhileIdle_strict_isNotAForeignWakeup() {
    try (Scheduler s = Scheduler.builder().deterministic(1).strict(true).build()) {
      assertThat(s.spawn("root", () -> s.spawn("child", () -> 41).join() + 1).join()).isEqualTo(42);
      assertThat(s.stats().foreignWakeups()).isZero();
    }
  }
}
