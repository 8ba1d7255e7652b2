package dev.weft.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The examples of README.md and docs/scheduler.md, kept compiling and passing. */
@Timeout(60)
class DocSnippetsTest {

  @Test
  void schedulerGuide_deterministicExample() {
    try (Scheduler scheduler = Scheduler.deterministic(42)) {
      Task<Integer> root = scheduler.spawn("root", () -> {
        Task<Integer> a = scheduler.spawn("a", () -> 1);
        Task<Integer> b = scheduler.spawn("b", () -> 2);
        scheduler.sleep(Duration.ofSeconds(10)); // virtual: returns as soon as nothing else can run
        return a.join() + b.join();
      });
      assertThat(root.join()).isEqualTo(3);
      assertThat(scheduler.now()).isEqualTo(Instant.parse("1970-01-01T00:00:10Z"));
    }
  }
}
