package dev.weft.srctest.deadlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.deadlock.StallReport;
import dev.weft.deadlock.TrackedLock;
import dev.weft.deadlock.Watchdog;
import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import dev.weft.srctest.support.Waits;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The watchdog inspecting Weft tasks: virtual threads on Weft's own carriers, in both scheduler modes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class WatchdogSchedulerTest {
  private static final Duration AWAIT =
      Duration.ofSeconds(20).multipliedBy(Long.getLong("weft.test.timeoutScale", 1L));

  /**
   * Two tasks wait on a latch nobody counts down while a third waits on a tracked lock held by one of them.
   * The report names all three, with the await frames, the lock as blocker and the graph edge. Inspecting
   * them wakes no task, so the deterministic run counts no foreign wakeup until the test itself releases the
   * latch from outside.
   */
  @Test
  void watchdog_deterministicTasksStalled_reportsTasksWithoutForeignWakeups() {
    runStall(Scheduler.builder().deterministic(7).name("stall-deterministic").build(), true);
  }

  @Test
  void watchdog_parallelTasksStalled_reportsTasks() {
    runStall(Scheduler.parallel(2), false);
  }

  private static void runStall(Scheduler scheduler, boolean deterministic) {
    List<Thread> tasks = new CopyOnWriteArrayList<>();
    List<StallReport> reports = new CopyOnWriteArrayList<>();
    CountDownLatch never = new CountDownLatch(1);
    TrackedLock lock = new TrackedLock("config");
    CountDownLatch lockHeld = new CountDownLatch(1);
    try (scheduler) {
      Task<Void> root = scheduler.spawn("root", () -> {
        tasks.add(Thread.currentThread());
        scheduler.spawn("holder", () -> {
          tasks.add(Thread.currentThread());
          lock.lock();
          try {
            lockHeld.countDown();
            never.await();
          } finally {
            lock.unlock();
          }
          return null;
        });
        lockHeld.await();
        scheduler.spawn("lock-waiter", () -> {
          tasks.add(Thread.currentThread());
          lock.lock();
          lock.unlock();
          return null;
        });
        never.await();
        return null;
      });
      try {
        check(scheduler, deterministic, tasks, reports);
      } finally {
        never.countDown();
      }
      root.join();
    }
  }

  private static void check(Scheduler scheduler, boolean deterministic, List<Thread> tasks,
      List<StallReport> reports) {
    // Watch once all three are blocked, so that the one report of the episode covers them all. Checked by a
    // task, so that a deterministic scheduler runs the others meanwhile (it runs tasks only while a thread
    // outside it waits on it) and then stays still.
    Waits.join(scheduler.spawn("until-blocked", () -> {
      while (!(tasks.size() == 3 && tasks.stream().allMatch(t -> t.getState() == Thread.State.WAITING)
          && TrackedLock.waitForGraph().size() == 1)) {
        Thread.yield();
      }
      return null;
    }), AWAIT, () -> "tasks " + tasks + "; wait-for graph: " + TrackedLock.waitForGraph().edges());
    try (Watchdog watchdog = Watchdog.builder()
        .name("scheduler-watchdog")
        .threads(() -> tasks)
        .progress(() -> scheduler.stats().completed())
        .graph(TrackedLock.waitForGraph())
        .quietPeriod(Duration.ofMillis(50))
        .pollInterval(Duration.ofMillis(10))
        .listener(reports::add)
        .start()) {
      await().atMost(AWAIT).until(() -> !reports.isEmpty());
    }
    if (deterministic) {
      assertThat(scheduler.stats().foreignWakeups()).isZero();
    }
    StallReport report = reports.getFirst();
    assertThat(report.threadNames()).containsExactlyInAnyOrder("root", "holder", "lock-waiter");
    assertThat(report.threads()).allSatisfy(t -> assertThat(t.virtual()).isTrue());
    StallReport.BlockedThread waiter = report.threads().stream()
        .filter(t -> t.name().equals("lock-waiter")).findFirst().orElseThrow();
    assertThat(waiter.blocker()).isEqualTo("TrackedLock[config, held by \"holder\"]");
    assertThat(waiter.stack()).anySatisfy(f -> assertThat(f.getMethodName()).isEqualTo("lock"));
    assertThat(report.threads()).filteredOn(t -> !t.name().equals("lock-waiter"))
        .allSatisfy(t -> assertThat(t.stack()).anySatisfy(f -> assertThat(f.getMethodName()).isEqualTo("await")));
    assertThat(report.waitsFor()).hasSize(1);
    assertThat(report.toString()).contains("\"lock-waiter\" -> \"holder\"");
  }
}
