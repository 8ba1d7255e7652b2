package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(30)
class QueryEngineTest {
  static List<Modes.Mode> modes() {
    return Modes.all();
  }

  static List<Modes.Mode> some() {
    return Modes.some();
  }

  @ParameterizedTest
  @MethodSource("modes")
  void get_computedOnce_laterReadsAreHits(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      AtomicInteger runs = new AtomicInteger();
      Query<Integer, Integer> sq = Query.of("square", (ctx, k) -> {
        runs.incrementAndGet();
        return k * k;
      });
      assertThat(h.engine.get(sq, 7)).isEqualTo(49);
      assertThat(h.engine.get(sq, 7)).isEqualTo(49);
      assertThat(h.inTask(() -> h.engine.get(sq, 7))).isEqualTo(49);
      assertThat(runs).hasValue(1);
      assertThat(h.engine.stats().hits()).isGreaterThanOrEqualTo(2);
      assertThat(h.engine.stats().executions()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @MethodSource("modes")
  void get_nestedReadsInline_valuesCombine(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      Query<Integer, Long> fib = fib();
      assertThat(h.engine.get(fib, 60)).isEqualTo(1548008755920L);
      assertThat(h.engine.stats().executions()).isEqualTo(61);
    }
  }

  private static Query<Integer, Long> fib() {
    AtomicReference<Query<Integer, Long>> self = new AtomicReference<>();
    self.set(Query.of("fib", (ctx, n) -> n < 2 ? (long) n : ctx.get(self.get(), n - 1) + ctx.get(self.get(), n - 2)));
    return self.get();
  }

  @ParameterizedTest
  @MethodSource("modes")
  void get_tenConcurrentCallers_shareOneExecution(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      AtomicInteger runs = new AtomicInteger();
      Query<String, String> slow = Query.of("slow", (ctx, k) -> {
        runs.incrementAndGet();
        // stay claimed until the nine other callers wait for this execution: they overlap by construction
        while (h.engine.stats().waits() < 9) {
          ctx.scheduler().sleep(Duration.ofMillis(1));
        }
        return k.toUpperCase();
      });
      List<Task<String>> callers = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        callers.add(h.spawn("caller-" + i, () -> h.engine.get(slow, "k")));
      }
      for (Task<String> t : callers) {
        assertThat(t.join()).isEqualTo("K");
      }
      assertThat(runs).hasValue(1);
      assertThat(h.engine.stats().waits()).isEqualTo(9);
    }
  }

  @Test
  void get_callersWaitingOnClaimedQuery_allGetOneValue() throws Exception {
    // Interleaving: the first caller claims the query and blocks on a gate; nine more callers park on the
    // claim; the gate opens; every caller gets the one value.
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      CountDownLatch entered = new CountDownLatch(1);
      CountDownLatch gate = new CountDownLatch(1);
      AtomicInteger runs = new AtomicInteger();
      Query<Integer, Integer> q = Query.of("gated", (ctx, k) -> {
        runs.incrementAndGet();
        entered.countDown();
        gate.await();
        return k + 1;
      });
      List<Task<Integer>> tasks = new ArrayList<>();
      tasks.add(s.spawn("first", () -> e.get(q, 1)));
      entered.await();
      for (int i = 0; i < 9; i++) {
        tasks.add(s.spawn("waiter-" + i, () -> e.get(q, 1)));
      }
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> e.stats().waits() >= 9);
      gate.countDown();
      for (Task<Integer> t : tasks) {
        assertThat(t.join()).isEqualTo(2);
      }
      assertThat(runs).hasValue(1);
    }
  }

  @ParameterizedTest
  @MethodSource("modes")
  void getAll_manyKeys_valuesInKeyOrder(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      Query<Integer, Integer> slowId = Query.of("slowId", (ctx, k) -> {
        ctx.scheduler().sleep(Duration.ofMillis(20 - k));
        return k * 10;
      });
      List<Integer> keys = List.of(5, 3, 9, 1, 3, 7);
      Query<String, List<Integer>> all = Query.of("all", (ctx, k) -> ctx.getAll(slowId, keys));
      assertThat(h.engine.get(all, "x")).containsExactly(50, 30, 90, 10, 30, 70);
      assertThat(h.engine.getAll(slowId, List.of(2, 1))).containsExactly(20, 10);
    }
  }

  @ParameterizedTest
  @MethodSource("some")
  void getAll_returnedLists_unmodifiable(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      Input<Integer, Integer> in = Query.input("in");
      h.engine.setAll(in, java.util.Map.of(1, 10, 2, 20));
      Query<Integer, Integer> twice = Query.of("twice", (ctx, k) -> 2 * k);
      // Each body tries to modify the lists its context returned; the failure is memoized as any other.
      Query<String, String> derived = Query.of("derived", (ctx, k) -> tryAdd(ctx.getAll(twice, List.of(1, 2))));
      Query<String, String> inputs = Query.of("inputs", (ctx, k) -> tryAdd(ctx.getAll(in, List.of(1, 2))));
      assertThat(h.engine.get(derived, "x")).isEqualTo("unmodifiable [2, 4]");
      assertThat(h.engine.get(inputs, "x")).isEqualTo("unmodifiable [10, 20]");
      assertThat(tryAdd(h.engine.getAll(twice, List.of(1, 2)))).isEqualTo("unmodifiable [2, 4]");
      assertThat(tryAdd(h.engine.getAll(in, List.of(2)))).isEqualTo("unmodifiable [20]");
    }
  }

  private static String tryAdd(List<Integer> list) {
    try {
      list.add(99);
      return "modified " + list;
    } catch (UnsupportedOperationException expected) {
      try {
        list.set(0, 99);
        return "set " + list;
      } catch (UnsupportedOperationException alsoExpected) {
        return "unmodifiable " + list;
      }
    }
  }

  @ParameterizedTest
  @MethodSource("modes")
  void getAll_failures_waitsForAllThenThrowsFirstInKeyOrder(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      AtomicInteger finished = new AtomicInteger();
      Query<Integer, Integer> q = Query.of("item", (ctx, k) -> {
        ctx.scheduler().sleep(Duration.ofMillis(k));
        finished.incrementAndGet();
        if (k % 2 == 0) {
          throw new IllegalArgumentException("even " + k);
        }
        return k;
      });
      Query<String, List<Integer>> all = Query.of("all", (ctx, k) -> ctx.getAll(q, List.of(5, 4, 3, 2)));
      assertThatThrownBy(() -> h.engine.get(all, "main"))
          .isInstanceOf(QueryFailedException.class)
          .hasMessage("item(4) <- all(main): java.lang.IllegalArgumentException: even 4")
          .cause().hasMessage("even 4");
      assertThat(finished).hasValue(4);
    }
  }

  @ParameterizedTest
  @MethodSource("modes")
  void get_bodyThrows_failureMemoizedWithPath(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      AtomicInteger runs = new AtomicInteger();
      Query<String, String> typeOf = Query.of("typeOf", (ctx, k) -> {
        runs.incrementAndGet();
        throw new IllegalStateException("no type for " + k);
      });
      Query<String, String> check = Query.of("check", (ctx, k) -> ctx.get(typeOf, "Foo"));
      for (int i = 0; i < 3; i++) {
        assertThatThrownBy(() -> h.engine.get(check, "main"))
            .isInstanceOf(QueryFailedException.class)
            .hasMessage("typeOf(Foo) <- check(main): java.lang.IllegalStateException: no type for Foo")
            .cause().isInstanceOf(IllegalStateException.class).hasMessage("no type for Foo");
      }
      assertThatThrownBy(() -> h.engine.get(typeOf, "Foo"))
          .hasMessage("typeOf(Foo): java.lang.IllegalStateException: no type for Foo");
      assertThat(runs).hasValue(1);
      Evaluation<String> ev = h.engine.evaluate(check, "main");
      assertThat(ev.failure()).get().isInstanceOf(QueryFailedException.class);
      assertThatThrownBy(ev::value).isInstanceOf(QueryFailedException.class);
    }
  }

  @ParameterizedTest
  @MethodSource("some")
  void get_failureWithWaiters_everyWaiterGetsIt(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      Query<Integer, Integer> boom = Query.of("boom", (ctx, k) -> {
        ctx.scheduler().sleep(Duration.ofMillis(5));
        throw new UnsupportedOperationException("boom");
      });
      List<Task<Throwable>> tasks = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        tasks.add(h.spawn("c" + i, () -> {
          try {
            h.engine.get(boom, 1);
            return null;
          } catch (QueryFailedException e) {
            return e.getCause();
          }
        }));
      }
      for (Task<Throwable> t : tasks) {
        assertThat(t.join()).isInstanceOf(UnsupportedOperationException.class);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("some")
  void get_deepRecursion_fiveThousandLevels(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      AtomicReference<Query<Integer, Integer>> self = new AtomicReference<>();
      self.set(Query.of("depth", (ctx, n) -> n == 0 ? 0 : ctx.get(self.get(), n - 1) + 1));
      assertThat(h.engine.get(self.get(), 5000)).isEqualTo(5000);
      assertThat(h.engine.get(self.get(), 5000)).isEqualTo(5000);
    }
  }

  @ParameterizedTest
  @MethodSource("some")
  void get_fromPlatformAndForeignVirtualThreads_submitsAndBlocks(Modes.Mode mode) throws Exception {
    try (Harness h = new Harness(mode)) {
      Query<Integer, Integer> q = Query.of("inc", (ctx, k) -> k + 1);
      AtomicReference<Object> fromVirtual = new AtomicReference<>();
      Thread v = Thread.ofVirtual().start(() -> fromVirtual.set(h.engine.get(q, 1)));
      v.join();
      assertThat(fromVirtual.get()).isEqualTo(2);
      assertThat(h.engine.get(q, 2)).isEqualTo(3);
    }
  }

  /**
   * A root read from a platform thread starts its task from outside the carriers: it runs while two tasks hand a
   * value back and forth on the scheduler's only carrier, and they stop only once it has.
   */
  @Test
  void get_fromAPlatformThread_runsWhileTwoTasksHandOffOnTheOnlyCarrier() throws InterruptedException {
    AtomicBoolean stop = new AtomicBoolean();
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      CountDownLatch handingOff = new CountDownLatch(1);
      Task<Integer> pair = s.spawn("pair", () -> {
        SynchronousQueue<Integer> ping = new SynchronousQueue<>();
        SynchronousQueue<Integer> pong = new SynchronousQueue<>();
        Task<Integer> echo = s.spawn("echo", () -> {
          int n = 0;
          for (int v; (v = ping.take()) >= 0; n++) {
            pong.put(v + 1);
          }
          return n;
        });
        for (int v = 0; !stop.get(); v = pong.take()) {
          ping.put(v);
          handingOff.countDown();
        }
        ping.put(-1);
        return echo.join();
      });
      handingOff.await();
      Query<Integer, Integer> q = Query.of("q", (ctx, k) -> k + 1);
      try {
        assertThat(e.get(q, 41)).isEqualTo(42);
      } finally {
        stop.set(true); // a test timed out: the pair ends, so the scheduler can close
      }
      assertThat(pair.join()).isPositive();
    }
  }

  // ------------------------------------------------------------------------------------------ bad input

  @Test
  void get_nullKeyOrQuery_namesTheQuery() {
    try (QueryEngine e = QueryEngine.builder().scheduler(Scheduler.parallel(1)).build()) {
      Query<Integer, Integer> q = Query.of("q", (ctx, k) -> k);
      assertThatThrownBy(() -> e.get(q, null)).isInstanceOf(NullPointerException.class).hasMessageContaining("'q'");
      assertThatThrownBy(() -> e.get(null, 1)).isInstanceOf(NullPointerException.class);
      assertThat(e.get(q, 1)).isEqualTo(1);
      e.scheduler().close();
    }
  }

  @ParameterizedTest
  @MethodSource("some")
  void get_bodyReturnsNull_failsNamingQueryAndKey(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      Query<Integer, String> q = Query.of("nothing", (ctx, k) -> null);
      Query<Integer, String> outer = Query.of("outer", (ctx, k) -> ctx.get(q, k));
      assertThatThrownBy(() -> h.engine.get(outer, 4))
          .isInstanceOf(QueryFailedException.class)
          .hasMessageStartingWith("nothing(4) <- outer(4): java.lang.NullPointerException: query nothing(4) returned null")
          .cause().isInstanceOf(NullPointerException.class).hasMessageContaining("nothing(4)");
      Query<Integer, Integer> fine = Query.of("fine", (ctx, k) -> k);
      assertThat(h.engine.get(fine, 3)).isEqualTo(3);
    }
  }

  @ParameterizedTest
  @MethodSource("some")
  void get_unsetInput_missingInputException(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      Input<String, String> src = Query.input("source");
      Query<String, Integer> len = Query.of("len", (ctx, k) -> ctx.get(src, k).length());
      assertThatThrownBy(() -> h.engine.get(src, "A.java")).isInstanceOf(MissingInputException.class)
          .hasMessageContaining("source(A.java)");
      assertThatThrownBy(() -> h.engine.get(len, "A.java")).isInstanceOf(MissingInputException.class)
          .hasMessageContaining("source(A.java)");
      h.engine.set(src, "A.java", "class A {}");
      assertThat(h.engine.get(len, "A.java")).isEqualTo(10);
    }
  }

  @Test
  void get_afterClose_illegalState() {
    Scheduler s = Scheduler.parallel(1);
    QueryEngine e = QueryEngine.builder().scheduler(s).name("closing").build();
    Query<Integer, Integer> q = Query.of("q", (ctx, k) -> k);
    assertThat(e.get(q, 1)).isEqualTo(1);
    e.close();
    e.close();
    assertThatThrownBy(() -> e.get(q, 1)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed").hasMessageContaining("q(1)");
    assertThatThrownBy(() -> e.get(q, 2)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> e.set(Query.input("in"), 1, 1)).isInstanceOf(IllegalStateException.class);
    s.close();
  }

  @Test
  void get_listKeyAfterClose_messageNamesTheReadNotAGetAll() {
    Scheduler s = Scheduler.parallel(1);
    QueryEngine e = QueryEngine.builder().scheduler(s).name("closing").build();
    Query<List<Integer>, Integer> sum = Query.of("sum", (ctx, k) -> k.size());
    Query<Integer, Integer> one = Query.of("one", (ctx, k) -> k);
    assertThat(e.get(sum, List.of(7))).isEqualTo(1);
    assertThat(e.get(one, 3)).isEqualTo(3);
    e.close();
    assertThatThrownBy(() -> e.evaluate(sum, List.of(1, 2))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("sum([1, 2])").hasMessageNotContaining("getAll");
    assertThatThrownBy(() -> e.getAll(one, List.of(1, 2))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("getAll of one[1, 2]");
    s.close();
  }

  @Test
  void get_fromAnotherEnginesQuery_illegalStateAndBothUsable() {
    try (Scheduler s = Scheduler.parallel(2);
        QueryEngine one = QueryEngine.builder().scheduler(s).name("one").build();
        QueryEngine two = QueryEngine.builder().scheduler(s).name("two").build()) {
      Query<Integer, Integer> inner = Query.of("inner", (ctx, k) -> k);
      Query<Integer, Integer> outer = Query.of("outer", (ctx, k) -> two.get(inner, k));
      assertThatThrownBy(() -> one.get(outer, 1)).isInstanceOf(QueryFailedException.class)
          .cause().isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("engine 'two'").hasMessageContaining("engine 'one'")
          .hasMessageContaining("inner(1)");
      assertThat(two.get(inner, 1)).isEqualTo(1);
      assertThat(one.get(inner, 2)).isEqualTo(2);
    }
  }

  @Test
  void get_twoQueriesOneName_rejectedAtFirstUse() {
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      Query<Integer, Integer> a = Query.of("dup", (ctx, k) -> k);
      Query<Integer, Integer> b = a.withCutoff((x, y) -> false);
      assertThat(e.get(a, 1)).isEqualTo(1);
      assertThatThrownBy(() -> e.get(b, 1)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'dup'");
      assertThat(e.get(a, 2)).isEqualTo(2);
    }
  }

  @Test
  void get_bodyInterruptedWhileBlocked_cancelledNamingTheBody() throws Exception {
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      CountDownLatch entered = new CountDownLatch(1);
      CountDownLatch never = new CountDownLatch(1);
      Query<Integer, Integer> blocked = Query.of("blocked", (ctx, k) -> {
        entered.countDown();
        never.await();
        return k;
      });
      Task<String> t = s.spawn("interrupted", () -> {
        try {
          e.get(blocked, 1);
          return "no cancellation";
        } catch (CancelledException c) {
          return c.getMessage();
        }
      });
      entered.await();
      t.cancel();
      // the body's InterruptedException cancelled the evaluation, and the reader is told which body threw it
      assertThat(t.join()).contains("blocked(1)").contains("InterruptedException");
      // the claim was released without a value: a later read computes afresh
      never.countDown();
      assertThat(e.get(blocked, 1)).isEqualTo(1);
    }
  }

  @Test
  void get_interruptedWhileWaitingForAnotherTask_cancelledWithFlagRestored() throws Exception {
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      CountDownLatch entered = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      Query<Integer, Integer> slow = Query.of("slow", (ctx, k) -> {
        entered.countDown();
        release.await();
        return k;
      });
      Task<Integer> owner = s.spawn("owner", () -> e.get(slow, 1));
      entered.await();
      AtomicReference<Thread> waiterThread = new AtomicReference<>();
      Task<Boolean> waiter = s.spawn("waiter", () -> {
        waiterThread.set(Thread.currentThread());
        try {
          e.get(slow, 1);
          return false;
        } catch (CancelledException c) {
          return Thread.currentThread().isInterrupted();
        }
      });
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> waiterThread.get() != null
          && LockSupport.getBlocker(waiterThread.get()) instanceof AwaitingQuery);
      waiter.cancel();
      assertThat(waiter.join()).as("interrupt flag restored after the engine's own wait").isTrue();
      release.countDown();
      assertThat(owner.join()).isEqualTo(1);
    }
  }

  @Test
  void get_bodyThrowsInterruptedExceptionUninterrupted_laterReadsFromTheTaskWork() throws Exception {
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      Query<Integer, Integer> liar = Query.of("liar", (ctx, k) -> {
        throw new InterruptedException("not really interrupted");
      });
      Query<Integer, Integer> fine = Query.of("fine", (ctx, k) -> k + 1);
      Task<String> t = s.spawn("reader", () -> {
        String first;
        try {
          e.get(liar, 1);
          first = "value";
        } catch (CancelledException c) {
          first = c.getMessage();
        }
        boolean interrupted = Thread.currentThread().isInterrupted();
        return first + " | interrupted=" + interrupted + " | " + e.get(fine, 1);
      });
      assertThat(t.join()).contains("liar(1)").contains("interrupted=false").endsWith("| 2");
    }
  }

  @Test
  void stats_freshEngine_zeroes() {
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      assertThat(e.stats()).isEqualTo(new EngineStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
      assertThat(e.revision()).isEqualTo(1);
    }
  }

  @Test
  void create_ownsScheduler_closeClosesIt() {
    QueryEngine e = QueryEngine.create();
    Query<Integer, Integer> q = Query.of("q", (ctx, k) -> k * 3);
    assertThat(e.get(q, 3)).isEqualTo(9);
    e.close();
    assertThatThrownBy(() -> e.scheduler().spawn("x", () -> 1)).isInstanceOf(IllegalStateException.class);
  }

  @ParameterizedTest
  @MethodSource("some")
  void context_usedAfterBodyOrFromAnotherThread_illegalState(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      AtomicReference<QueryContext> leaked = new AtomicReference<>();
      Query<Integer, Integer> leaf = Query.of("leaf", (ctx, k) -> k);
      Query<Integer, Integer> leak = Query.of("leak", (ctx, k) -> {
        leaked.set(ctx);
        return k;
      });
      Query<Integer, String> foreign = Query.of("foreign", (ctx, k) -> {
        Task<String> t = ctx.scheduler().spawn("other", () -> {
          try {
            ctx.get(leaf, k);
            return "read";
          } catch (IllegalStateException e) {
            return e.getMessage();
          }
        });
        return t.join();
      });
      assertThat(h.engine.get(leak, 1)).isEqualTo(1);
      assertThatThrownBy(() -> leaked.get().get(leaf, 1)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("leak(1)").hasMessageContaining("after its body returned");
      assertThat(h.engine.get(foreign, 2)).contains("foreign(2)").contains("another thread");
    }
  }

  @ParameterizedTest
  @MethodSource("some")
  void get_engineInsteadOfContextInsideBody_illegalStateNamingBoth(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      Query<Integer, Integer> leaf = Query.of("leaf", (ctx, k) -> k);
      Query<Integer, Integer> viaEngine = Query.of("viaEngine", (ctx, k) -> h.engine.get(leaf, k) * 2);
      assertThatThrownBy(() -> h.engine.get(viaEngine, 1)).isInstanceOf(QueryFailedException.class)
          .cause().isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("leaf(1)").hasMessageContaining("viaEngine(1)").hasMessageContaining("QueryContext");
      assertThat(h.engine.get(leaf, 1)).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @MethodSource("some")
  void get_claimNobodyWillRelease_stallBackstopFailsInsteadOfHanging(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      Query<Integer, Integer> q = Query.of("orphan", (ctx, k) -> k);
      // Simulates a lost wake-up: a claim held by a runner that is not running.
      Table t = h.engine.table(q);
      Memo m = t.memo(1);
      Runner ghost = new Runner(h.engine, -1, h.engine.revision(), Thread.currentThread(), null);
      assertThat(m.claim(new Frame(ghost, m, null))).isTrue();
      assertThatThrownBy(() -> h.engine.get(q, 1)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("stalled").hasMessageContaining("orphan(1)");
      m.release(m.owner, null);
      assertThat(h.engine.get(q, 1)).isEqualTo(1);
    }
  }
}
