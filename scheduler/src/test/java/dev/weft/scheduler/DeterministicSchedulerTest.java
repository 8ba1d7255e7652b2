package dev.weft.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.LongStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(120)
class DeterministicSchedulerTest {

  /**
   * A workload with a lock, a condition (bounded buffer), yields, nested spawns and joins. Every step appends
   * to the log; only one task runs at a time, so the log is the interleaving.
   */
  static List<String> run(long seed) {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    try (Scheduler s = Scheduler.deterministic(seed)) {
      s.spawn("root", () -> {
        ReentrantLock lock = new ReentrantLock();
        Condition notFull = lock.newCondition();
        Condition notEmpty = lock.newCondition();
        ArrayList<Integer> buffer = new ArrayList<>();
        List<Task<Integer>> tasks = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
          int producer = p;
          tasks.add(s.spawn("producer-" + p, () -> {
            for (int i = 0; i < 5; i++) {
              lock.lock();
              try {
                while (buffer.size() >= 2) {
                  notFull.await();
                }
                buffer.add(producer * 100 + i);
                log.add("put " + (producer * 100 + i));
                notEmpty.signal();
              } finally {
                lock.unlock();
              }
              Thread.yield();
            }
            return 0;
          }));
        }
        for (int c = 0; c < 2; c++) {
          int consumer = c;
          tasks.add(s.spawn("consumer-" + c, () -> {
            int sum = 0;
            for (int i = 0; i < (consumer == 0 ? 7 : 8); i++) {
              int v;
              lock.lock();
              try {
                while (buffer.isEmpty()) {
                  notEmpty.await();
                }
                v = buffer.remove(0);
                notFull.signal();
              } finally {
                lock.unlock();
              }
              log.add("c" + consumer + " took " + v);
              sum += s.spawn("square-" + v, () -> v * v).join();
            }
            return sum;
          }));
        }
        int total = 0;
        for (Task<Integer> t : tasks) {
          total += t.join();
        }
        log.add("total " + total);
        return total;
      }).join();
      assertThat(s.stats().foreignWakeups()).isZero();
    }
    return log;
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {0, 1, 2, 42, 1234567, -99, Long.MAX_VALUE})
  void sameSeed_manyRuns_identicalEventLogs(long seed) {
    List<String> first = run(seed);
    assertThat(first).hasSize(15 + 15 + 1);
    for (int i = 0; i < 15; i++) {
      assertThat(run(seed)).as("run %d of seed %d", i, seed).isEqualTo(first);
    }
  }

  @Test
  void differentSeeds_produceDifferentSchedules() {
    Set<List<String>> distinct = new HashSet<>();
    LongStream.rangeClosed(1, 20).forEach(seed -> distinct.add(run(seed)));
    assertThat(distinct).hasSizeGreaterThan(5);
  }

  @Test
  void seedZero_runsReadyTasksInFifoOrder() {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    try (Scheduler s = Scheduler.deterministic(0)) {
      s.spawn("root", () -> {
        List<Task<Object>> tasks = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          String name = "t" + i;
          tasks.add(s.spawn(name, () -> log.add(name)));
        }
        tasks.forEach(Task::join);
        return null;
      }).join();
    }
    assertThat(log).containsExactly("t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9");
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {0, 7, 99})
  void sleep_virtualClock_wakesByDeadlineThenRegistrationOrder(long seed) {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    try (Scheduler s = Scheduler.deterministic(seed)) {
      assertThat(s.now()).isEqualTo(Instant.EPOCH);
      s.spawn("root", () -> {
        List<Task<Object>> tasks = new ArrayList<>();
        long[] millis = {300, 100, 200, 100, 10_000_000};
        for (int i = 0; i < millis.length; i++) {
          String name = "s" + i;
          Duration d = Duration.ofMillis(millis[i]);
          tasks.add(s.spawn(name, () -> {
            s.sleep(d);
            return log.add(name + "@" + s.now().toEpochMilli());
          }));
        }
        tasks.forEach(Task::join);
        return null;
      }).join();
      // Ties (s1 and s3 at 100 ms) keep the order in which the sleeps were registered, which depends on the
      // seed; deadlines order everything else.
      assertThat(log).hasSize(5);
      assertThat(log.subList(0, 2)).containsExactlyInAnyOrder("s1@100", "s3@100");
      assertThat(log.subList(2, 5)).containsExactly("s2@200", "s0@300", "s4@10000000");
      assertThat(s.now()).isEqualTo(Instant.ofEpochMilli(10_000_000));
    }
  }

  @Test
  void sleep_clockAdvancesOnlyWhenNoTaskCanRun() {
    try (Scheduler s = Scheduler.deterministic(3)) {
      long[] seenBySpinner = new long[1];
      s.spawn("root", () -> {
        Task<Object> sleeper = s.spawn("sleeper", () -> {
          s.sleep(Duration.ofSeconds(5));
          return null;
        });
        Task<Object> spinner = s.spawn("spinner", () -> {
          for (int i = 0; i < 1000; i++) {
            Thread.yield();
          }
          seenBySpinner[0] = s.now().toEpochMilli();
          return null;
        });
        spinner.join();
        sleeper.join();
        return null;
      }).join();
      assertThat(seenBySpinner[0]).isZero();
      assertThat(s.now()).isEqualTo(Instant.ofEpochSecond(5));
    }
  }

  /** Parks a task, then wakes it from the test's platform thread: a wakeup the scheduler did not order. */
  static Task<Object> wakeFromOutside(Scheduler s) {
    CountDownLatch latch = new CountDownLatch(1);
    Task<Object> t = s.spawn("waiter", () -> {
      latch.await();
      return null;
    });
    // Checked by a task: the waiter is parked when the other live task is the checker itself.
    Waits.until(s, () -> s.stats().blocked() == 1);
    latch.countDown();
    return t;
  }

  @Test
  void wakeupFromPlatformThread_countedAsForeign() {
    try (Scheduler s = Scheduler.deterministic(5)) {
      wakeFromOutside(s).join();
      assertThat(s.stats().foreignWakeups()).isEqualTo(1);
    }
  }

  @Test
  void strict_foreignWakeup_failsJoinAndClose() {
    Scheduler s = Scheduler.builder().deterministic(5).strict(true).build();
    Task<Object> t = wakeFromOutside(s);
    assertThatThrownBy(t::join).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("strict").hasMessageContaining("Scheduler.sleep");
    assertThatThrownBy(s::close).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void externalSpawn_isAnEntryPoint_notAForeignWakeup() {
    try (Scheduler s = Scheduler.deterministic(9)) {
      for (int i = 0; i < 5; i++) {
        s.spawn("entry-" + i, () -> 1).join();
      }
      assertThat(s.stats().foreignWakeups()).isZero();
    }
  }

  @Test
  void stats_reportsOneCarrierAndDeterministic() {
    try (Scheduler s = Scheduler.deterministic(1)) {
      SchedulerStats stats = s.stats();
      assertThat(stats.carriers()).isEqualTo(1);
      assertThat(stats.deterministic()).isTrue();
      assertThat(s.isDeterministic()).isTrue();
    }
  }

  /**
   * A platform thread holds the scheduler's lock while a task on the carrier needs it. If the task queued for
   * the lock it would unmount, the carrier loop would queue behind it, and the release would wake only the
   * task, which needs the carrier: nothing would ever run again.
   */
  @ParameterizedTest
  @ValueSource(longs = {0, 1, 2, 3})
  void lockHeldOutside_whileATaskNeedsIt_theCarrierKeepsRunning(long seed) throws Exception {
    DeterministicScheduler s = (DeterministicScheduler) Scheduler.deterministic(seed);
    boolean ran = false;
    try {
      AtomicBoolean mounted = new AtomicBoolean();
      AtomicBoolean go = new AtomicBoolean();
      Task<Integer> sleeper = s.spawn("sleeper", () -> {
        mounted.set(true);
        while (!go.get()) {
          Thread.onSpinWait();
        }
        s.sleep(Duration.ofMillis(1)); // takes the lock
        return 1;
      });
      Task<Integer> other = s.spawn("other", () -> 2);
      // A thread waiting on the scheduler lets its tasks run (the gate); this one waits for both.
      CompletableFuture<Integer> joined = CompletableFuture.supplyAsync(() -> sleeper.join() + other.join());
      // While the sleeper spins it occupies the carrier, so the loop cannot be waiting for the lock yet.
      Awaitility.await().atMost(Duration.ofSeconds(30)).untilTrue(mounted);
      s.lock().lock();
      try {
        go.set(true);
        // Either the task queued behind the lock (and the loop after it), or the carrier is spinning for it.
        Awaitility.await().atMost(Duration.ofSeconds(30))
            .until(() -> s.lock().getQueueLength() >= 2 || s.carrierSpins() > 0);
      } finally {
        s.lock().unlock();
      }
      assertThat(joined.get(30, TimeUnit.SECONDS)).isEqualTo(3);
      ran = true;
      assertThat(s.stats().foreignWakeups()).isZero();
    } finally {
      if (ran) {
        s.close(); // after a hang close() would wait for the stuck tasks too; the carrier is a daemon
      }
    }
  }

  /**
   * Tasks end while a platform thread closes a strict scheduler. An ending task must not wait for anything the
   * closer holds: being woken by the closer would be a foreign wakeup, which strict mode reports.
   */
  @Test
  void strict_closeWhileTasksEnd_noForeignWakeup() {
    for (int round = 0; round < 300; round++) {
      Scheduler s = Scheduler.builder().deterministic(round).strict(true).build();
      for (int i = 0; i < 8; i++) {
        s.spawn("t" + i, () -> {
          for (int y = 0; y < 3; y++) {
            Thread.yield();
          }
          return null;
        });
      }
      s.close(); // strict: throws if any task was woken from outside
      assertThat(s.stats().foreignWakeups()).as("round %d", round).isZero();
    }
  }
}
