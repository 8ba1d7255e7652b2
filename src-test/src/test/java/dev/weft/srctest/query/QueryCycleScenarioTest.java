package dev.weft.srctest.query;

import static dev.weft.srctest.query.Net.cycle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.weft.junit.WeftRun;
import dev.weft.junit.WeftTest;
import dev.weft.query.CancelledException;
import dev.weft.query.CycleException;
import dev.weft.query.Evaluation;
import dev.weft.query.Input;
import dev.weft.query.Query;
import dev.weft.query.QueryEngine;
import dev.weft.query.QueryFailedException;
import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Cycle and parallel-query scenarios, each explored under many deterministic schedules (one per seed) and
 * a few {@code parallel(2)} runs by {@link WeftTest}. In every schedule the outcome must be the one DESIGN.md
 * section 4 fixes: members of a cycle take their fallback or fail with the same {@link CycleException}
 * (canonical rotation), readers off the cycle see those outcomes, and nothing hangs. A failure names its
 * seed and the line that replays it.
 */
class QueryCycleScenarioTest {
  static final int SEEDS = 200;
  static final int PARALLEL = 3;
  static final String AB = cycle("a(1)", "b(1)");

  private static QueryEngine engine(Scheduler scheduler) {
    return QueryEngine.builder().scheduler(scheduler).name("scenario").build();
  }

  /** Starts one task per body; returns what each produced: its value, or the exception it threw. */
  private static List<Object> concurrently(Scheduler scheduler, List<Callable<Object>> bodies) {
    List<Task<Object>> tasks = new ArrayList<>();
    for (int i = 0; i < bodies.size(); i++) {
      Callable<Object> body = bodies.get(i);
      tasks.add(scheduler.spawn("caller-" + i, () -> {
        try {
          return body.call();
        } catch (RuntimeException e) {
          return e;
        }
      }));
    }
    return tasks.stream().map(Task::join).toList();
  }

  private static void assertCycle(Object outcome, String message) {
    assertThat(outcome).isInstanceOf(RuntimeException.class);
    assertThat(Outcome.of((Throwable) outcome)).isEqualTo(new Outcome.Cycle(message));
  }

  // a(1) <-> b(1) entered by two threads: either thread may close the cycle, or one thread may meet it
  // inline; every interleaving gives both callers the same CycleException.
  @WeftTest(seeds = SEEDS, parallelRuns = PARALLEL)
  void twoThreadCycle_anyInterleaving_bothCallersFailWithCanonicalCycle(Scheduler scheduler) {
    Net net = new Net();
    Query<Integer, Integer> a = net.add("a", null, 0, "b");
    Query<Integer, Integer> b = net.add("b", null, 0, "a");
    try (QueryEngine engine = engine(scheduler)) {
      List<Object> out = concurrently(scheduler, List.of(() -> engine.get(a, 1), () -> engine.get(b, 1)));
      assertCycle(out.get(0), AB);
      assertCycle(out.get(1), AB);
      CycleException e = (CycleException) catchThrowable(() -> engine.get(b, 1));
      assertThat(e.cycle()).extracting(Object::toString).containsExactly("a(1)", "b(1)");
    }
  }

  // c -> d -> e -> c, each member entered by its own thread, reached through an outer chain top -> c from a
  // fourth: the cycle is nested under a caller that is not on it.
  @WeftTest(seeds = SEEDS, parallelRuns = PARALLEL)
  void threeThreadNestedCycle_anyInterleaving_membersFailAndOuterCallerSeesCycle(Scheduler scheduler) {
    Net net = new Net();
    net.add("c", null, 0, "d");
    net.add("d", null, 0, "e");
    net.add("e", null, 0, "c");
    Query<Integer, Integer> top = net.add("top", null, 5, "c");
    String cde = cycle("c(7)", "d(7)", "e(7)");
    try (QueryEngine engine = engine(scheduler)) {
      List<Object> out = concurrently(scheduler, List.of(
          () -> engine.get(net.get("d"), 7), () -> engine.get(net.get("e"), 7),
          () -> engine.get(top, 7), () -> engine.get(net.get("c"), 7)));
      for (Object o : out) {
        assertCycle(o, cde);
      }
    }
  }

  // p -> q -> r -> s -> p with fallbacks on q and s only, one thread per member: q and s return their
  // fallback, p and r fail with the cycle, whoever entered first.
  @WeftTest(seeds = SEEDS, parallelRuns = PARALLEL)
  void fourThreadCycle_mixedFallbacks_eachMemberTakesItsOwnOutcome(Scheduler scheduler) {
    Net net = new Net();
    net.add("p", null, 0, "q");
    net.add("q", -2, 0, "r");
    net.add("r", null, 0, "s");
    net.add("s", -4, 0, "p");
    String pqrs = cycle("p(3)", "q(3)", "r(3)", "s(3)");
    try (QueryEngine engine = engine(scheduler)) {
      List<Object> out = concurrently(scheduler, List.of(
          () -> engine.get(net.get("s"), 3), () -> engine.get(net.get("r"), 3),
          () -> engine.get(net.get("q"), 3), () -> engine.get(net.get("p"), 3)));
      assertThat(out.get(0)).isEqualTo(-4);
      assertCycle(out.get(1), pqrs);
      assertThat(out.get(2)).isEqualTo(-2);
      assertCycle(out.get(3), pqrs);
    }
  }

  // a <-> b, where a signals once it has started; readers of a and of x (which reads a) arrive while the
  // cycle is forming or resolving, and wait for it.
  @WeftTest(seeds = SEEDS, parallelRuns = PARALLEL)
  void readerArrivingMidCycle_waitsAndSeesCycleOutcome(Scheduler scheduler) {
    CountDownLatch aStarted = new CountDownLatch(1);
    Net net = new Net();
    Query<Integer, Integer> a = net.add("a", null, 0, (ctx, key) -> aStarted.countDown(), "b");
    Query<Integer, Integer> b = net.add("b", null, 0, "a");
    Query<Integer, Integer> x = net.add("x", null, 1, "a");
    try (QueryEngine engine = engine(scheduler)) {
      List<Object> out = concurrently(scheduler, List.of(
          () -> engine.get(a, 1),
          () -> {
            aStarted.await();
            return engine.get(x, 1);
          },
          () -> {
            aStarted.await();
            return engine.get(b, 1);
          },
          () -> engine.get(b, 1)));
      for (Object o : out) {
        assertCycle(o, AB);
      }
    }
  }

  // a <-> b where b catches what its read of a throws and throws its own exception instead. The cycle still
  // decides both outcomes, and the cycle (not b's exception) reaches every waiter, on and off the cycle.
  @WeftTest(seeds = SEEDS, parallelRuns = PARALLEL)
  void exceptionInsideCycle_reachesEveryWaiterAsTheCycle(Scheduler scheduler) {
    Net net = new Net();
    Query<Integer, Integer> a = net.add("a", null, 0, "b");
    Query<Integer, Integer> b = net.put(Query.<Integer, Integer>of("b", (ctx, key) -> {
      try {
        return ctx.get(a, key);
      } catch (RuntimeException e) {
        throw new IllegalStateException("b gave up", e);
      }
    }));
    Query<Integer, Integer> x = net.add("x", null, 1, "b");
    Query<Integer, Integer> y = net.add("y", null, 1, "x", "a");
    try (QueryEngine engine = engine(scheduler)) {
      List<Object> out = concurrently(scheduler, List.of(
          () -> engine.get(a, 1), () -> engine.get(b, 1), () -> engine.get(x, 1), () -> engine.get(y, 1),
          () -> engine.get(a, 1), () -> engine.get(b, 1)));
      for (Object o : out) {
        assertCycle(o, AB);
      }
    }
  }

  // A failing body with many concurrent waiters: every waiter gets QueryFailedException with the cause.
  @WeftTest(seeds = SEEDS, parallelRuns = PARALLEL)
  void failureWithManyWaiters_everyWaiterGetsCause(Scheduler scheduler) {
    AtomicInteger executions = new AtomicInteger();
    Net net = new Net();
    Query<Integer, Integer> bad = net.put(Query.<Integer, Integer>of("bad", (ctx, key) -> {
      executions.incrementAndGet();
      throw new IllegalArgumentException("bad " + key);
    }));
    Query<Integer, Integer> mid = net.add("mid", null, 0, "bad");
    try (QueryEngine engine = engine(scheduler)) {
      List<Callable<Object>> callers = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        Query<Integer, Integer> q = i % 2 == 0 ? bad : mid;
        callers.add(() -> engine.get(q, 9));
      }
      for (Object o : concurrently(scheduler, callers)) {
        assertThat(o).isInstanceOf(QueryFailedException.class);
        assertThat(Outcome.of((Throwable) o)).isEqualTo(new Outcome.Failed("IllegalArgumentException: bad 9"));
      }
      assertThat(executions).as("a failure is memoized like a value").hasValue(1);
    }
  }

  // x reads a, a <-> b, a with a fallback: x is off the cycle and computes from a's fallback; b fails.
  @WeftTest(seeds = SEEDS, parallelRuns = PARALLEL)
  void offCycleDependent_readsFallbackAndComputes(Scheduler scheduler) {
    Net net = new Net();
    Query<Integer, Integer> a = net.add("a", -1, 0, "b");
    Query<Integer, Integer> b = net.add("b", null, 0, "a");
    Query<Integer, Integer> x = net.add("x", null, 100, "a");
    try (QueryEngine engine = engine(scheduler)) {
      List<Object> out = concurrently(scheduler, List.of(
          () -> engine.get(x, 1), () -> engine.get(b, 1), () -> engine.get(x, 1)));
      assertThat(out.get(0)).isEqualTo(99);
      assertCycle(out.get(1), AB);
      assertThat(out.get(2)).isEqualTo(99);
      assertThat(engine.get(a, 1)).isEqualTo(-1);
    }
  }

  // p(1) -> q(1) -> p(2) -> q(2) -> p(1), p with a fallback and q without, entered through every entry
  // point at once: get, getAll, evaluate, a reading query, and a platform thread. The outcome per member
  // does not depend on the entry point.
  @WeftTest(seeds = SEEDS, parallelRuns = PARALLEL)
  void mixedFallback_everyEntryPoint_sameOutcomePerMember(Scheduler scheduler) {
    Net net = new Net();
    Query<Integer, Integer> p = net.put(Query.<Integer, Integer>of("p", (ctx, key) -> ctx.get(net.get("q"), key))
        .withCycleFallback((key, cycle) -> -10 * key));
    Query<Integer, Integer> q = net.put(Query.<Integer, Integer>of("q",
        (ctx, key) -> ctx.get(net.get("p"), key % 2 + 1)));
    Query<Integer, Integer> reader = net.add("reader", null, 1000, "p");
    String cycle = cycle("p(1)", "q(1)", "p(2)", "q(2)");
    try (QueryEngine engine = engine(scheduler)) {
      List<Object> out = concurrently(scheduler, List.of(
          () -> engine.get(q, 2),
          () -> engine.getAll(p, List.of(2, 1)),
          () -> engine.evaluate(q, 1),
          () -> engine.get(reader, 2),
          () -> onPlatformThread(() -> engine.get(p, 1)),
          () -> engine.getAll(q, List.of(1, 2))));
      assertCycle(out.get(0), cycle);
      assertThat(out.get(1)).isEqualTo(List.of(-20, -10));
      Evaluation<?> e = (Evaluation<?>) out.get(2);
      assertThat(e.failure()).map(Outcome::of).contains(new Outcome.Cycle(cycle));
      assertThat(out.get(3)).isEqualTo(980);
      assertThat(out.get(4)).isEqualTo(-10);
      assertCycle(out.get(5), cycle);
    }
  }

  // A chain of DEPTH queries, and the same chain closed into one long cycle, read by two tasks: deep
  // recursion continues on fresh stacks, and a cycle of thousands of members is reported whole.
  @WeftTest(seeds = 10, parallelRuns = 1)
  void deepChainAndDeepCycle_noStackOverflowAndWholeCycleReported(Scheduler scheduler) {
    int depth = 3_000;
    Query<Integer, Integer>[] chain = chain(false, depth);
    Query<Integer, Integer>[] ring = chain(true, depth);
    try (QueryEngine engine = engine(scheduler)) {
      List<Object> out = concurrently(scheduler, List.of(
          () -> engine.get(chain[0], depth), () -> engine.get(ring[0], depth),
          () -> engine.get(chain[0], depth / 2), () -> engine.get(ring[0], depth / 3)));
      assertThat(out.get(0)).isEqualTo(depth);
      assertThat(out.get(2)).isEqualTo(depth / 2);
      for (Object o : List.of(out.get(1), out.get(3))) {
        assertThat(o).isInstanceOf(CycleException.class);
        CycleException e = (CycleException) o;
        assertThat(e.cycle()).hasSize(depth + 1);
        assertThat(e.cycle().getFirst().toString()).isEqualTo("ring(0)");
        assertThat(e.getMessage()).startsWith("cycle detected when computing ring(0)\n"
            + "  ...which requires computing ring(" + depth + ")\n");
      }
    }
  }

  /** {@code name(n)} reads {@code name(n - 1)}; {@code name(0)} is 0, or, closed, reads {@code name(depth)}. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Query<Integer, Integer>[] chain(boolean closed, int depth) {
    Query<Integer, Integer>[] self = new Query[1];
    self[0] = Query.of(closed ? "ring" : "chain", (ctx, n) -> {
      if (n == 0) {
        return closed ? ctx.get(self[0], depth) : 0;
      }
      return 1 + ctx.get(self[0], n - 1);
    });
    return self;
  }

  // Callers read a three-level query over inputs while another task sets an input, with yields inside the
  // bodies so that the set lands at every point of an evaluation. Each read returns the answer for a revision
  // within its call, or CancelledException; afterwards every read sees the new input.
  @WeftTest(seeds = SEEDS, parallelRuns = PARALLEL)
  void setDuringEvaluations_anyInterleaving_noStaleValueAndCallersCancelledOrCurrent(Scheduler scheduler) {
    Input<Integer, Integer> in = Query.input("in");
    Query<Integer, Integer> leaf = Query.of("leaf", (ctx, k) -> {
      Thread.yield();
      return ctx.get(in, k);
    });
    Query<Integer, Integer> mid = Query.of("mid", (ctx, k) -> {
      int a = ctx.get(leaf, k);
      Thread.yield();
      return a + ctx.get(leaf, k + 1);
    });
    Query<Integer, Integer> top = Query.of("top", (ctx, k) -> {
      int sum = 0;
      for (int v : ctx.getAll(mid, List.of(0, 1, 2))) {
        sum += v;
      }
      return sum;
    });
    try (QueryEngine engine = engine(scheduler)) {
      for (int k = 0; k < 4; k++) {
        engine.set(in, k, k);
      }
      // top = (0+1) + (1+2) + (2+3) = 9 at the start; in(1) := 11 makes it 9 + 2 * 10 = 29.
      long before = engine.revision();
      List<Callable<Object>> callers = new ArrayList<>();
      AtomicBoolean setDone = new AtomicBoolean();
      for (int i = 0; i < 3; i++) {
        callers.add(() -> {
          boolean afterSet = setDone.get();
          Object result;
          try {
            result = engine.get(top, 0);
          } catch (CancelledException e) {
            result = "cancelled";
          }
          return afterSet && !result.equals(29) ? "stale after set: " + result : result;
        });
      }
      callers.add(() -> {
        Thread.yield();
        engine.set(in, 1, 11);
        setDone.set(true);
        return "set";
      });
      List<Object> out = concurrently(scheduler, callers);
      assertThat(out.subList(0, 3)).allSatisfy(o -> assertThat(o).isIn(9, 29, "cancelled"));
      assertThat(out.get(3)).isEqualTo("set");
      assertThat(engine.revision()).isEqualTo(before + 1);
      assertThat(engine.get(top, 0)).isEqualTo(29);
      assertThat(engine.getAll(mid, List.of(0, 1, 2))).containsExactly(11, 13, 5);
    }
  }

  // a <-> b where a's fallback itself throws and b's returns null: whatever the engine makes of a broken
  // fallback, every caller of a member sees the same outcome whoever entered first, and nothing hangs.
  @WeftTest(seeds = SEEDS, parallelRuns = PARALLEL)
  void brokenFallbacks_anyInterleaving_sameOutcomeForEveryCaller(Scheduler scheduler) {
    Net net = new Net();
    Query<Integer, Integer> a = net.put(Query.<Integer, Integer>of("a", (ctx, k) -> ctx.get(net.get("b"), k))
        .withCycleFallback((k, cycle) -> {
          throw new IllegalStateException("no fallback for " + cycle);
        }));
    Query<Integer, Integer> b = net.put(Query.<Integer, Integer>of("b", (ctx, k) -> ctx.get(a, k))
        .withCycleFallback((k, cycle) -> null));
    Query<Integer, Integer> x = net.add("x", null, 1, "a");
    try (QueryEngine engine = engine(scheduler)) {
      List<Object> out = concurrently(scheduler, List.of(
          () -> engine.get(b, 4), () -> engine.get(a, 4), () -> engine.get(x, 4), () -> engine.get(a, 4)));
      List<Object> again = List.of(outcome(() -> engine.get(b, 4)), outcome(() -> engine.get(a, 4)));
      assertThat(outcome(out.get(1))).isEqualTo(outcome(out.get(3))).isEqualTo(again.get(1));
      assertThat(outcome(out.get(0))).isEqualTo(again.get(0));
      assertThat(out).allSatisfy(o -> assertThat(o).isInstanceOf(RuntimeException.class));
    }
  }

  // One getAll over many keys, each key reading two shared keys: every key gets its own task, readers of a
  // shared key wait for whoever computes it, and the values come back in key order.
  @WeftTest(seeds = 20, parallelRuns = 1)
  void wideGetAll_sharedDependencies_valuesInKeyOrder(Scheduler scheduler) {
    AtomicInteger executions = new AtomicInteger();
    Query<Integer, Integer> shared = Query.of("shared", (ctx, k) -> {
      executions.incrementAndGet();
      return k * 100;
    });
    Query<Integer, Integer> wide = Query.of("wide", (ctx, k) -> k + ctx.get(shared, k % 2) + ctx.get(shared, 7));
    List<Integer> keys = java.util.stream.IntStream.range(0, 500).boxed().toList();
    try (QueryEngine engine = engine(scheduler)) {
      List<Integer> values = engine.getAll(wide, keys);
      assertThat(values).hasSize(keys.size());
      for (int k : keys) {
        assertThat(values.get(k)).isEqualTo(k + (k % 2) * 100 + 700);
      }
      assertThat(executions).as("each shared key computed once").hasValue(3);
    }
  }

  // A cycle that exists only while in(0) is even (a reads b only then), with callers of a, b and an
  // off-cycle reader racing a set that closes or opens the cycle, in every interleaving the seed picks.
  // Each read returns the outcome of the old or the new revision, or CancelledException; afterwards every
  // read agrees with the new revision.
  @WeftTest(seeds = SEEDS, parallelRuns = PARALLEL)
  void setClosingOrOpeningCycleDuringReads_eachReadOldOrNewRevisionOrCancelled(WeftRun run, Scheduler scheduler) {
    Input<Integer, Integer> in = Query.input("in");
    Net net = new Net();
    Query<Integer, Integer> a = net.put(Query.<Integer, Integer>of("a", (ctx, k) -> {
      int v = ctx.get(in, 0);
      Thread.yield();
      return v % 2 == 0 ? 1 + ctx.get(net.get("b"), k) : k + v;
    }).withCycleFallback((k, cycle) -> -k));
    Query<Integer, Integer> b = net.add("b", null, 0, "a");
    Query<Integer, Integer> x = net.add("x", null, 1000, "a");
    int from = run.seed() % 2 == 0 ? 1 : 2; // odd: no cycle; even: cycle
    int to = from + 1;
    try (QueryEngine engine = engine(scheduler)) {
      engine.set(in, 0, from);
      List<Callable<Object>> callers = new ArrayList<>();
      for (Query<Integer, Integer> q : List.of(a, b, x, b)) {
        callers.add(() -> {
          try {
            return outcome(engine.get(q, 5));
          } catch (CancelledException e) {
            return "cancelled";
          } catch (RuntimeException e) {
            return outcome(e);
          }
        });
      }
      callers.add(() -> {
        Thread.yield();
        engine.set(in, 0, to);
        return "set";
      });
      List<Object> out = concurrently(scheduler, callers);
      List<String> names = List.of("a", "b", "x", "b");
      for (int i = 0; i < 4; i++) {
        assertThat(out.get(i)).as(names.get(i))
            .isIn(expectedFlip(names.get(i), from), expectedFlip(names.get(i), to), "cancelled");
      }
      assertThat(outcome(() -> engine.get(a, 5))).isEqualTo(expectedFlip("a", to));
      assertThat(outcome(() -> engine.get(b, 5))).isEqualTo(expectedFlip("b", to));
      assertThat(outcome(() -> engine.get(x, 5))).isEqualTo(expectedFlip("x", to));
    }
  }

  private static Outcome expectedFlip(String query, int in0) {
    boolean cycle = in0 % 2 == 0;
    int a = cycle ? -5 : 5 + in0;
    return switch (query) {
      case "a" -> new Outcome.Value(a);
      case "b" -> cycle ? new Outcome.Cycle(cycle("a(5)", "b(5)")) : new Outcome.Value(a);
      default -> new Outcome.Value(1000 + a);
    };
  }

  private static Outcome outcome(Object result) {
    return result instanceof Throwable t ? Outcome.of(t) : new Outcome.Value(result);
  }

  private static Outcome outcome(Callable<Object> read) {
    try {
      return new Outcome.Value(read.call());
    } catch (Exception e) {
      return Outcome.of(e);
    }
  }

  /** Runs {@code body} on a new platform thread and returns its result (or rethrows its exception). */
  static Object onPlatformThread(Callable<Object> body) throws InterruptedException {
    Object[] result = new Object[1];
    Thread t = Thread.ofPlatform().name("platform-caller").start(() -> {
      try {
        result[0] = body.call();
      } catch (Exception e) {
        result[0] = e;
      }
    });
    t.join();
    if (result[0] instanceof RuntimeException e) {
      throw e;
    }
    return result[0];
  }
}
