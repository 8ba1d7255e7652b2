package dev.weft.srctest.deadlock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.deadlock.DeadlockException;
import dev.weft.deadlock.TrackedLock;
import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import dev.weft.srctest.support.Waits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Schedule exploration: tasks run transactions that take two or three of a few tracked locks in random
 * order (so inversions are frequent), and retry a transaction when it is refused. Every run must terminate
 * with every transaction applied exactly once, every refusal must carry a cycle of at least two threads, and
 * under a deterministic scheduler the whole history (who was refused, in which transaction) replays.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TrackedLockExplorationTest {
  private static final Duration TIMEOUT =
      Duration.ofSeconds(30).multipliedBy(Long.getLong("weft.test.timeoutScale", 1L));
  private static final int TASKS = 4;
  private static final int LOCKS = 3;
  private static final int TRANSACTIONS = 30;

  @Test
  void randomLockOrders_deterministicSeeds_terminateAndReplay() {
    long refusalsSeen = 0;
    for (long seed = 1; seed <= 40; seed++) {
      List<String> first = run(Scheduler.builder().deterministic(seed).strict(true).build(), seed);
      List<String> replay = run(Scheduler.builder().deterministic(seed).strict(true).build(), seed);
      assertThat(replay).as("seed %d replays", seed).isEqualTo(first);
      refusalsSeen += first.size();
    }
    // The programs invert lock orders constantly; the exploration is only meaningful if refusals happen.
    assertThat(refusalsSeen).isPositive();
  }

  @Test
  void randomLockOrders_parallelTwoCarriers_terminate() {
    for (long round = 1; round <= 10; round++) {
      run(Scheduler.parallel(2), round);
    }
  }

  /** Runs one program; returns the refusals in the order they happened, as "task/transaction". */
  private static List<String> run(Scheduler scheduler, long programSeed) {
    List<TrackedLock> locks = new ArrayList<>();
    for (int i = 0; i < LOCKS; i++) {
      locks.add(new TrackedLock("X" + i));
    }
    long[] counters = new long[LOCKS];
    List<String> refusals = new java.util.concurrent.CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(TASKS);
    try (scheduler) {
      Task<List<Task<Void>>> root = scheduler.spawn("root", () -> {
        List<Task<Void>> tasks = new ArrayList<>();
        for (int t = 0; t < TASKS; t++) {
          int task = t;
          tasks.add(scheduler.spawn("t-" + t, () -> {
            try {
              Random random = new Random(programSeed * 31 + task);
              for (int tx = 0; tx < TRANSACTIONS; tx++) {
                List<Integer> order = pick(random);
                while (true) {
                  try {
                    transaction(locks, counters, order, 0);
                    break;
                  } catch (DeadlockException e) {
                    assertThat(e.cycle().size()).isGreaterThanOrEqualTo(2);
                    refusals.add("t-" + task + "/" + tx);
                  }
                }
              }
              return null;
            } finally {
              done.countDown();
            }
          }));
        }
        return tasks;
      });
      Waits.await(scheduler, done, TIMEOUT,
          () -> "program " + programSeed + "; wait-for graph: " + TrackedLock.waitForGraph().edges());
      root.join().forEach(Task::join);
    }
    // Replay the random choices to know how often each lock's counter was incremented.
    long[] expected = new long[LOCKS];
    for (int task = 0; task < TASKS; task++) {
      Random random = new Random(programSeed * 31 + task);
      for (int tx = 0; tx < TRANSACTIONS; tx++) {
        for (int l : pick(random)) {
          expected[l]++;
        }
      }
    }
    assertThat(counters).isEqualTo(expected);
    assertThat(TrackedLock.waitForGraph().edges()).isEmpty();
    return refusals;
  }

  /** Two or three distinct locks in random order. */
  private static List<Integer> pick(Random random) {
    List<Integer> all = new ArrayList<>(List.of(0, 1, 2));
    java.util.Collections.shuffle(all, random);
    return all.subList(0, 2 + random.nextInt(2));
  }

  /** Takes the locks of {@code order} from {@code i} on, nested, yielding between them to invite inversions. */
  private static void transaction(List<TrackedLock> locks, long[] counters, List<Integer> order, int i) {
    if (i == order.size()) {
      return;
    }
    TrackedLock lock = locks.get(order.get(i));
    lock.lock();
    try {
      counters[order.get(i)]++;
      Thread.yield();
      transaction(locks, counters, order, i + 1);
    } catch (DeadlockException e) {
      counters[order.get(i)]--; // undo this transaction's write before its locks are released
      throw e;
    } finally {
      lock.unlock();
    }
  }
}
