package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.query.CancelProbe.Wait;
import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Timed reads ({@link QueryEngine#get(Query, Object, Duration)}, {@code getAll}, {@code evaluate}): the value
 * in time, or a {@link QueryTimeoutException} and the caller leaving as an interrupted one does. On a
 * deterministic scheduler the deadline is on the virtual clock, so the scenarios there assert the clock's
 * exact reading and replay from their seeds.
 */
@Timeout(120)
class TimedGetTest {
  private static final Duration LONG = Duration.ofMinutes(5);

  static Stream<Long> seeds() {
    List<Long> out = new ArrayList<>();
    out.add(0L);
    SplittableRandom r = new SplittableRandom(0x7133);
    for (int i = 0; i < 24; i++) {
      out.add(r.nextLong());
    }
    return out.stream();
  }

  static Stream<Arguments> seedsAndWaits() {
    return seeds().flatMap(s -> Stream.of(Arguments.of(s, Wait.LATCH), Arguments.of(s, Wait.SLEEP)));
  }

  /**
   * The deterministic scheduler's warnings that a task was woken by a thread outside it (an interrupt or
   * unpark from a platform thread), which would break replay; a leaving caller must never cause one. Its stall
   * fallback, which also counts in {@code SchedulerStats.foreignWakeups()}, is left out: on a loaded machine it
   * can fire while the caller it has just resumed waits for a CPU.
   */
  static final class OutsideWakeups extends Handler implements AutoCloseable {
    private final Logger logger = Logger.getLogger("dev.weft.scheduler");
    private final List<String> wakeups = new CopyOnWriteArrayList<>();

    OutsideWakeups() {
      logger.addHandler(this);
    }

    List<String> wakeups() {
      return wakeups;
    }

    @Override
    public void publish(LogRecord r) {
      if (r.getMessage() != null && r.getMessage().contains("woken from outside the scheduler")) {
        wakeups.add(String.valueOf(r.getParameters() == null ? r.getMessage() : List.of(r.getParameters())));
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
      logger.removeHandler(this);
    }
  }

  private static QueryEngine engine(Scheduler s) {
    return QueryEngine.builder().scheduler(s).name("timed").build();
  }

  private static Instant at(long seconds) {
    return Instant.EPOCH.plusSeconds(seconds);
  }

  // ------------------------------------------------------------------------------------ deterministic

  @ParameterizedTest(name = "seed {0}, body {1}")
  @MethodSource("seedsAndWaits")
  void get_deterministicBodyNeverFinishes_timesOutOnTheVirtualClockAndCancels(long seed, Wait how) {
    try (OutsideWakeups outside = new OutsideWakeups(); Scheduler s = Scheduler.deterministic(seed);
        QueryEngine e = engine(s)) {
      CancelProbe p = new CancelProbe(how, 1);
      Query<Integer, Integer> q = p.query("slow");
      assertThatThrownBy(() -> e.get(q, 1, Duration.ofSeconds(1))).isInstanceOf(QueryTimeoutException.class)
          .hasMessage("no outcome for slow(1) within PT1S; the evaluation started for it was cancelled, as no"
              + " other reader waited for it")
          .extracting(t -> ((QueryTimeoutException) t).timeout()).isEqualTo(Duration.ofSeconds(1));
      assertThat(s.now()).isEqualTo(at(1));
      assertThat(e.get(q, 1)).as("a fresh evaluation, once the abandoned one unwound").isEqualTo(10);
      assertThat(p.calls).hasValue(2);
      assertThat(p.stopped.getCount()).isZero();
      assertThat(p.finished).hasValue(0);
      assertThat(s.now()).as("the abandoned hour-long sleep was withdrawn").isEqualTo(at(1));
      assertThat(outside.wakeups()).isEmpty();
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void get_deterministicOutcomeBeforeTheDeadline_returnsIt(long seed) {
    try (OutsideWakeups outside = new OutsideWakeups(); Scheduler s = Scheduler.deterministic(seed);
        QueryEngine e = engine(s)) {
      Query<Integer, Integer> q = Query.of("second", (ctx, k) -> {
        ctx.scheduler().sleep(Duration.ofSeconds(1));
        return k * 2;
      });
      assertThat(e.get(q, 21, Duration.ofSeconds(10))).isEqualTo(42);
      assertThat(s.now()).isEqualTo(at(1));
      assertThat(e.get(q, 21, Duration.ZERO)).as("current: no wait needed").isEqualTo(42);
      assertThat(outside.wakeups()).isEmpty();
    }
  }

  @ParameterizedTest(name = "seed {0}, body {1}")
  @MethodSource("seedsAndWaits")
  void getAll_deterministicTimeoutPasses_everyKeyStopsAndIsComputedAfresh(long seed, Wait how) {
    try (OutsideWakeups outside = new OutsideWakeups(); Scheduler s = Scheduler.deterministic(seed);
        QueryEngine e = engine(s)) {
      CancelProbe p = new CancelProbe(how, 3);
      Query<Integer, Integer> q = p.query("key");
      assertThatThrownBy(() -> e.getAll(q, List.of(1, 2, 3), Duration.ofSeconds(2)))
          .isInstanceOf(QueryTimeoutException.class).hasMessageStartingWith("no outcome for key[1, 2, 3] within");
      assertThat(s.now()).isEqualTo(at(2));
      assertThat(e.getAll(q, List.of(1, 2, 3))).containsExactly(10, 20, 30);
      assertThat(p.stopped.getCount()).isZero();
      assertThat(p.finished).hasValue(0);
      assertThat(p.calls).hasValue(6);
      assertThat(outside.wakeups()).isEmpty();
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void get_deterministicTwoReadersOneTimesOut_theOtherGetsTheOneExecution(long seed) {
    try (OutsideWakeups outside = new OutsideWakeups(); Scheduler s = Scheduler.deterministic(seed);
        QueryEngine e = engine(s)) {
      AtomicInteger calls = new AtomicInteger();
      Query<Integer, Integer> q = Query.of("fiveSeconds", (ctx, k) -> {
        calls.incrementAndGet();
        ctx.scheduler().sleep(Duration.ofSeconds(5));
        return k;
      });
      Task<String> timed = s.spawn("timed", () -> {
        try {
          return "value " + e.get(q, 7, Duration.ofSeconds(1));
        } catch (QueryTimeoutException t) {
          return "timed out at " + s.now();
        }
      });
      Task<Integer> patient = s.spawn("patient", () -> e.get(q, 7));
      assertThat(timed.join()).isEqualTo("timed out at " + at(1));
      assertThat(patient.join()).isEqualTo(7);
      assertThat(s.now()).isEqualTo(at(5));
      assertThat(calls).as("never cancelled: the patient reader waited for it").hasValue(1);
      assertThat(outside.wakeups()).isEmpty();
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void get_deterministicCallerInterrupted_leavesThroughTheSchedulerAndTheBodyStops(long seed) throws Exception {
    try (OutsideWakeups outside = new OutsideWakeups(); Scheduler s = Scheduler.deterministic(seed);
        QueryEngine e = engine(s)) {
      Thread caller = Thread.currentThread();
      CountDownLatch never = new CountDownLatch(1);
      AtomicReference<Throwable> stoppedBy = new AtomicReference<>();
      AtomicInteger calls = new AtomicInteger();
      Query<Integer, Integer> q = Query.of("interrupting", (ctx, k) -> {
        if (calls.incrementAndGet() > 1) {
          return k;
        }
        caller.interrupt(); // the caller stops waiting; only its leaving can end the wait below
        try {
          never.await();
        } catch (InterruptedException x) {
          stoppedBy.set(x);
          throw x;
        }
        return -1;
      });
      assertThatThrownBy(() -> e.get(q, 3)).isInstanceOf(CancelledException.class)
          .hasMessageContaining("interrupted while waiting for interrupting(3)");
      assertThat(Thread.interrupted()).as("the caller's interrupt status is kept").isTrue();
      assertThat(e.get(q, 3)).isEqualTo(3);
      assertThat(stoppedBy.get()).isInstanceOf(InterruptedException.class);
      assertThat(calls).hasValue(2);
      assertThat(outside.wakeups()).isEmpty();
    }
  }

  /**
   * Many timed readers of a small graph whose bodies sleep on the virtual clock, with timeouts that end some
   * reads before their values and not others. Whatever the interleaving: every value returned is right, no
   * read hangs, no claim is left behind, and every key reads right afterwards.
   */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void get_deterministicManyTimedReaders_valuesRightNothingLeftBehind(long seed) {
    try (OutsideWakeups outside = new OutsideWakeups(); Scheduler s = Scheduler.deterministic(seed);
        QueryEngine e = engine(s)) {
      Query<Integer, Integer> leaf = Query.of("leaf", (ctx, k) -> {
        ctx.scheduler().sleep(Duration.ofSeconds(1 + k % 3));
        return k;
      });
      Query<Integer, Integer> mid = Query.of("mid", (ctx, k) -> {
        int sum = 0;
        for (int v : ctx.getAll(leaf, List.of(k, k + 1, k + 2))) {
          sum += v;
        }
        return sum;
      });
      Query<Integer, Integer> top = Query.of("top", (ctx, k) -> ctx.get(mid, k) + ctx.get(mid, k + 1));
      SplittableRandom r = new SplittableRandom(seed);
      List<Task<String>> readers = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        boolean isTop = r.nextBoolean();
        int k = r.nextInt(4);
        Duration timeout = Duration.ofMillis(500 + r.nextInt(4000));
        int expected = isTop ? 6 * k + 9 : 3 * k + 3;
        readers.add(s.spawn("reader" + i, () -> {
          try {
            int v = e.get(isTop ? top : mid, k, timeout);
            return v == expected ? "ok" : "wrong " + v + " for " + (isTop ? "top" : "mid") + "(" + k + ")";
          } catch (QueryTimeoutException t) {
            return "timeout";
          }
        }));
      }
      for (Task<String> t : readers) {
        assertThat(t.join()).isIn("ok", "timeout");
      }
      for (int k = 0; k < 4; k++) {
        assertThat(e.get(top, k)).isEqualTo(6 * k + 9);
      }
      for (Query<Integer, Integer> q : List.of(leaf, mid, top)) {
        for (int k = 0; k < 7; k++) {
          Memo m = e.table(q).find(k);
          assertThat(m == null || m.owner == null).as("%s(%s) unclaimed", q.name(), k).isTrue();
        }
      }
      assertThat(outside.wakeups()).isEmpty();
    }
  }

  // ----------------------------------------------------------------------------------------- parallel

  @ParameterizedTest(name = "body {0}")
  @EnumSource(names = {"POLLING", "LATCH"})
  void get_parallelBodyNeverFinishes_timesOutAndCancels(Wait how) throws Exception {
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = engine(s)) {
      CancelProbe p = new CancelProbe(how, 1);
      Query<Integer, Integer> q = p.query("slow");
      assertThatThrownBy(() -> e.get(q, 1, Duration.ofMillis(50))).isInstanceOf(QueryTimeoutException.class)
          .hasMessageContaining("was cancelled");
      p.stopped.await();
      assertThat(e.get(q, 1)).isEqualTo(10);
      assertThat(p.calls).hasValue(2);
    }
  }

  @Test
  void get_parallelFromASchedulerTask_timesOutAndCancels() throws Exception {
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = engine(s)) {
      CancelProbe p = new CancelProbe(Wait.LATCH, 1);
      Query<Integer, Integer> q = p.query("slow");
      Task<Throwable> t = s.spawn("reader", () -> {
        try {
          e.get(q, 1, Duration.ofMillis(50)); // runs as a task of its own, not inline
          return null;
        } catch (QueryTimeoutException x) {
          return x;
        }
      });
      assertThat(t.join()).isInstanceOf(QueryTimeoutException.class);
      p.stopped.await();
      assertThat(e.get(q, 1)).isEqualTo(10);
    }
  }

  @Test
  void get_parallelValueInTime_returnsIt() throws Exception {
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = engine(s)) {
      CancelProbe p = new CancelProbe(Wait.LATCH, 1);
      Query<Integer, Integer> q = p.query("released");
      Thread releaser = Thread.ofPlatform().start(() -> {
        try {
          p.entered.await();
        } catch (InterruptedException x) {
          return;
        }
        p.release.countDown();
      });
      assertThat(e.get(q, 4, LONG)).isEqualTo(40);
      releaser.join();
      assertThat(p.finished).hasValue(1);
      assertThat(e.get(q, 4, Duration.ZERO)).isEqualTo(40);
    }
  }

  @Test
  void get_notCurrentWithZeroOrNegativeTimeout_throwsWithoutStarting() {
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = engine(s)) {
      AtomicInteger calls = new AtomicInteger();
      Query<Integer, Integer> q = Query.of("untouched", (ctx, k) -> calls.incrementAndGet());
      assertThatThrownBy(() -> e.get(q, 1, Duration.ZERO)).isInstanceOf(QueryTimeoutException.class)
          .hasMessage("untouched(1) is not current, and a timeout of PT0S waits for no evaluation");
      assertThatThrownBy(() -> e.get(q, 1, Duration.ofSeconds(-1))).isInstanceOf(QueryTimeoutException.class);
      assertThatThrownBy(() -> e.getAll(q, List.of(1, 2), Duration.ZERO))
          .isInstanceOf(QueryTimeoutException.class);
      assertThatThrownBy(() -> e.evaluate(q, 1, Duration.ZERO)).isInstanceOf(QueryTimeoutException.class);
      assertThat(calls).hasValue(0);
      assertThatThrownBy(() -> e.get(q, 1, null)).isInstanceOf(NullPointerException.class);
    }
  }

  @Test
  void get_inputWithZeroTimeout_readsIt() {
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = engine(s)) {
      Input<String, Integer> in = Query.input("in");
      e.set(in, "a", 1);
      assertThat(e.get(in, "a", Duration.ZERO)).isEqualTo(1);
      assertThat(e.getAll(in, List.of("a"), Duration.ZERO)).containsExactly(1);
      assertThat(e.evaluate(in, "a", Duration.ZERO).value()).isEqualTo(1);
      assertThatThrownBy(() -> e.get(in, "b", Duration.ZERO)).isInstanceOf(MissingInputException.class);
    }
  }

  @Test
  void getAll_parallelValuesInTime_returnsThemInKeyOrderAndCountsHitsOnce() {
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = engine(s)) {
      Query<Integer, Integer> q = Query.of("square", (ctx, k) -> k * k);
      assertThat(e.getAll(q, List.of(3, 1), LONG)).containsExactly(9, 1);
      long hits = e.stats().hits();
      assertThat(e.getAll(q, List.of(3, 1, 2), LONG)).containsExactly(9, 1, 4);
      assertThat(e.stats().hits() - hits).as("3 and 1, by the evaluation").isEqualTo(2);
      assertThat(e.getAll(q, List.of(3, 1, 2), Duration.ZERO)).as("all current").containsExactly(9, 1, 4);
      assertThat(e.stats().hits() - hits).isEqualTo(5);
    }
  }

  @Test
  void evaluate_parallelInTimeAndTimedOut() throws Exception {
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = engine(s)) {
      Query<Integer, Integer> noisy = Query.of("noisy", (ctx, k) -> {
        ctx.report(Diagnostic.warning("k=" + k));
        return k;
      });
      Evaluation<Integer> ev = e.evaluate(noisy, 1, LONG);
      assertThat(ev.value()).isEqualTo(1);
      assertThat(ev.diagnostics()).extracting(Diagnostic::message).containsExactly("k=1");
      assertThat(e.evaluate(noisy, 1, Duration.ZERO).diagnostics()).extracting(Diagnostic::message)
          .containsExactly("k=1");
      CancelProbe p = new CancelProbe(Wait.POLLING, 1);
      Query<Integer, Integer> slow = p.query("slow");
      assertThatThrownBy(() -> e.evaluate(slow, 1, Duration.ofMillis(20)))
          .isInstanceOf(QueryTimeoutException.class);
      p.stopped.await();
      assertThat(e.evaluate(slow, 1, LONG).value()).isEqualTo(10);
    }
  }

  @Test
  void get_parallelTimedOutWhileAnotherCallerWaits_evaluationGoesOn() throws Exception {
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = engine(s)) {
      CancelProbe p = new CancelProbe(Wait.POLLING, 1);
      Query<Integer, Integer> q = p.query("shared");
      Task<Integer> patient = s.spawn("patient", () -> e.get(q, 2));
      p.entered.await();
      assertThatThrownBy(() -> e.get(q, 2, Duration.ofMillis(20))).isInstanceOf(QueryTimeoutException.class);
      p.release.countDown();
      assertThat(patient.join()).isEqualTo(20);
      assertThat(p.calls).hasValue(1);
      assertThat(p.stopped.getCount()).isEqualTo(1);
    }
  }
}
