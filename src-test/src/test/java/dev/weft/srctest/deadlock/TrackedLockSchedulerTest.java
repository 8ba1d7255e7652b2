package dev.weft.srctest.deadlock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.deadlock.DeadlockException;
import dev.weft.deadlock.TrackedLock;
import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import dev.weft.srctest.support.Waits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Lock-order inversions among {@link TrackedLock}s run as Weft tasks: N tasks each take lock i, meet at a
 * barrier (so each holds its first lock), then want lock i+1 (mod N). Exactly one task is refused with the
 * whole cycle; the others finish once it has released its lock. Under a deterministic scheduler the refused
 * task, and its message, are a function of the seed: the same in every run.
 *
 * <p>The barrier is a {@link CyclicBarrier}, which blocks through {@code ReentrantLock}/{@code Condition}, so
 * in deterministic mode every wakeup comes from another task; the schedulers are strict, so a foreign wakeup
 * fails the run.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TrackedLockSchedulerTest {
  private static final Duration TIMEOUT =
      Duration.ofSeconds(20).multipliedBy(Long.getLong("weft.test.timeoutScale", 1L));
  private static final int SEEDS = 100;

  /** The outcome of one inversion: the refused task's name and exception message. */
  private record Outcome(String victim, String message, List<String> cycle) {}

  @ParameterizedTest(name = "{0} parties")
  @ValueSource(ints = {2, 3, 5})
  void inversion_parallelTwoCarriers_exactlyOneVictim(int n) {
    for (int round = 0; round < 100; round++) {
      try (Scheduler scheduler = Scheduler.parallel(2)) {
        Outcome outcome = invert(scheduler, n);
        assertThat(outcome.cycle()).hasSize(n);
      }
    }
  }

  @ParameterizedTest(name = "{0} parties")
  @ValueSource(ints = {2, 3, 4})
  void inversion_deterministicSeeds_exactlyOneVictimReplayed(int n) {
    Set<String> victims = new HashSet<>();
    for (long seed = 0; seed < SEEDS; seed++) {
      Outcome first = runDeterministic(seed, n);
      Outcome replay = runDeterministic(seed, n);
      assertThat(replay).as("seed %d replays", seed).isEqualTo(first);
      victims.add(first.victim());
    }
    // The seed, not only the program, decides who closes the cycle.
    assertThat(victims).hasSizeGreaterThan(1);
  }

  /**
   * The refused task retries at once, as user code catching {@link DeadlockException} would. Its unlock hands
   * its lock to the task it blocked, so the retry queues behind it: one refusal per run in total, every task
   * completes, and the per-task refusal counts replay under each seed.
   */
  @ParameterizedTest(name = "{0} parties")
  @ValueSource(ints = {2, 3})
  void inversionWithRetry_deterministicSeeds_oneRefusalReplayed(int n) {
    for (long seed = 0; seed < 50; seed++) {
      List<Integer> first = runRetry(Scheduler.builder().deterministic(seed).strict(true).build(), n);
      List<Integer> replay = runRetry(Scheduler.builder().deterministic(seed).strict(true).build(), n);
      assertThat(replay).as("seed %d replays", seed).isEqualTo(first);
      assertThat(first.stream().mapToInt(Integer::intValue).sum()).as("seed %d", seed).isEqualTo(1);
    }
  }

  @ParameterizedTest(name = "{0} parties")
  @ValueSource(ints = {2, 3})
  void inversionWithRetry_parallelTwoCarriers_oneRefusal(int n) {
    for (int round = 0; round < 50; round++) {
      List<Integer> refusals = runRetry(Scheduler.parallel(2), n);
      assertThat(refusals.stream().mapToInt(Integer::intValue).sum()).as("round %d", round).isEqualTo(1);
    }
  }

  /** Returns how often each task was refused before it completed. */
  private static List<Integer> runRetry(Scheduler scheduler, int n) {
    List<TrackedLock> locks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      locks.add(new TrackedLock("R" + i));
    }
    CyclicBarrier barrier = new CyclicBarrier(n);
    CountDownLatch done = new CountDownLatch(n);
    try (scheduler) {
      Task<List<Task<Integer>>> root = scheduler.spawn("root", () -> {
        List<Task<Integer>> parties = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          int index = i;
          parties.add(scheduler.spawn("r-" + i, () -> {
            try {
              int refused = 0;
              boolean firstAttempt = true;
              while (true) {
                try {
                  locks.get(index).lock();
                  try {
                    if (firstAttempt) {
                      firstAttempt = false;
                      barrier.await();
                    }
                    locks.get((index + 1) % n).lock();
                    locks.get((index + 1) % n).unlock();
                  } finally {
                    locks.get(index).unlock();
                  }
                  return refused;
                } catch (DeadlockException e) {
                  refused++;
                }
              }
            } finally {
              done.countDown();
            }
          }));
        }
        return parties;
      });
      awaitOrDump(scheduler, done, root);
      return root.join().stream().map(Task::join).toList();
    }
  }

  private static Outcome runDeterministic(long seed, int n) {
    try (Scheduler scheduler = Scheduler.builder().deterministic(seed).strict(true).name("seed-" + seed).build()) {
      Outcome outcome = invert(scheduler, n);
      assertThat(scheduler.stats().foreignWakeups()).isZero();
      return outcome;
    }
  }

  /**
   * Runs one N-party inversion on {@code scheduler}, checks that exactly one task was refused with the full
   * cycle and every lock ended free, and returns the refusal.
   */
  private static Outcome invert(Scheduler scheduler, int n) {
    List<TrackedLock> locks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      locks.add(new TrackedLock("L" + i));
    }
    CyclicBarrier barrier = new CyclicBarrier(n);
    CountDownLatch done = new CountDownLatch(n);
    // One entry point: a root task spawns the parties, so their order is the scheduler's, not the test's.
    Task<List<Task<DeadlockException>>> root = scheduler.spawn("root", () -> {
      List<Task<DeadlockException>> parties = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int index = i;
        parties.add(scheduler.spawn("p-" + i, () -> {
          try {
            TrackedLock first = locks.get(index);
            TrackedLock second = locks.get((index + 1) % n);
            first.lock();
            try {
              barrier.await();
              second.lock();
              second.unlock();
              return null;
            } catch (DeadlockException e) {
              return e;
            } finally {
              first.unlock();
            }
          } finally {
            done.countDown();
          }
        }));
      }
      return parties;
    });
    awaitOrDump(scheduler, done, root);
    List<Task<DeadlockException>> tasks = root.join();
    List<DeadlockException> refused = tasks.stream().map(Task::join).filter(Objects::nonNull).toList();
    assertThat(refused).hasSize(1);
    DeadlockException e = refused.getFirst();
    String victim = tasks.stream().filter(t -> t.join() != null).findFirst().orElseThrow().name();
    List<String> cycle = e.cycle().stream().map(t -> ((Thread) t).getName()).toList();
    // Tasks are created in index order, so the canonical rotation starts at p-0.
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      expected.add("p-" + i);
    }
    assertThat(cycle).isEqualTo(expected);
    assertThat(e.getMessage()).startsWith("deadlock: \"" + victim + "\" ");
    for (TrackedLock l : locks) {
      assertThat(l.isLocked()).isFalse();
    }
    assertThat(TrackedLock.waitForGraph().edges()).isEmpty();
    return new Outcome(victim, e.getMessage(), cycle);
  }

  private static void awaitOrDump(Scheduler scheduler, CountDownLatch done, Task<?> root) {
    Waits.await(scheduler, done, TIMEOUT,
        () -> root + "\nwait-for graph: " + TrackedLock.waitForGraph().edges());
  }
}
