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
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Progress of tasks that, as {@link TrackedLock}'s javadoc recommends, release everything and retry when
 * refused. The scenario of issue 20: three tasks take three locks in the orders L0,L2,L1 / L2,L1,L0 /
 * L1,L2,L0, yielding after each acquisition. Before victims were chosen by age, the victim re-took its free
 * first lock at once and closed the same cycle again: {@code deterministic(0)} refused forever, and
 * {@code parallel(2)} with random orders livelocked within a few hundred repetitions.
 *
 * <p>A livelock would not end, so every run counts refusals and fails once they exceed
 * {@link #REFUSAL_BUDGET}: a bound, not a timing. Sizes: the exact scenario under seeds 0..1,000 and a random
 * exploration under 300 seeds in every build; {@code parallel(2)} runs {@value #PARALLEL_REPETITIONS} x
 * {@code -Dweft.stressFactor} repetitions (10,000 in every build; the soak profile's factor 10 gives
 * 100,000).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TrackedLockProgressTest {
  private static final Duration TIMEOUT =
      Duration.ofSeconds(60).multipliedBy(Long.getLong("weft.test.timeoutScale", 1L));
  private static final int FACTOR = Integer.getInteger("weft.stressFactor", 1);
  private static final int SEED_FACTOR = Integer.getInteger("weft.seedFactor", 1);
  static final int PARALLEL_REPETITIONS = 10_000;
  private static final int REFUSAL_BUDGET = 10_000;
  private static final List<List<Integer>> ISSUE_ORDERS = List.of(List.of(0, 2, 1), List.of(2, 1, 0), List.of(1, 2, 0));

  /** The exact scenario under seeds 0..1,000: every run completes, and a seed's refusals replay. */
  @Test
  void issueScenario_deterministicSeeds_everyRunCompletes() {
    int refused = 0;
    for (long seed = 0; seed <= 1_000; seed++) {
      try (Scheduler s = Scheduler.builder().deterministic(seed).strict(true).build()) {
        Run run = run(s, 3, ISSUE_ORDERS, 1);
        assertThat(run.completed()).as("seed %d", seed).isEqualTo(3);
        refused += run.refusals().size();
        if (seed % 100 == 0) {
          try (Scheduler again = Scheduler.builder().deterministic(seed).strict(true).build()) {
            assertThat(run(again, 3, ISSUE_ORDERS, 1)).as("seed %d replays", seed).isEqualTo(run);
          }
        }
      }
    }
    // The orders invert: the scenario is only meaningful if refusals happen.
    assertThat(refused).isPositive();
  }

  /**
   * {@code parallel(2)}: 2 to 8 tasks, each taking the three locks in a random order, repeated; every
   * repetition completes with every lock free and no edge left.
   */
  @Test
  void randomOrders_parallelTwoCarriers_everyRepetitionCompletes() {
    SplittableRandom random = new SplittableRandom(20);
    long refused = 0;
    try (Scheduler s = Scheduler.parallel(2)) {
      for (int rep = 0; rep < PARALLEL_REPETITIONS * FACTOR; rep++) {
        int n = 2 + random.nextInt(7);
        List<List<Integer>> orders = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          orders.add(permutation(random, 3));
        }
        Run run = run(s, 3, orders, 1);
        assertThat(run.completed()).as("repetition %d", rep).isEqualTo(n);
        refused += run.refusals().size();
      }
    }
    assertThat(refused).isPositive();
  }

  /**
   * Exploration of random programs (3 to 5 tasks, 4 locks, 3 transactions each over 2 to 4 locks in random
   * order): every seed completes and replays, and every refusal hits the youngest transaction of its cycle
   * (ages kept across retries), which is the rule that guarantees progress.
   */
  @Test
  void randomPrograms_deterministicSeeds_completeAndRefuseTheYoungest() {
    for (long seed = 1; seed <= 300L * SEED_FACTOR; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      int n = 3 + random.nextInt(3);
      List<List<Integer>> orders = new ArrayList<>();
      for (int i = 0; i < n * 3; i++) {
        List<Integer> p = permutation(random, 4);
        orders.add(p.subList(0, 2 + random.nextInt(3)));
      }
      Run first;
      try (Scheduler s = Scheduler.builder().deterministic(seed).strict(true).build()) {
        first = run(s, 4, orders, 3);
      }
      assertThat(first.completed()).as("seed %d", seed).isEqualTo(n);
      assertThat(first.youngestRefused()).as("seed %d: refusals %s", seed, first.refusals()).isTrue();
      try (Scheduler s = Scheduler.builder().deterministic(seed).strict(true).build()) {
        assertThat(run(s, 4, orders, 3)).as("seed %d replays", seed).isEqualTo(first);
      }
    }
  }

  /**
   * @param refusals "task/transaction" of each refusal, in order
   * @param youngestRefused whether every refused transaction was the youngest of its cycle
   */
  record Run(int completed, List<String> refusals, boolean youngestRefused) {}

  /**
   * Runs {@code tasks = orders.size() / transactions} tasks; task {@code t} runs transactions
   * {@code orders[t * transactions ..]}, each taking its locks in order (yielding after each), then releasing
   * them, and retrying from the start when refused.
   */
  private static Run run(Scheduler s, int lockCount, List<List<Integer>> orders, int transactions) {
    List<TrackedLock> locks = new ArrayList<>();
    for (int i = 0; i < lockCount; i++) {
      locks.add(new TrackedLock("L" + i));
    }
    int tasks = orders.size() / transactions;
    List<String> refusals = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicInteger budget = new AtomicInteger(REFUSAL_BUDGET);
    AtomicLong ages = new AtomicLong();
    Map<Thread, Long> age = new ConcurrentHashMap<>();
    AtomicBoolean youngest = new AtomicBoolean(true);
    Task<Integer> root = s.spawn("root", () -> {
      List<Task<Boolean>> parties = new ArrayList<>();
      for (int t = 0; t < tasks; t++) {
        int task = t;
        parties.add(s.spawn("t" + t, () -> {
          for (int tx = 0; tx < transactions; tx++) {
            List<Integer> order = orders.get(task * transactions + tx);
            // The test's own record of transaction ages, kept across retries like the lock's.
            while (true) {
              try {
                transaction(locks, order, 0, () -> {
                  // runs right after the first lock is taken, before any yield: the lock's own age order
                  age.put(Thread.currentThread(), age.computeIfAbsent(Thread.currentThread(),
                      k -> ages.incrementAndGet()));
                });
                age.remove(Thread.currentThread());
                break;
              } catch (DeadlockException e) {
                refusals.add("t" + task + "/" + tx);
                Long mine = age.get(Thread.currentThread());
                for (Object other : e.cycle()) {
                  Long theirs = age.get((Thread) other);
                  if (other != Thread.currentThread() && theirs != null && mine != null && theirs > mine) {
                    youngest.set(false);
                  }
                }
                if (budget.decrementAndGet() < 0) {
                  throw new AssertionError("more than " + REFUSAL_BUDGET + " refusals: livelock");
                }
              }
            }
          }
          return true;
        }));
      }
      int done = 0;
      for (Task<Boolean> p : parties) {
        done += p.join() ? 1 : 0;
      }
      return done;
    });
    int completed = Waits.join(root, TIMEOUT, () -> "wait-for graph: " + TrackedLock.waitForGraph().edges());
    for (TrackedLock l : locks) {
      assertThat(l.isLocked()).as("%s", l).isFalse();
    }
    assertThat(TrackedLock.waitForGraph().edges()).isEmpty();
    return new Run(completed, List.copyOf(refusals), youngest.get());
  }

  /** Takes {@code order[i..]} nested, yielding after each acquisition to invite inversions. */
  private static void transaction(List<TrackedLock> locks, List<Integer> order, int i, Runnable firstTaken) {
    if (i == order.size()) {
      return;
    }
    TrackedLock lock = locks.get(order.get(i));
    lock.lock();
    try {
      if (i == 0) {
        firstTaken.run();
      }
      Thread.yield();
      transaction(locks, order, i + 1, firstTaken);
    } finally {
      lock.unlock();
    }
  }

  private static List<Integer> permutation(SplittableRandom random, int n) {
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(i);
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      Integer tmp = all.get(i);
      all.set(i, all.get(j));
      all.set(j, tmp);
    }
    return all;
  }
}
