package dev.weft.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Contract tests run against every kind of scheduler. */
@Timeout(60)
class SchedulerTest {

  static Stream<Arguments> kinds() {
    return Stream.of(
        Arguments.of("parallel(1)", (Supplier<Scheduler>) () -> Scheduler.parallel(1)),
        Arguments.of("parallel(2)", (Supplier<Scheduler>) () -> Scheduler.parallel(2)),
        Arguments.of("deterministic(0)", (Supplier<Scheduler>) () -> Scheduler.deterministic(0)),
        Arguments.of("deterministic(42)", (Supplier<Scheduler>) () -> Scheduler.deterministic(42)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void spawn_value_joinReturnsItFromPlatformThread(String kind, Supplier<Scheduler> factory) {
    try (Scheduler s = factory.get()) {
      Task<Integer> t = s.spawn("answer", () -> 6 * 7);
      assertThat(t.join()).isEqualTo(42);
      assertThat(t.isDone()).isTrue();
      assertThat(t.name()).isEqualTo("answer");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void spawn_taskRunsOnOwnedVirtualThread(String kind, Supplier<Scheduler> factory) {
    try (Scheduler s = factory.get()) {
      Task<Boolean> t = s.spawn("owned", () -> Thread.currentThread().isVirtual()
          && s.owns(Thread.currentThread()) && Thread.currentThread().getName().equals("owned"));
      assertThat(t.join()).isTrue();
      assertThat(s.owns(Thread.currentThread())).isFalse();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void spawn_childThreadOfTask_inheritsScheduler(String kind, Supplier<Scheduler> factory) throws Exception {
    try (Scheduler s = factory.get()) {
      Task<Boolean> t = s.spawn("parent", () -> {
        AtomicReference<Boolean> inner = new AtomicReference<>();
        Thread child = Thread.ofVirtual().start(() -> inner.set(s.owns(Thread.currentThread())));
        child.join();
        return inner.get();
      });
      assertThat(t.join()).isTrue();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void join_bodyThrowsUnchecked_rethrowsSameException(String kind, Supplier<Scheduler> factory) {
    try (Scheduler s = factory.get()) {
      IllegalArgumentException boom = new IllegalArgumentException("boom");
      Task<Object> t = s.spawn("fails", () -> {
        throw boom;
      });
      assertThatThrownBy(t::join).isSameAs(boom);
      assertThatThrownBy(t::join).isSameAs(boom);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void join_bodyThrowsChecked_wrapsInCompletionException(String kind, Supplier<Scheduler> factory) {
    try (Scheduler s = factory.get()) {
      Task<Object> t = s.spawn("io", () -> {
        throw new IOException("disk");
      });
      assertThatThrownBy(t::join).isInstanceOf(CompletionException.class)
          .hasMessageContaining("io").hasCauseInstanceOf(IOException.class);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void join_fromAnotherTask_parksAndReturns(String kind, Supplier<Scheduler> factory) {
    try (Scheduler s = factory.get()) {
      CountDownLatch release = new CountDownLatch(1);
      Task<String> inner = s.spawn("inner", () -> {
        release.await();
        return "done";
      });
      Task<String> outer = s.spawn("outer", () -> {
        release.countDown();
        return inner.join() + "!";
      });
      assertThat(outer.join()).isEqualTo("done!");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void cancel_parkedTask_joinThrowsCancellation(String kind, Supplier<Scheduler> factory) {
    try (Scheduler s = factory.get()) {
      CountDownLatch started = new CountDownLatch(1);
      Task<Object> t = s.spawn("parked", () -> {
        started.countDown();
        new CountDownLatch(1).await(); // until interrupted
        return null;
      });
      Waits.until(s, () -> started.getCount() == 0);
      t.cancel();
      assertThatThrownBy(t::join).isInstanceOf(CancellationException.class);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void close_waitsForRunningTasks(String kind, Supplier<Scheduler> factory) {
    Scheduler s = factory.get();
    CountDownLatch release = new CountDownLatch(1);
    List<Task<Integer>> tasks = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      int n = i;
      tasks.add(s.spawn("t" + i, () -> {
        release.await();
        return n;
      }));
    }
    Thread closer = Thread.ofPlatform().start(s::close);
    // close cannot finish while tasks wait; releasing them lets it.
    assertThat(tasks).noneMatch(Task::isDone);
    release.countDown();
    joinUninterruptibly(closer);
    assertThat(tasks).allMatch(Task::isDone);
    assertThat(s.stats().alive()).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void spawn_afterClose_throwsIllegalState(String kind, Supplier<Scheduler> factory) {
    Scheduler s = factory.get();
    s.close();
    s.close(); // idempotent
    assertThatThrownBy(() -> s.spawn("late", () -> 1))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed").hasMessageContaining("late");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void close_fromOwnTask_throwsIllegalState(String kind, Supplier<Scheduler> factory) {
    try (Scheduler s = factory.get()) {
      Task<Object> t = s.spawn("closer", () -> {
        s.close();
        return null;
      });
      assertThatThrownBy(t::join).isInstanceOf(IllegalStateException.class).hasMessageContaining("own tasks");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void spawn_fromTaskWhileClosing_isAccepted(String kind, Supplier<Scheduler> factory) {
    Scheduler s = factory.get();
    CountDownLatch closing = new CountDownLatch(1);
    Task<Integer> parent = s.spawn("parent", () -> {
      closing.await();
      return s.spawn("child", () -> 7).join();
    });
    Thread closer = Thread.ofPlatform().start(() -> {
      closing.countDown();
      s.close();
    });
    joinUninterruptibly(closer);
    assertThat(parent.join()).isEqualTo(7);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void stats_countsSpawnedAndCompleted(String kind, Supplier<Scheduler> factory) {
    try (Scheduler s = factory.get()) {
      for (int i = 0; i < 20; i++) {
        s.spawn("t" + i, () -> 1).join();
      }
      SchedulerStats stats = s.stats();
      assertThat(stats.spawned()).isEqualTo(20);
      assertThat(stats.completed()).isEqualTo(20);
      assertThat(stats.alive()).isZero();
      assertThat(stats.ownCarriers()).isTrue();
      assertThat(stats.deterministic()).isEqualTo(s.isDeterministic());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void stats_parkedTasks_reportedBlocked(String kind, Supplier<Scheduler> factory) {
    try (Scheduler s = factory.get()) {
      CountDownLatch parked = new CountDownLatch(5);
      CountDownLatch release = new CountDownLatch(1);
      for (int i = 0; i < 5; i++) {
        s.spawn("p" + i, () -> {
          parked.countDown();
          release.await();
          return null;
        });
      }
      Waits.until(s, () -> parked.getCount() == 0);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
          .until(() -> s.stats().blocked() == 5);
      release.countDown();
    }
  }

  @Test
  void parallel_zeroCarriers_rejected() {
    assertThatThrownBy(() -> Scheduler.parallel(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void spawn_nullArguments_rejected() {
    try (Scheduler s = Scheduler.parallel(1)) {
      assertThatThrownBy(() -> s.spawn(null, () -> 1)).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> s.spawn("x", null)).isInstanceOf(NullPointerException.class);
    }
  }

  @Test
  void parallel_hundredThousandParkedTasks_allCompleteOnTwoCarriers() {
    int n = 100_000;
    try (Scheduler s = Scheduler.parallel(2)) {
      CountDownLatch allParked = new CountDownLatch(n);
      CountDownLatch release = new CountDownLatch(1);
      List<Task<Integer>> tasks = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        int k = i;
        tasks.add(s.spawn("p" + i, () -> {
          allParked.countDown();
          release.await();
          return k;
        }));
      }
      awaitUninterruptibly(allParked);
      assertThat(s.stats().carriers()).isEqualTo(2);
      release.countDown();
      long sum = 0;
      for (Task<Integer> t : tasks) {
        sum += t.join();
      }
      assertThat(sum).isEqualTo((long) n * (n - 1) / 2);
    }
  }

  @Test
  void parallel_carrierCount_isBounded() {
    try (Scheduler s = Scheduler.parallel(2)) {
      java.util.Set<String> carriers = java.util.concurrent.ConcurrentHashMap.newKeySet();
      List<Task<Object>> tasks = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        tasks.add(s.spawn("c" + i, () -> {
          for (int k = 0; k < 5; k++) {
            carriers.add(carrierName());
            Thread.yield();
          }
          return null;
        }));
      }
      tasks.forEach(Task::join);
      assertThat(carriers).hasSizeLessThanOrEqualTo(2).allMatch(n -> n.startsWith("weft-carrier-"));
    }
  }

  /**
   * The first spawn from outside starts the other carriers while the first runs the task: a task that keeps its
   * carrier (it spins, so it never unmounts) and submits nothing still sees a second carrier start. Without
   * that, the second would start only when some task first gave the pool more work.
   */
  @Test
  void parallel_firstSpawnFromOutside_startsTheOtherCarriers() {
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    try (Scheduler s = Scheduler.builder().name("prestart").parallel(2).build()) {
      Task<String> t = s.spawn("spin", () -> {
        String other = null;
        while (other == null && !stop.get()) {
          String mine = carrierName();
          for (Thread th : Thread.getAllStackTraces().keySet()) {
            if (th.getName().startsWith("prestart-carrier-") && !mine.contains(th.getName())) {
              other = th.getName();
            }
          }
          Thread.onSpinWait();
        }
        return other;
      });
      try {
        assertThat(t.join()).startsWith("prestart-carrier-");
      } finally {
        stop.set(true); // a test timed out: the spinning task ends, so the scheduler can close
      }
    }
  }

  /**
   * Two tasks handing a token back and forth on one carrier wake each other forever unless a third, submitted
   * from outside behind them, runs: what a carrier wakes never keeps what waits in the shared queues waiting
   * without bound.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void handOffPair_doesNotStarveATaskSpawnedFromOutside(String kind, Supplier<Scheduler> factory) {
    try (Scheduler s = factory.get()) {
      assertTaskFromOutsideRunsBesideAHandOffPair(s);
    }
  }

  /**
   * Starts a hand-off pair on {@code s}, then from this thread a task that stops it: both must end (a starved
   * task would hold the test until its timeout).
   */
  static void assertTaskFromOutsideRunsBesideAHandOffPair(Scheduler s) {
    AtomicBoolean stop = new AtomicBoolean();
    Task<Integer> pair = handOffUntil(s, stop, new CountDownLatch(1));
    Task<Object> third = s.spawn("third", () -> {
      stop.set(true);
      return null;
    });
    try {
      third.join();
      assertThat(pair.join()).isGreaterThanOrEqualTo(0);
    } finally {
      stop.set(true); // a test timed out: the pair ends, so the scheduler can close
    }
  }

  /**
   * A timed park's wakeup comes from outside the carriers: it runs while two tasks hand off on them. (Not on a
   * deterministic scheduler: its clock moves only when no task can run, and the pair always can.)
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void timedPark_wakesWhileATaskPairHandsOff(int carriers) {
    AtomicBoolean stop = new AtomicBoolean();
    try (Scheduler s = Scheduler.parallel(carriers)) {
      CountDownLatch pairRunning = new CountDownLatch(1);
      Task<Object> sleeper = s.spawn("sleeper", () -> {
        pairRunning.await();
        long until = s.now().toEpochMilli() + 2;
        while (s.now().toEpochMilli() < until) {
          s.sleep(Duration.ofMillis(1));
        }
        stop.set(true);
        return null;
      });
      Task<Integer> pair = handOffUntil(s, stop, pairRunning);
      try {
        sleeper.join();
        assertThat(pair.join()).isGreaterThanOrEqualTo(0);
      } finally {
        stop.set(true);
      }
    }
  }

  /** A task and its child handing a counter back and forth until {@code stop}; returns the child's count. */
  private static Task<Integer> handOffUntil(Scheduler s, AtomicBoolean stop, CountDownLatch running) {
    return s.spawn("pair", () -> {
      SynchronousQueue<Integer> ping = new SynchronousQueue<>();
      SynchronousQueue<Integer> pong = new SynchronousQueue<>();
      Task<Integer> echo = s.spawn("echo", () -> {
        int n = 0;
        for (int v; (v = ping.take()) >= 0; n++) {
          pong.put(v + 1);
        }
        return n;
      });
      running.countDown();
      int v = 0;
      while (!stop.get()) {
        ping.put(v);
        v = pong.take();
      }
      ping.put(-1);
      return echo.join();
    });
  }

  /** A task that yields in a loop lets a task spawned from outside run, on one carrier too. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void yieldingTask_letsAnotherRun(String kind, Supplier<Scheduler> factory) {
    AtomicBoolean stop = new AtomicBoolean();
    try (Scheduler s = factory.get()) {
      Task<Long> spinner = s.spawn("spinner", () -> {
        long n = 0;
        while (!stop.get()) {
          Thread.yield();
          n++;
        }
        return n;
      });
      Task<Object> other = s.spawn("other", () -> {
        stop.set(true);
        return null;
      });
      try {
        other.join();
        assertThat(spinner.join()).isGreaterThanOrEqualTo(0);
      } finally {
        stop.set(true);
      }
    }
  }

  /** A virtual thread's toString names its carrier: "VirtualThread[#id,name]/runnable@carrier". */
  static String carrierName() {
    String s = Thread.currentThread().toString();
    return s.substring(s.indexOf('@') + 1);
  }

  static void awaitUninterruptibly(CountDownLatch latch) {
    while (true) {
      try {
        latch.await();
        return;
      } catch (InterruptedException e) {
        // keep waiting; the test timeout bounds this
      }
    }
  }

  static void joinUninterruptibly(Thread t) {
    while (true) {
      try {
        t.join();
        return;
      } catch (InterruptedException e) {
        LockSupport.parkNanos(1);
      }
    }
  }
}
