package dev.weft.srctest.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Schedulers with null or invalid arguments, reentrant close and use after close. */
@Timeout(30)
class SchedulerBadInputTest {

  @Test
  void factories_invalidArguments_throw() {
    assertThatThrownBy(() -> Scheduler.parallel(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0");
    assertThatThrownBy(() -> Scheduler.builder().name(" ")).isInstanceOf(IllegalArgumentException.class);
    // one convention for every builder of Weft: null is a NullPointerException, blank an IllegalArgumentException
    assertThatThrownBy(() -> Scheduler.builder().name(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void spawn_nullArguments_throwAndSchedulerStillWorks() {
    for (Scheduler s : new Scheduler[] {Scheduler.parallel(2), Scheduler.deterministic(3)}) {
      try (s) {
        assertThatThrownBy(() -> s.spawn(null, () -> 1)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> s.spawn("x", null)).isInstanceOf(NullPointerException.class);
        assertThat(s.spawn("ok", () -> 1).join()).isEqualTo(1);
      }
    }
  }

  @Test
  void close_fromOwnTask_throwsIllegalStateAndCloseFromOutsideWorks() {
    for (Scheduler s : new Scheduler[] {Scheduler.parallel(2), Scheduler.deterministic(3)}) {
      Task<Void> task = s.spawn("closer", () -> {
        s.close();
        return null;
      });
      assertThatThrownBy(task::join).isInstanceOf(IllegalStateException.class);
      s.close();
      s.close(); // idempotent
      assertThatThrownBy(() -> s.spawn("late", () -> 1)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("closed");
    }
  }

  @Test
  void join_checkedExceptionAndNegativeSleep_wrappedAndIgnored() {
    try (Scheduler s = Scheduler.deterministic(5)) {
      Task<Object> t = s.spawn("checked", () -> {
        throw new java.io.IOException("io");
      });
      assertThatThrownBy(t::join).isInstanceOf(CompletionException.class)
          .hasCauseInstanceOf(java.io.IOException.class);
      assertThat(s.spawn("sleeper", () -> {
        s.sleep(Duration.ofSeconds(-1));
        s.sleep(Duration.ZERO);
        return s.now();
      }).join()).isEqualTo(java.time.Instant.EPOCH);
    }
  }
}
