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

  /** {@link Scheduler} class javadoc and docs/scheduler.md: several entry points, still exact. */
  @Test
  void schedulerJavadoc_entryPointsExample() {
    java.util.concurrent.Callable<Integer> body = () -> {
      Thread.yield();
      return 1;
    };
    try (Scheduler s = Scheduler.deterministic(7)) {
      java.util.List<Task<Integer>> tasks = new java.util.ArrayList<>();
      for (int i = 0; i < 12; i++) {
        tasks.add(s.spawn("t" + i, body)); // queued, not started
      }
      for (Task<Integer> t : tasks) {
        t.join();                          // the tasks run while this thread waits
      }
      assertThat(s.stats().completed()).isEqualTo(12);
      assertThat(s.stats().running()).isZero();
    }
  }

  /** {@link Scheduler.Builder#jobserver} javadoc: without MAKEFLAGS the scheduler runs as configured. */
  @Test
  void builderJavadoc_jobserverExample() {
    Scheduler s = Scheduler.builder().parallel(8).jobserver(Jobserver.fromEnvironment()).build();
    try (s) {
      assertThat(s.spawn("t", () -> 1).join()).isEqualTo(1);
      assertThat(s.stats().carriers()).isEqualTo(8);
    }
  }
}
