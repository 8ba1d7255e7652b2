package dev.weft.srctest.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.query.CycleException;
import dev.weft.query.Diagnostic;
import dev.weft.query.EngineStats;
import dev.weft.query.Evaluation;
import dev.weft.query.Input;
import dev.weft.query.Query;
import dev.weft.query.QueryCall;
import dev.weft.query.QueryContext;
import dev.weft.query.QueryEngine;
import dev.weft.query.QueryFailedException;
import dev.weft.scheduler.Scheduler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The examples of docs/cycles.md, compiled and run: a liveness analysis over a control-flow graph with a loop,
 * declared three ways (no option, a cycle fallback, a fixpoint). {@link #cyclesMd_everyJavaBlock_isHere}
 * checks that every block of the page is in this file.
 */
@Timeout(120)
class CyclesSnippetsTest {

  @Test
  void cyclesMd_everyJavaBlock_isHere() {
    DocPages.assertEveryJavaBlockIn(DocPages.page("cycles.md"), CyclesSnippetsTest.class, 8);
  }

  // --------------------------------------------------------------------------------- the analysis

  /** A basic block: the variables it reads before writing them, the variables it writes, its successors. */
  record Block(List<String> use, List<String> def, List<String> next) {}

  static final Input<String, Block> CFG = Query.input("cfg");

  /** The data-flow equations: what is live on entry to a block, and on its exit. */
  static Set<String> liveIn(QueryContext ctx, String block, Query<String, Set<String>> liveOut) {
    Block b = ctx.get(CFG, block);
    TreeSet<String> in = new TreeSet<>(ctx.get(liveOut, block));
    in.removeAll(b.def());
    in.addAll(b.use());
    return Collections.unmodifiableSortedSet(in);
  }

  static Set<String> liveOut(QueryContext ctx, String block, Query<String, Set<String>> liveIn) {
    TreeSet<String> out = new TreeSet<>();
    for (String next : ctx.get(CFG, block).next()) {
      out.addAll(ctx.get(liveIn, next));
    }
    return Collections.unmodifiableSortedSet(out);
  }

  record Liveness(Query<String, Set<String>> in, Query<String, Set<String>> out) {}

  static final Liveness PLAIN = Query.recursive(live -> new Liveness(
      Query.of("liveIn", (ctx, block) -> liveIn(ctx, block, live.get().out())),
      Query.of("liveOut", (ctx, block) -> liveOut(ctx, block, live.get().in()))));

  static final Liveness FALLBACK = Query.recursive(live -> new Liveness(
      Query.<String, Set<String>>builder("liveIn")
          .cycleFallback((block, cycle) -> Set.of())
          .build((ctx, block) -> liveIn(ctx, block, live.get().out())),
      Query.<String, Set<String>>builder("liveOut")
          .cycleFallback((block, cycle) -> Set.of())
          .build((ctx, block) -> liveOut(ctx, block, live.get().in()))));

  static final Liveness FIXPOINT = Query.recursive(live -> new Liveness(
      Query.<String, Set<String>>builder("liveIn")
          .fixpoint(block -> Set.of())                  // start from "nothing is live"
          .build((ctx, block) -> liveIn(ctx, block, live.get().out())),
      Query.<String, Set<String>>builder("liveOut")
          .fixpoint(block -> Set.of())
          .build((ctx, block) -> liveOut(ctx, block, live.get().in()))));

  /*
   *   B0:  i = 0; s = 0
   *   B1:  if (i < n) goto B2 else goto B3
   *   B2:  s = s + i; i = i + 1; goto B1
   *   B3:  return s
   */
  static final Map<String, Block> LOOP = Map.of(
      "B0", new Block(List.of(), List.of("i", "s"), List.of("B1")),
      "B1", new Block(List.of("i", "n"), List.of(), List.of("B2", "B3")),
      "B2", new Block(List.of("i", "s"), List.of("i", "s"), List.of("B1")),
      "B3", new Block(List.of("s"), List.of(), List.of()));

  static final List<String> BLOCKS = List.of("B0", "B1", "B2", "B3");

  static QueryEngine engine(Scheduler scheduler) {
    return QueryEngine.builder().scheduler(scheduler).build();
  }

  // ------------------------------------------------------------------------------------ no option

  @Test
  void plain_failsWithTheCycle() {
    try (Scheduler scheduler = Scheduler.parallel(2); QueryEngine engine = engine(scheduler)) {
      engine.update(tx -> tx.setAll(CFG, LOOP));
      try {
        engine.get(PLAIN.in(), "B0");
      } catch (CycleException e) {
        System.out.println(e.getMessage());
        List<QueryCall> cycle = e.cycle();   // [liveIn(B1), liveOut(B1), liveIn(B2), liveOut(B2)]
        assertThat(cycle).hasToString("[liveIn(B1), liveOut(B1), liveIn(B2), liveOut(B2)]");
      }
      assertThatThrownBy(() -> engine.get(PLAIN.in(), "B0")).isInstanceOf(CycleException.class);
      for (String entry : List.of("B2", "B1", "B0")) {
        assertThatThrownBy(() -> engine.get(PLAIN.out(), entry)).isInstanceOf(CycleException.class)
            .hasMessage("""
                cycle detected when computing liveIn(B1)
                  ...which requires computing liveOut(B1)
                  ...which requires computing liveIn(B2)
                  ...which requires computing liveOut(B2)
                  ...which again requires computing liveIn(B1), completing the cycle""");
      }
      assertThat(engine.get(PLAIN.in(), "B3")).containsExactly("s");   // off the cycle and reading none of it
    }
  }

  /** The same message whichever member is entered first, on any schedule. */
  @Test
  void plain_sameCycleFromEveryEntryAndSchedule() {
    for (long seed = 0; seed < 30; seed++) {
      for (String entry : List.of("B1", "B2")) {
        try (Scheduler scheduler = Scheduler.deterministic(seed); QueryEngine engine = engine(scheduler)) {
          engine.update(tx -> tx.setAll(CFG, LOOP));
          assertThatThrownBy(() -> engine.getAll(PLAIN.in(), BLOCKS)).isInstanceOf(CycleException.class)
              .hasMessageStartingWith("cycle detected when computing liveIn(B1)\n");
          assertThatThrownBy(() -> engine.get(PLAIN.out(), entry))
              .isInstanceOfSatisfying(CycleException.class, e -> assertThat(e.cycle())
                  .extracting(QueryCall::toString)
                  .containsExactly("liveIn(B1)", "liveOut(B1)", "liveIn(B2)", "liveOut(B2)"));
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------- fallback

  @Test
  void fallback_membersTakeTheFallbackValue() {
    try (Scheduler scheduler = Scheduler.parallel(2); QueryEngine engine = engine(scheduler)) {
      engine.update(tx -> tx.setAll(CFG, LOOP));
      engine.get(FALLBACK.in(), "B0");   // []: wrong, n is read before it is written
      engine.get(FALLBACK.in(), "B1");   // []: the fallback, not a solution of the equations
      assertThat(engine.get(FALLBACK.in(), "B0")).isEmpty();
      assertThat(engine.get(FALLBACK.in(), "B1")).isEmpty();
      assertThat(engine.get(FALLBACK.in(), "B3")).containsExactly("s");
      assertThat(engine.stats().cycles()).isEqualTo(1);
    }
  }

  // ------------------------------------------------------------------------------------- fixpoint

  @Test
  void fixpoint_convergesToTheLeastSolution() {
    try (Scheduler scheduler = Scheduler.parallel(2); QueryEngine engine = engine(scheduler)) {
      engine.update(tx -> tx.setAll(CFG, LOOP));
      engine.get(FIXPOINT.in(), "B0");                     // [n]: only n is live on entry
      engine.getAll(FIXPOINT.in(), List.of("B1", "B2", "B3"));   // [[i, n, s], [i, n, s], [s]]
      assertThat(engine.get(FIXPOINT.in(), "B0")).containsExactly("n");
      assertThat(engine.getAll(FIXPOINT.in(), List.of("B1", "B2", "B3")))
          .containsExactly(Set.of("i", "n", "s"), Set.of("i", "n", "s"), Set.of("s"));
      assertThat(engine.getAll(FIXPOINT.out(), BLOCKS))
          .containsExactly(Set.of("i", "n", "s"), Set.of("i", "n", "s"), Set.of("i", "n", "s"), Set.of());
      assertThat(engine.stats().cycles()).isEqualTo(1);
    }
  }

  /** Counts the executions of each member body: the rounds are the same whatever the entry and schedule. */
  static final class Counted {
    final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    final Liveness live;

    Counted() {
      live = Query.recursive(l -> new Liveness(
          Query.<String, Set<String>>builder("liveIn").fixpoint(block -> Set.of()).build((ctx, block) -> {
            runs.computeIfAbsent("liveIn(" + block + ")", k -> new AtomicInteger()).incrementAndGet();
            Set<String> in = liveIn(ctx, block, l.get().out());
            ctx.report(Diagnostic.info("liveIn(" + block + ") = " + in));
            return in;
          }),
          Query.<String, Set<String>>builder("liveOut").fixpoint(block -> Set.of()).build((ctx, block) -> {
            runs.computeIfAbsent("liveOut(" + block + ")", k -> new AtomicInteger()).incrementAndGet();
            return liveOut(ctx, block, l.get().in());
          })));
    }

    Map<String, Integer> counts() {
      Map<String, Integer> out = new TreeMap<>();
      runs.forEach((k, v) -> out.put(k, v.get()));
      return out;
    }
  }

  record Run(Map<String, Integer> counts, List<String> diagnostics, List<Set<String>> liveIn) {}

  static Run run(Scheduler scheduler, String entry) {
    Counted c = new Counted();
    try (QueryEngine engine = engine(scheduler)) {
      engine.update(tx -> tx.setAll(CFG, LOOP));
      Evaluation<Set<String>> e = engine.evaluate(c.live.in(), entry);
      List<String> diagnostics = new ArrayList<>();
      e.diagnostics().forEach(d -> diagnostics.add(d.message()));
      return new Run(c.counts(), diagnostics.stream().sorted().toList(), engine.getAll(c.live.in(), BLOCKS));
    }
  }

  @Test
  void fixpoint_sameRoundsValuesAndDiagnosticsFromEveryEntryAndSchedule() {
    Run first = null;
    for (String entry : List.of("B1", "B2")) {
      for (long seed = 0; seed < 25; seed++) {
        try (Scheduler s = Scheduler.deterministic(seed)) {
          Run r = run(s, entry);
          if (first == null) {
            first = r;
          }
          assertThat(r).as("entry %s seed %d", entry, seed).isEqualTo(first);
        }
      }
      try (Scheduler s = Scheduler.parallel(2)) {
        assertThat(run(s, entry)).as("entry %s parallel(2)", entry).isEqualTo(first);
      }
    }
    // Each member ran once until the cycle closed, then in 3 rounds from the initial values: the first two
    // grow the sets, the third changes nothing. liveIn(B3) is not a member: it ran once.
    assertThat(first.counts()).containsEntry("liveIn(B1)", 4).containsEntry("liveIn(B2)", 4)
        .containsEntry("liveOut(B1)", 4).containsEntry("liveOut(B2)", 4).containsEntry("liveIn(B3)", 1);
    assertThat(first.diagnostics()).contains("liveIn(B1) = [i, n, s]", "liveIn(B2) = [i, n, s]");
  }

  @Test
  void fixpoint_laterRevisions() {
    Counted c = new Counted();
    try (Scheduler scheduler = Scheduler.parallel(2); QueryEngine engine = engine(scheduler)) {
      engine.update(tx -> tx.setAll(CFG, LOOP));
      assertThat(engine.get(c.live.in(), "B0")).containsExactly("n");
      Map<String, Integer> before = c.counts();
      EngineStats stats = engine.stats();
      engine.set(CFG, "B0", new Block(List.of("k"), List.of("i", "s"), List.of("B1")));   // the loop is untouched
      engine.get(c.live.in(), "B0");   // [k, n]; the loop's members were verified as a unit, none ran
      assertThat(engine.get(c.live.in(), "B0")).containsExactly("k", "n");
      Map<String, Integer> expected = new TreeMap<>(before);   // only the two queries of B0 ran again
      expected.merge("liveIn(B0)", 1, Integer::sum);
      expected.merge("liveOut(B0)", 1, Integer::sum);
      assertThat(c.counts()).isEqualTo(expected);
      assertThat(engine.stats().minus(stats).cycles()).isZero();
      engine.set(CFG, "B2", new Block(List.of("i", "s", "t"), List.of("i", "s"), List.of("B1")));   // inside the loop
      engine.get(c.live.in(), "B0");   // [k, n, t]: the group iterated again
      assertThat(engine.get(c.live.in(), "B0")).containsExactly("k", "n", "t");
      assertThat(engine.get(c.live.in(), "B1")).containsExactly("i", "n", "s", "t");
      assertThat(engine.stats().minus(stats).cycles()).isEqualTo(1);
    }
  }

  static final Query<Integer, Integer> COUNTER = Query.<Integer, Integer>builder("counter")
      .fixpoint(k -> 0, 20)
      .buildRecursive((self, ctx, k) -> ctx.get(self, k) + 1);   // counter = counter + 1 has no fixpoint

  @Test
  void fixpoint_maxRounds() {
    try (Scheduler scheduler = Scheduler.parallel(2); QueryEngine engine = engine(scheduler)) {
      try {
        engine.get(COUNTER, 1);
      } catch (CycleException e) {
        System.out.println(e.getMessage());   // fixpoint of the cycle did not converge in 20 rounds: [counter(1)]
      }
      assertThatThrownBy(() -> engine.get(COUNTER, 1)).isInstanceOf(CycleException.class)
          .hasMessage("fixpoint of the cycle did not converge in 20 rounds: [counter(1)]");
    }
  }

  static final Query<Integer, Integer> CAPPED = Query.<Integer, Integer>builder("capped")
      .fixpoint(k -> 0)
      .buildRecursive((self, ctx, k) -> {
        int n = ctx.get(self, k) + 1;
        if (n > 3) {
          throw new IllegalStateException("too big: " + n);
        }
        return n;
      });

  @Test
  void fixpoint_exceptionInARound() {
    try (Scheduler scheduler = Scheduler.parallel(2); QueryEngine engine = engine(scheduler)) {
      try {
        engine.get(CAPPED, 1);
      } catch (QueryFailedException e) {
        System.out.println(e.getCause());   // java.lang.IllegalStateException: too big: 4
      }
      assertThatThrownBy(() -> engine.get(CAPPED, 1)).isInstanceOf(QueryFailedException.class)
          .hasRootCauseMessage("too big: 4");
      assertThat(engine.get(Query.<Integer, Integer>of("other", (ctx, k) -> k), 2)).isEqualTo(2);
    }
  }
}
