package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.scheduler.Scheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An engine's first evaluation returns the reports its root runner logged as they were made, with what other
 * runners computed read in where the root runner met it, instead of walking the records
 * ({@link Diagnostics#startLog}); whenever the root runner's own order could differ from the walk's, it walks.
 * Either way the diagnostics are the sequential ones; {@link Diagnostics.Collected#logged} tells which way was
 * taken. (Under tests every log is also checked against the walk by an assertion.)
 */
@Timeout(60)
class DiagnosticsLogTest {
  private static List<String> messages(Evaluation<?> e) {
    List<String> out = new ArrayList<>();
    for (Diagnostic d : e.diagnostics()) {
      out.add(d.message());
    }
    return out;
  }

  private static boolean logged(QueryEngine engine) {
    return engine.lastCollected.logged();
  }

  /** The random DAG programs of {@link DiagnosticsTest}, without its sleeps: one runner executes every body. */
  private static Query<Integer, Integer> nodes(List<List<DiagnosticsTest.Op>> program) {
    Query<Integer, Integer>[] self = new Query[1];
    self[0] = Query.of("node", (ctx, i) -> {
      int value = 1;
      for (DiagnosticsTest.Op op : program.get(i)) {
        switch (op) {
          case DiagnosticsTest.Report r -> ctx.report(Diagnostic.info(r.message()));
          case DiagnosticsTest.Read r -> value += ctx.get(self[0], r.node());
          case DiagnosticsTest.ReadAll r -> {
            for (int v : ctx.getAll(self[0], r.nodes())) {
              value += v;
            }
          }
        }
      }
      return value;
    });
    return self[0];
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
  void firstEvaluation_oneCarrier_logsInSequentialOrder(long seed) {
    List<List<DiagnosticsTest.Op>> program = DiagnosticsTest.program(seed * 104729, 10 + (int) (seed * 3));
    try (Scheduler s = Scheduler.parallel(1);
        QueryEngine engine = QueryEngine.builder().scheduler(s).name("log").build()) {
      Query<Integer, Integer> node = nodes(program);
      Evaluation<Integer> first = engine.evaluate(node, 0);
      assertThat(messages(first)).isEqualTo(DiagnosticsTest.reference(program, 0));
      assertThat(logged(engine)).as("the first evaluation logged").isTrue();
      // not the engine's first any more: the walk, with the same result
      Evaluation<Integer> other = engine.evaluate(node, 1);
      assertThat(messages(other)).isEqualTo(DiagnosticsTest.reference(program, 1));
      assertThat(logged(engine)).isFalse();
    }
  }

  @Test
  void cycleWithFallback_memberReportedBeforeTheCycle_logKeepsItsReports() {
    try (Scheduler s = Scheduler.parallel(1);
        QueryEngine engine = QueryEngine.builder().scheduler(s).name("log").build()) {
      Query<Integer, Integer> leaf = Query.of("leaf", (ctx, k) -> {
        ctx.report(Diagnostic.info("leaf " + k));
        return k;
      });
      Query<String, Integer>[] q = new Query[2];
      q[0] = Query.<String, Integer>of("a", (ctx, k) -> {
        ctx.report(Diagnostic.info("a starts"));
        int v = ctx.get(leaf, 1) + ctx.get(q[1], k);
        ctx.report(Diagnostic.info("a ends"));
        return v;
      }).withCycleFallback((k, cycle) -> -1);
      q[1] = Query.<String, Integer>of("b", (ctx, k) -> {
        ctx.report(Diagnostic.info("b starts"));
        ctx.get(leaf, 2);
        return ctx.get(q[0], k);
      }).withCycleFallback((k, cycle) -> -2);
      Query<String, Integer> top = Query.of("top", (ctx, k) -> {
        ctx.report(Diagnostic.info("top"));
        int v = ctx.get(q[0], k);
        ctx.get(leaf, 3);
        return v;
      });
      Evaluation<Integer> e = engine.evaluate(top, "x");
      assertThat(messages(e)).containsExactly("top", "a starts", "leaf 1", "b starts", "leaf 2", "leaf 3");
      assertThat(logged(engine)).isTrue();
    }
  }

  @Test
  void fixpointRounds_walkInstead() {
    try (Scheduler s = Scheduler.parallel(1);
        QueryEngine engine = QueryEngine.builder().scheduler(s).name("log").build()) {
      Query<Integer, Integer>[] q = new Query[2];
      q[0] = Query.<Integer, Integer>of("a", (ctx, k) -> {
        ctx.report(Diagnostic.info("a"));
        return Math.min(3, ctx.get(q[1], k) + 1);
      }).withFixpoint(k -> 0, 10);
      q[1] = Query.<Integer, Integer>of("b", (ctx, k) -> {
        ctx.report(Diagnostic.info("b"));
        return ctx.get(q[0], k);
      });
      Evaluation<Integer> e = engine.evaluate(q[0], 0);
      assertThat(e.value()).isEqualTo(3);
      assertThat(messages(e)).containsExactly("a", "b"); // each member's last round, once
      assertThat(logged(engine)).as("members ran again each round").isFalse();
    }
  }

  @Test
  void evictedValueRestoredByItsBody_walkInstead() {
    try (Scheduler s = Scheduler.parallel(1);
        QueryEngine engine = QueryEngine.builder().scheduler(s).name("log").build()) {
      AtomicInteger runs = new AtomicInteger();
      Query<Integer, Integer> cached = Query.<Integer, Integer>of("cached", (ctx, k) -> {
        runs.incrementAndGet();
        ctx.report(Diagnostic.info("cached " + k));
        return k;
      }).withLru(1);
      Query<Integer, Integer> top = Query.of("top", (ctx, k) -> {
        int v = ctx.get(cached, 1) + ctx.get(cached, 2); // 2 evicts 1's value
        return v + ctx.get(cached, 1); // restored by running its body again
      });
      Evaluation<Integer> e = engine.evaluate(top, 0);
      assertThat(e.value()).isEqualTo(4);
      assertThat(runs.get()).as("cached(1) ran twice").isEqualTo(3);
      assertThat(messages(e)).containsExactly("cached 1", "cached 2");
      assertThat(logged(engine)).isFalse();
    }
  }

  @Test
  void bodyRunOnAnotherRunnerMeanwhile_logReadsItsReportsWhereTheRootReadsIt() throws Exception {
    try (Scheduler s = Scheduler.parallel(2);
        QueryEngine engine = QueryEngine.builder().scheduler(s).name("log").build()) {
      CountDownLatch rootStarted = new CountDownLatch(1);
      CountDownLatch otherRan = new CountDownLatch(1);
      Query<Integer, Integer> other = Query.of("other", (ctx, k) -> {
        ctx.report(Diagnostic.info("other"));
        otherRan.countDown();
        return k;
      });
      Query<Integer, Integer> top = Query.of("top", (ctx, k) -> {
        ctx.report(Diagnostic.info("top"));
        rootStarted.countDown();
        if (!otherRan.await(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the other read never ran");
        }
        return ctx.get(other, 1);
      });
      Thread caller = Thread.ofPlatform().start(() -> {
        try {
          rootStarted.await();
          engine.get(other, 1);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      Evaluation<Integer> e = engine.evaluate(top, 0);
      caller.join(30_000);
      assertThat(e.value()).isEqualTo(1);
      assertThat(messages(e)).containsExactly("top", "other");
      assertThat(logged(engine)).as("other ran on the second caller's runner, and was read in").isTrue();
    }
  }

  /**
   * The random DAG programs on schedulers whose getAll groups start helpers: keys the helpers computed are read
   * into the log in key order after the group, and what the root runner meets finished elsewhere where it meets
   * it. No program has a cycle or a fixpoint, so every first evaluation keeps its log.
   */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
  void firstEvaluation_helpersComputeKeys_logKeptInSequentialOrder(long seed) {
    List<List<DiagnosticsTest.Op>> program = DiagnosticsTest.program(seed * 7919, 20 + (int) (seed * 5));
    for (Scheduler s : List.of(Scheduler.deterministic(seed), Scheduler.parallel(2))) {
      try (s; QueryEngine engine = QueryEngine.builder().scheduler(s).name("log").build()) {
        Query<Integer, Integer> node = nodes(program);
        Evaluation<Integer> first = engine.evaluate(node, 0);
        assertThat(messages(first)).as(s + " seed " + seed).isEqualTo(DiagnosticsTest.reference(program, 0));
        assertThat(logged(engine)).as(s + " seed " + seed).isTrue();
      }
    }
  }

  @Test
  void helpersTakeTheBackOfAGroup_theirReportsFollowTheFrontsInKeyOrder() throws Exception {
    try (Scheduler s = Scheduler.parallel(2);
        QueryEngine engine = QueryEngine.builder().scheduler(s).name("log").build()) {
      CountDownLatch backRan = new CountDownLatch(1);
      Query<Integer, Integer> key = Query.of("key", (ctx, k) -> {
        ctx.report(Diagnostic.info("key " + k));
        if (k == 3) {
          backRan.countDown();
        } else if (k == 0 && !backRan.await(30, TimeUnit.SECONDS)) { // the helper took key 3 meanwhile
          throw new IllegalStateException("no helper took the last key");
        }
        return k;
      });
      Query<Integer, Integer> top = Query.of("top", (ctx, k) -> {
        ctx.report(Diagnostic.info("top"));
        int sum = 0;
        for (int v : ctx.getAll(key, List.of(0, 1, 2, 3))) {
          sum += v;
        }
        ctx.report(Diagnostic.info("top ends"));
        return sum;
      });
      Evaluation<Integer> e = engine.evaluate(top, 0);
      assertThat(e.value()).isEqualTo(6);
      assertThat(messages(e)).containsExactly("top", "key 0", "key 1", "key 2", "key 3", "top ends");
      assertThat(logged(engine)).isTrue();
    }
  }

  @Test
  void cycleThroughTheRootRunnerAndAHelper_walkInstead() throws Exception {
    try (Scheduler s = Scheduler.parallel(2);
        QueryEngine engine = QueryEngine.builder().scheduler(s).name("log").build()) {
      CountDownLatch aStarted = new CountDownLatch(1);
      CountDownLatch bStarted = new CountDownLatch(1);
      Query<String, Integer>[] q = new Query[1];
      q[0] = Query.<String, Integer>of("m", (ctx, k) -> {
        ctx.report(Diagnostic.info(k));
        boolean a = k.equals("a");
        (a ? aStarted : bStarted).countDown();
        if (!(a ? bStarted : aStarted).await(30, TimeUnit.SECONDS)) { // the root runner has a, a helper b
          throw new IllegalStateException("the other member never started");
        }
        return ctx.get(q[0], a ? "b" : "a") + 1;
      }).withCycleFallback((k, cycle) -> k.equals("a") ? -1 : -2);
      Query<String, Integer> top = Query.of("top", (ctx, k) -> {
        ctx.report(Diagnostic.info("top"));
        int sum = 0;
        for (int v : ctx.getAll(q[0], List.of("a", "b"))) {
          sum += v;
        }
        return sum;
      });
      Evaluation<Integer> e = engine.evaluate(top, "x");
      assertThat(e.value()).isEqualTo(-3);
      assertThat(messages(e)).containsExactly("top", "a", "b");
      assertThat(logged(engine)).as("the root runner was on a cycle with another runner").isFalse();
    }
  }
}
