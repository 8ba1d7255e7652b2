package dev.weft.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Deterministic runs with several entry points (DESIGN.md section 2, "Many entry points, still exact"): tasks
 * spawned from a thread outside the scheduler run only while an outside thread waits on it, so the program of
 * {@link TokenRing} replays exactly, in this JVM and in others, and its stats are exact.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DeterministicEntryPointsTest {
  private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);
  private static final long[] SEEDS = {0, 7, 42, -3};

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {0, 7, 42, -3})
  void tokenRing_spawnedFromMain_replaysExactly(long seed) {
    String first = TokenRing.run(seed);
    for (int i = 0; i < 150; i++) {
      assertThat(TokenRing.run(seed)).as("run %d of seed %d", i, seed).isEqualTo(first);
    }
  }

  @Test
  void tokenRing_differentSeeds_differentInterleavings() {
    Set<String> paths = new HashSet<>();
    for (long seed = 1; seed <= 10; seed++) {
      paths.add(TokenRing.run(seed));
    }
    assertThat(paths).hasSizeGreaterThan(5);
  }

  @Test
  void tokenRing_otherJvms_sameInterleavings() throws Exception {
    Map<Long, String> here = new java.util.LinkedHashMap<>();
    List<String> args = new ArrayList<>();
    for (long seed : SEEDS) {
      here.put(seed, seed + " " + TokenRing.run(seed));
      args.add(Long.toString(seed));
    }
    for (int jvm = 0; jvm < 2; jvm++) {
      String out = ChildJvm.run(CHILD_TIMEOUT, TokenRing.class, args.toArray(String[]::new));
      List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
      assertThat(lines).as("child JVM %d", jvm).containsExactlyElementsOf(here.values());
    }
  }

  @Test
  void stats_afterJoiningEveryTask_exactEveryRun() {
    SchedulerStats expected = new SchedulerStats(1, TokenRing.TASKS, TokenRing.TASKS, 0, 0, 0, 0, true, true);
    for (int i = 0; i < 200; i++) {
      String result = TokenRing.run(7);
      assertThat(result).as("run %d", i).endsWith(" | " + expected);
    }
  }

  @Test
  void spawnFromOutside_beforeAnyWait_taskDoesNotStart() {
    try (Scheduler s = Scheduler.deterministic(3)) {
      AtomicBoolean ran = new AtomicBoolean();
      Task<Object> t = s.spawn("held", () -> {
        ran.set(true);
        return null;
      });
      assertThat(ran).isFalse();
      assertThat(s.stats()).isEqualTo(new SchedulerStats(1, 1, 0, 0, 1, 0, 0, true, true));
      t.join();
      assertThat(ran).isTrue();
      assertThat(s.stats()).isEqualTo(new SchedulerStats(1, 1, 1, 0, 0, 0, 0, true, true));
    }
  }

  /** main spawns a and b, joins a; b is paused where it stood when a ended, and resumes at the next wait. */
  @Test
  void joinFromOutside_returns_otherTasksPauseUntilNextWait() {
    try (Scheduler s = Scheduler.deterministic(0)) {
      List<String> log = new ArrayList<>();
      Task<Object> a = s.spawn("a", () -> {
        log.add("a1");
        Thread.yield();
        log.add("a2");
        return null;
      });
      Task<Object> b = s.spawn("b", () -> {
        for (int i = 1; i <= 4; i++) {
          log.add("b" + i);
          Thread.yield();
        }
        return null;
      });
      a.join();
      // FIFO: a1 b1 a2 (a ends) -- b is queued and stays so while main runs.
      assertThat(log).containsExactly("a1", "b1", "a2");
      assertThat(s.stats().queued()).isEqualTo(1);
      b.join();
      assertThat(log).containsExactly("a1", "b1", "a2", "b2", "b3", "b4");
    }
  }

  @Test
  void sleepFromOutside_runsTasksAndAdvancesTheClock() {
    try (Scheduler s = Scheduler.deterministic(5)) {
      List<String> log = new ArrayList<>();
      s.spawn("sleeper", () -> {
        s.sleep(Duration.ofSeconds(2));
        log.add("sleeper@" + s.now().getEpochSecond());
        return null;
      });
      s.sleep(Duration.ofSeconds(3));
      assertThat(log).containsExactly("sleeper@2");
      assertThat(s.now()).isEqualTo(Instant.ofEpochSecond(3));
    }
  }

  @Test
  void close_runsTasksNobodyJoined() {
    AtomicBoolean ran = new AtomicBoolean();
    Scheduler s = Scheduler.deterministic(11);
    s.spawn("unjoined", () -> {
      ran.set(true);
      return null;
    });
    s.close();
    assertThat(ran).isTrue();
    assertThat(s.stats().completed()).isEqualTo(1);
  }

  @Test
  void joinFromOutside_interrupted_throwsCancellationAndWithdrawsTheWait() throws Exception {
    try (Scheduler s = Scheduler.deterministic(1)) {
      CountDownLatch never = new CountDownLatch(1);
      Task<Object> parked = s.spawn("parked", () -> {
        never.await();
        return null;
      });
      AtomicReference<Throwable> thrown = new AtomicReference<>();
      Thread joiner = Thread.ofPlatform().start(() -> {
        try {
          parked.join();
        } catch (Throwable e) {
          thrown.set(e);
        }
      });
      // The task parks on the latch once the joiner's wait opened the gate.
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> s.stats().blocked() == 1);
      joiner.interrupt();
      joiner.join();
      assertThat(thrown.get()).isInstanceOf(CancellationException.class);
      parked.cancel();
      assertThatThrownBy(parked::join).isInstanceOf(CancellationException.class);
    }
  }

  /**
   * main spawns a task, then waits on a latch the task counts down, not on the scheduler. The task cannot
   * start while main runs; the carrier sees main blocked elsewhere, runs the task anyway and says so.
   */
  @Test
  void outsideThreadBlockedElsewhere_reportedAndReleased() throws Exception {
    try (Scheduler s = Scheduler.deterministic(4)) {
      CountDownLatch counted = new CountDownLatch(1);
      s.spawn("counter", () -> {
        counted.countDown();
        return null;
      });
      assertThat(counted.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(s.stats().foreignWakeups()).isEqualTo(1);
    }
  }

  @Test
  void outsideThreadBlockedElsewhere_strict_joinAndCloseThrowNamingIt() throws Exception {
    Scheduler s = Scheduler.builder().deterministic(4).strict(true).name("strict-gate").build();
    CountDownLatch counted = new CountDownLatch(1);
    Task<Object> t = s.spawn("counter", () -> {
      counted.countDown();
      return null;
    });
    assertThat(counted.await(30, TimeUnit.SECONDS)).isTrue();
    assertThatThrownBy(t::join).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("strict-gate")
        .hasMessageContaining("no thread outside the scheduler waits on it")
        .hasMessageContaining("\"" + Thread.currentThread().getName() + "\" TIMED_WAITING")
        .hasMessageContaining("CountDownLatch");
    assertThatThrownBy(s::close).isInstanceOf(IllegalStateException.class);
  }

  /** Two outside threads: each one's reads are exact relative to the tasks it waits for; none hangs. */
  @Test
  void twoOutsideThreads_bothJoin_bothComplete() throws Exception {
    try (Scheduler s = Scheduler.deterministic(9)) {
      List<Thread> callers = new ArrayList<>();
      Set<Integer> results = java.util.concurrent.ConcurrentHashMap.newKeySet();
      for (int c = 0; c < 2; c++) {
        int caller = c;
        callers.add(Thread.ofPlatform().start(() -> {
          for (int i = 0; i < 50; i++) {
            int v = caller * 1000 + i;
            results.add(s.spawn("c" + caller + "-" + i, () -> {
              Thread.yield();
              return v;
            }).join());
          }
        }));
      }
      for (Thread t : callers) {
        t.join();
      }
      assertThat(results).hasSize(100);
      assertThat(results.stream().collect(Collectors.groupingBy(v -> v / 1000, Collectors.counting())))
          .containsEntry(0, 50L).containsEntry(1, 50L);
    }
  }
}
