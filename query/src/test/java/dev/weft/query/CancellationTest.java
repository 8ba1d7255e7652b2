package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.query.CancelProbe.Wait;
import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Callers that leave (interrupted while they read): the evaluation started for them stops unless another
 * reader waits for it, and the key is computed afresh later. Parallel scheduler; the deterministic scenarios
 * are in {@link TimedGetTest}.
 */
@Timeout(60)
class CancellationTest {
  private Scheduler scheduler;
  private QueryEngine engine;

  @BeforeEach
  void setUp() {
    scheduler = Scheduler.parallel(2);
    engine = QueryEngine.builder().scheduler(scheduler).name("cancel").build();
  }

  @AfterEach
  void tearDown() {
    engine.close();
    scheduler.close();
  }

  /** The threads a caller may read from. */
  enum Kind {
    PLATFORM,
    /** A virtual thread of the JDK's own scheduler: not the engine's, so the read runs as a task. */
    VIRTUAL,
    /** A task of the engine's scheduler: the read runs inline on it. */
    SCHEDULER_TASK
  }

  /** A thread that reads once and records the value or what it threw, and its interrupt status after. */
  static final class Caller {
    final AtomicReference<Object> outcome = new AtomicReference<>();
    volatile boolean interruptedAfter;
    private Thread thread;
    private Task<?> task;

    static Caller start(Kind kind, Scheduler s, Callable<?> read) {
      Caller c = new Caller();
      Runnable body = () -> {
        try {
          c.outcome.set(read.call());
        } catch (Throwable t) {
          c.outcome.set(t);
        }
        c.interruptedAfter = Thread.currentThread().isInterrupted();
      };
      switch (kind) {
        case PLATFORM -> c.thread = Thread.ofPlatform().name("caller").start(body);
        case VIRTUAL -> c.thread = Thread.ofVirtual().name("caller").start(body);
        case SCHEDULER_TASK -> c.task = s.spawn("caller", () -> {
          body.run();
          return null;
        });
      }
      return c;
    }

    void interrupt() {
      if (task != null) {
        task.cancel();
      } else {
        thread.interrupt();
      }
    }

    Object join() throws InterruptedException {
      if (task != null) {
        task.join();
      } else {
        thread.join();
      }
      return outcome.get();
    }
  }

  static Stream<Arguments> callersAndWaits() {
    List<Arguments> out = new ArrayList<>();
    for (Kind k : Kind.values()) {
      for (Wait w : Wait.values()) {
        out.add(Arguments.of(k, w));
      }
    }
    return out.stream();
  }

  private Memo memo(Query<?, ?> q, Object key) {
    return engine.table(q).find(key);
  }

  private void awaitUnclaimed(Query<?, ?> q, Object key) {
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> memo(q, key).owner == null);
  }

  @ParameterizedTest(name = "{0} caller, body {1}")
  @MethodSource("callersAndWaits")
  void get_callerInterrupted_bodyStopsClaimEndsAndLaterGetComputesAfresh(Kind kind, Wait how) throws Exception {
    CancelProbe p = new CancelProbe(how, 1);
    Query<Integer, Integer> q = p.query("long");
    Caller c = Caller.start(kind, scheduler, () -> engine.get(q, 4));
    p.entered.await();
    c.interrupt();
    Object out = c.join();
    assertThat(out).isInstanceOf(CancelledException.class).isNotInstanceOf(QueryTimeoutException.class);
    if (kind != Kind.SCHEDULER_TASK) { // inline, the caller's own thread runs the body: nothing to leave
      assertThat(c.interruptedAfter).as("the caller's interrupt status is kept").isTrue();
      assertThat(((Throwable) out).getMessage()).contains("interrupted while waiting for long(4)")
          .contains("the evaluation started for it was cancelled");
    }
    p.stopped.await(); // the body stopped: checkCancelled threw, or its blocking call was interrupted
    assertThat(p.finished).hasValue(0);
    awaitUnclaimed(q, 4);
    assertThat(memo(q, 4).verifiedAt).as("nothing stored").isNegative();
    assertThat(engine.get(q, 4)).isEqualTo(40);
    assertThat(p.calls).as("the later get computed afresh").hasValue(2);
  }

  @ParameterizedTest(name = "the {0} caller leaves")
  @EnumSource(names = {"OWNER", "PARKED"})
  void get_twoCallersOneLeaves_evaluationGoesOnForTheOther(Leaver leaver) throws Exception {
    CancelProbe p = new CancelProbe(Wait.POLLING, 1);
    Query<Integer, Integer> q = p.query("shared");
    Caller owner = Caller.start(Kind.PLATFORM, scheduler, () -> engine.get(q, 1));
    p.entered.await();
    Caller parked = Caller.start(Kind.PLATFORM, scheduler, () -> engine.get(q, 1));
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> memo(q, 1).waiters != null);
    Caller leaving = leaver == Leaver.OWNER ? owner : parked;
    Caller staying = leaver == Leaver.OWNER ? parked : owner;
    leaving.interrupt();
    Object left = leaving.join();
    assertThat(left).isInstanceOf(CancelledException.class);
    if (leaver == Leaver.OWNER) {
      assertThat(((Throwable) left).getMessage()).contains("goes on, as another reader waits for it");
    }
    p.release.countDown();
    assertThat(staying.join()).isEqualTo(10);
    assertThat(p.calls).as("one execution, never cancelled").hasValue(1);
    assertThat(p.stopped.getCount()).isEqualTo(1);
    assertThat(engine.get(q, 1)).isEqualTo(10);
  }

  enum Leaver {
    OWNER,
    PARKED
  }

  @ParameterizedTest(name = "{0} caller")
  @EnumSource(Kind.class)
  void getAll_callerInterrupted_everyKeyStopsAndIsComputedAfresh(Kind kind) throws Exception {
    CancelProbe p = new CancelProbe(Wait.LATCH, 3);
    Query<Integer, Integer> q = p.query("key");
    Caller c = Caller.start(kind, scheduler, () -> engine.getAll(q, List.of(1, 2, 3)));
    p.entered.await(); // one key inline on the root runner, two on child runners
    c.interrupt();
    assertThat(c.join()).isInstanceOf(CancelledException.class);
    p.stopped.await();
    for (int k = 1; k <= 3; k++) {
      awaitUnclaimed(q, k);
    }
    assertThat(p.finished).hasValue(0);
    assertThat(engine.getAll(q, List.of(1, 2, 3))).containsExactly(10, 20, 30);
    assertThat(p.calls).hasValue(6);
  }

  @Test
  void get_callerOfABodyWithGetAllInterrupted_childrenStop() throws Exception {
    // blocking on a latch, so that all three keys start: a getAll's workers are the caller and one helper per
    // spare carrier, and more start only when a carrier would idle (a spinning key keeps its worker)
    CancelProbe p = new CancelProbe(Wait.LATCH, 3);
    Query<Integer, Integer> leaf = p.query("leaf");
    Query<Integer, Integer> sum = Query.of("sum", (ctx, n) -> {
      int s = 0;
      for (int v : ctx.getAll(leaf, List.of(1, 2, 3))) {
        s += v;
      }
      return s + n;
    });
    Caller c = Caller.start(Kind.PLATFORM, scheduler, () -> engine.get(sum, 0));
    p.entered.await();
    c.interrupt();
    assertThat(c.join()).isInstanceOf(CancelledException.class);
    p.stopped.await(); // the getAll's parent unwound and left its children, which nobody else waited for
    awaitUnclaimed(sum, 0);
    assertThat(engine.get(sum, 0)).isEqualTo(60);
  }

  @Test
  void getAll_oneChildAlsoReadByAnotherCaller_thatChildGoesOnTheOthersStop() throws Exception {
    CancelProbe p = new CancelProbe(Wait.LATCH, 3); // not three bodies spinning on two carriers
    Query<Integer, Integer> q = p.query("key");
    Caller all = Caller.start(Kind.PLATFORM, scheduler, () -> engine.getAll(q, List.of(1, 2, 3)));
    p.entered.await();
    Caller one = Caller.start(Kind.PLATFORM, scheduler, () -> engine.get(q, 3));
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> memo(q, 3).waiters != null);
    all.interrupt();
    assertThat(all.join()).isInstanceOf(CancelledException.class);
    awaitUnclaimed(q, 1);
    awaitUnclaimed(q, 2);
    assertThat(memo(q, 3).owner).as("key 3 is still computed for the other caller").isNotNull();
    assertThat(p.stopped.getCount()).isEqualTo(1);
    p.release.countDown();
    assertThat(one.join()).isEqualTo(30);
    assertThat(p.finished).hasValue(1);
    assertThat(engine.getAll(q, List.of(1, 2, 3))).containsExactly(10, 20, 30);
    assertThat(p.calls).hasValue(5); // 3 first executions, then keys 1 and 2 afresh
  }

  @Test
  void get_rootCallerLeaves_readerParkedOnAnInnerMemoKeepsItGoing() throws Exception {
    CancelProbe p = new CancelProbe(Wait.POLLING, 1);
    Query<Integer, Integer> inner = p.query("inner");
    CountDownLatch outerResumed = new CountDownLatch(1);
    AtomicReference<Throwable> outerStoppedBy = new AtomicReference<>();
    AtomicInteger outerCalls = new AtomicInteger();
    Query<Integer, Integer> outer = Query.of("outer", (ctx, k) -> {
      int v = ctx.get(inner, k);
      if (outerCalls.incrementAndGet() > 1) {
        return v + 1;
      }
      outerResumed.countDown();
      try {
        for (;;) { // its caller left, and once the inner reader has its value nobody waits any more
          ctx.checkCancelled();
          Thread.yield();
        }
      } catch (CancelledException c) {
        outerStoppedBy.set(c);
        throw c;
      }
    });
    Caller root = Caller.start(Kind.PLATFORM, scheduler, () -> engine.get(outer, 2));
    p.entered.await();
    Caller reader = Caller.start(Kind.VIRTUAL, scheduler, () -> engine.get(inner, 2));
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> memo(inner, 2).waiters != null);
    root.interrupt();
    assertThat((Throwable) root.join()).isInstanceOf(CancelledException.class)
        .hasMessageContaining("goes on, as another reader waits for it");
    assertThat(p.stopped.getCount()).as("inner is not cancelled").isEqualTo(1);
    p.release.countDown();
    assertThat(reader.join()).isEqualTo(20);
    outerResumed.await();
    awaitUnclaimed(outer, 2);
    assertThat(outerStoppedBy.get()).hasMessageContaining("no reader waits for it any more");
    assertThat(memo(outer, 2).verifiedAt).as("outer stored nothing").isNegative();
    assertThat(engine.get(outer, 2)).isEqualTo(21);
    assertThat(p.calls).as("inner ran once").hasValue(1);
    assertThat(outerCalls).hasValue(2);
  }

  @ParameterizedTest(name = "body {0}")
  @EnumSource(names = {"POLLING", "LATCH"})
  void get_bodySwallowsTheCancellationAndReturns_nothingStored(Wait how) throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch returned = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    Query<Integer, Integer> stubborn = Query.of("stubborn", (ctx, k) -> {
      if (calls.incrementAndGet() > 1) {
        return k;
      }
      entered.countDown();
      try {
        if (how == Wait.LATCH) {
          never.await();
        } else {
          for (;;) {
            ctx.checkCancelled();
            Thread.yield();
          }
        }
      } catch (CancelledException | InterruptedException swallowed) {
        Thread.interrupted(); // and clears the interrupt, too
      } finally {
        returned.countDown();
      }
      return -1; // computed after the cancellation: must never be stored
    });
    Caller c = Caller.start(Kind.PLATFORM, scheduler, () -> engine.get(stubborn, 5));
    entered.await();
    c.interrupt();
    assertThat(c.join()).isInstanceOf(CancelledException.class);
    returned.await();
    awaitUnclaimed(stubborn, 5);
    assertThat(engine.get(stubborn, 5)).isEqualTo(5);
    assertThat(calls).hasValue(2);
  }

  @Test
  void get_callerInterruptedBeforeTheReadStarted_readNeverRuns() throws Exception {
    CancelProbe p = new CancelProbe(Wait.POLLING, 0);
    Query<Integer, Integer> q = p.query("never");
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread t = Thread.ofPlatform().start(() -> {
      Thread.currentThread().interrupt(); // the join returns at once: the caller leaves before the task reads
      try {
        engine.get(q, 1);
      } catch (Throwable x) {
        thrown.set(x);
      }
    });
    t.join();
    assertThat(thrown.get()).isInstanceOf(CancelledException.class);
    assertThat(engine.get(q, 1)).isEqualTo(10);
    assertThat(p.calls.get()).isBetween(1, 2); // the abandoned task may have run it before the caller left
  }

  @Test
  void close_deterministicFromAnInterruptedThread_waitsForTheEvaluationThroughTheScheduler() {
    Scheduler s = Scheduler.deterministic(11);
    QueryEngine e = QueryEngine.builder().scheduler(s).name("interrupted-close").build();
    Query<Integer, Integer> hour = Query.of("hour", (ctx, k) -> {
      ctx.scheduler().sleep(Duration.ofHours(1));
      return k;
    });
    Task<Object> reader = s.spawn("reader", () -> {
      try {
        return e.get(hour, 1);
      } catch (CancelledException c) {
        return c;
      }
    });
    s.sleep(Duration.ofSeconds(1)); // the reader's evaluation is running: its body sleeps on the virtual clock
    Thread.currentThread().interrupt(); // as a caller that has just left a read keeps it
    e.close(); // waits for the evaluation through a task, whatever the interrupt status
    assertThat(Thread.interrupted()).isTrue();
    assertThat(reader.join()).isInstanceOf(CancelledException.class);
    assertThat(s.now()).isEqualTo(java.time.Instant.EPOCH.plus(Duration.ofHours(1)));
    s.close();
  }
}
