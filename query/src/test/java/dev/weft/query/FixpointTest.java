package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.scheduler.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Cycles that converge: fixpoint groups under every scheduler mode. */
@Timeout(60)
class FixpointTest {

  static List<Modes.Mode> modes() {
    return Modes.all();
  }

  static List<Modes.Mode> some() {
    return Modes.some();
  }

  /** Reachability over a graph, as mutually recursive queries that iterate from the empty set. */
  static final class Reach {
    final Map<Integer, List<Integer>> edges;
    final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    @SuppressWarnings("unchecked")
    final Query<Integer, Set<Integer>>[] self = new Query[1];
    final Query<Integer, Set<Integer>> reach;

    Reach(Map<Integer, List<Integer>> edges, boolean report) {
      this.edges = edges;
      this.reach = Query.<Integer, Set<Integer>>of("reach", (ctx, n) -> {
        runs.computeIfAbsent("reach(" + n + ")", k -> new AtomicInteger()).incrementAndGet();
        TreeSet<Integer> out = new TreeSet<>();
        out.add(n);
        for (int m : edges.getOrDefault(n, List.of())) {
          out.addAll(ctx.get(self[0], m));
        }
        if (report) {
          ctx.report(Diagnostic.info("reach(" + n + ") = " + out));
        }
        return Set.copyOf(out);
      }).withFixpoint(n -> Set.of());
      self[0] = reach;
    }

    /** The least fixpoint by plain iteration: the set of nodes reachable from n. */
    Set<Integer> expected(int n) {
      TreeSet<Integer> seen = new TreeSet<>();
      ArrayList<Integer> todo = new ArrayList<>(List.of(n));
      while (!todo.isEmpty()) {
        int x = todo.remove(todo.size() - 1);
        if (seen.add(x)) {
          todo.addAll(edges.getOrDefault(x, List.of()));
        }
      }
      return seen;
    }
  }

  @ParameterizedTest
  @MethodSource("modes")
  void get_twoQueryCycle_convergesToTheLeastFixpointFromEitherEntry(Modes.Mode mode) {
    for (int entry : new int[] {1, 2}) {
      try (Harness h = new Harness(mode)) {
        Reach g = new Reach(Map.of(1, List.of(2), 2, List.of(1, 3)), false);
        assertThat(h.engine.get(g.reach, entry)).isEqualTo(Set.of(1, 2, 3));
        assertThat(h.engine.get(g.reach, 3 - entry)).isEqualTo(Set.of(1, 2, 3));
        assertThat(h.engine.get(g.reach, 3)).isEqualTo(Set.of(3));
        // once until the cycle was found, then rounds in canonical order from the empty sets: round 1 gives
        // reach(1) = {1} and reach(2) = {1, 2, 3}, round 2 grows reach(1), round 3 changes nothing; the same
        // whichever member was entered
        assertThat(g.runs.get("reach(1)")).hasValue(4);
        assertThat(g.runs.get("reach(2)")).hasValue(4);
        assertThat(h.engine.stats().cycles()).isEqualTo(1);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("some")
  void evaluate_cycle_diagnosticsOfTheLastRoundOnlyAndSameFromEitherEntry(Modes.Mode mode) {
    List<List<String>> seen = new ArrayList<>();
    for (int entry : new int[] {1, 2, 3}) {
      try (Harness h = new Harness(mode)) {
        Reach g = new Reach(Map.of(1, List.of(2), 2, List.of(3), 3, List.of(1)), true);
        Query<String, Integer> top = Query.of("top", (ctx, k) -> ctx.get(g.reach, entry).size());
        Evaluation<Integer> e = h.engine.evaluate(top, "");
        assertThat(e.value()).isEqualTo(3);
        seen.add(e.diagnostics().stream().map(Diagnostic::message).sorted().toList());
      }
    }
    assertThat(seen).allSatisfy(d -> assertThat(d)
        .containsExactly("reach(1) = [1, 2, 3]", "reach(2) = [1, 2, 3]", "reach(3) = [1, 2, 3]"));
  }

  @ParameterizedTest
  @MethodSource("some")
  void get_cycleThatNeverConverges_everyMemberFailsSayingSo(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      Map<String, Query<Integer, Integer>> q = new HashMap<>();
      q.put("a", Query.<Integer, Integer>of("a", (ctx, k) -> ctx.get(q.get("b"), k) + 1).withFixpoint(k -> 0, 10));
      q.put("b", Query.<Integer, Integer>of("b", (ctx, k) -> ctx.get(q.get("a"), k) + 1));
      for (String name : List.of("a", "b", "a")) {
        assertThatThrownBy(() -> h.engine.get(q.get(name), 7)).isInstanceOf(CycleException.class)
            .hasMessageContaining("did not converge in 10 rounds").hasMessageContaining("a(7)")
            .hasMessageContaining("b(7)");
      }
      Query<Integer, Integer> off = Query.of("off", (ctx, k) -> {
        try {
          return ctx.get(q.get("a"), k);
        } catch (CycleException c) {
          return -1;
        }
      });
      assertThat(h.engine.get(off, 7)).isEqualTo(-1);
    }
  }

  /** A fallback member starts from its fallback value; a member with neither runs on demand. */
  @ParameterizedTest
  @MethodSource("some")
  void get_mixedMembers_fallbackSeedsAndPlainMembersTakePart(Modes.Mode mode) {
    for (String entry : List.of("a", "b", "c")) {
      try (Harness h = new Harness(mode)) {
        Map<String, Query<Integer, Integer>> q = new HashMap<>();
        // a = min(10, b + 1), b = c, c = max(a, 3): least fixpoint from a = 0 is a = 4, b = c = 3... iterates
        q.put("a", Query.<Integer, Integer>of("a", (ctx, k) -> Math.min(10, ctx.get(q.get("b"), k) + 1))
            .withFixpoint(k -> 0));
        q.put("b", Query.<Integer, Integer>of("b", (ctx, k) -> ctx.get(q.get("c"), k))
            .withCycleFallback((k, c) -> 0));
        q.put("c", Query.<Integer, Integer>of("c", (ctx, k) -> Math.max(ctx.get(q.get("a"), k), 3)));
        assertThat(h.engine.get(q.get(entry), 1)).as(entry).isEqualTo(entry.equals("a") ? 10 : 10);
        assertThat(h.engine.get(q.get("a"), 1)).isEqualTo(10);
        assertThat(h.engine.get(q.get("b"), 1)).isEqualTo(10);
        assertThat(h.engine.get(q.get("c"), 1)).isEqualTo(10);
      }
    }
  }

  /** A body that throws in a round is an outcome like any other: no claim leaks, nothing hangs. */
  @ParameterizedTest
  @MethodSource("some")
  void get_memberThrowsInARound_groupEndsCleanly(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      Map<String, Query<Integer, Integer>> q = new HashMap<>();
      q.put("a", Query.<Integer, Integer>of("a", (ctx, k) -> {
        int b = ctx.get(q.get("b"), k);
        if (b >= 3) {
          throw new IllegalStateException("too big: " + b);
        }
        return b + 1;
      }).withFixpoint(k -> 0));
      q.put("b", Query.<Integer, Integer>of("b", (ctx, k) -> ctx.get(q.get("a"), k) + 1));
      assertThatThrownBy(() -> h.engine.get(q.get("a"), 1)).isInstanceOf(QueryFailedException.class)
          .hasRootCauseMessage("too big: 3");
      assertThatThrownBy(() -> h.engine.get(q.get("b"), 1)).isInstanceOf(QueryFailedException.class);
      Query<Integer, Integer> fine = Query.of("fine", (ctx, k) -> k);
      assertThat(h.engine.get(fine, 2)).isEqualTo(2);
    }
  }

  /** A cycle entered from outside, and the reads that led into it, from several threads at once. */
  @ParameterizedTest
  @MethodSource("modes")
  void get_parallelEntriesIntoOneGroup_sameValuesEverywhere(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      Map<Integer, List<Integer>> edges = Map.of(1, List.of(2), 2, List.of(3), 3, List.of(4, 1), 4, List.of(2, 5));
      Reach g = new Reach(edges, false);
      Query<Integer, Integer> outside = Query.of("outside", (ctx, k) -> ctx.get(g.reach, k).size());
      List<Task<Integer>> tasks = new ArrayList<>();
      for (int n = 1; n <= 4; n++) {
        int k = n;
        tasks.add(h.spawn("entry" + n, () -> h.engine.get(outside, k)));
      }
      for (Task<Integer> t : tasks) {
        assertThat(t.join()).isEqualTo(5);
      }
      for (int n = 1; n <= 4; n++) {
        assertThat(h.engine.get(g.reach, n)).isEqualTo(Set.of(1, 2, 3, 4, 5));
      }
    }
  }

  @ParameterizedTest
  @MethodSource("some")
  void set_duringIteration_cancelsAndTheNextReadConverges(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      Input<Integer, Integer> limit = Query.input("limit");
      Map<String, Query<Integer, Integer>> q = new HashMap<>();
      q.put("a", Query.<Integer, Integer>of("a", (ctx, k) -> {
        ctx.scheduler().sleep(Duration.ofMillis(1));
        return Math.min(ctx.get(limit, 0), ctx.get(q.get("b"), k) + 1);
      }).withFixpoint(k -> 0));
      q.put("b", Query.<Integer, Integer>of("b", (ctx, k) -> ctx.get(q.get("a"), k) + 1));
      h.engine.set(limit, 0, 50);
      Object first = h.inTask(() -> {
        Task<Object> reader = h.scheduler.spawn("reader", () -> {
          try {
            return h.engine.get(q.get("a"), 1);
          } catch (CancelledException c) {
            return "cancelled";
          }
        });
        h.scheduler.sleep(Duration.ofMillis(5));
        h.engine.set(limit, 0, 8);
        return reader.join();
      });
      assertThat(first).isIn(50, 8, "cancelled");
      assertThat(h.engine.get(q.get("a"), 1)).isEqualTo(8);
      assertThat(h.engine.get(q.get("b"), 1)).isEqualTo(9);
    }
  }

  static Stream<Arguments> graphs() {
    return IntStream.range(0, 30).boxed().flatMap(i -> Stream.of(
        Arguments.of(0x51DEL * (i + 1), new Modes.Mode("parallel(2)#" + i, true, 0)),
        Arguments.of(0x51DEL * (i + 1), new Modes.Mode("deterministic(" + i + ")", false, 1000L + i))));
  }

  /**
   * Random cyclic graphs with overlapping cycles, entered from several tasks at random nodes: every reach set
   * equals the least fixpoint computed by plain iteration.
   */
  @ParameterizedTest
  @MethodSource("graphs")
  void get_randomCyclicGraphs_agreeWithTheLeastFixpoint(long seed, Modes.Mode mode) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int nodes = 6 + rnd.nextInt(20);
    Map<Integer, List<Integer>> edges = new HashMap<>();
    for (int n = 0; n < nodes; n++) {
      List<Integer> out = new ArrayList<>();
      for (int k = rnd.nextInt(3); k >= 0; k--) {
        out.add(rnd.nextInt(nodes));
      }
      edges.put(n, out);
    }
    try (Harness h = new Harness(mode)) {
      Reach g = new Reach(edges, false);
      List<Task<Set<Integer>>> tasks = new ArrayList<>();
      List<Integer> entries = new ArrayList<>();
      for (int t = 0; t < 1 + rnd.nextInt(4); t++) {
        int n = rnd.nextInt(nodes);
        entries.add(n);
        tasks.add(h.spawn("entry" + t, () -> h.engine.get(g.reach, n)));
      }
      for (int t = 0; t < tasks.size(); t++) {
        assertThat(tasks.get(t).join()).as("seed %d node %d", seed, entries.get(t))
            .isEqualTo(g.expected(entries.get(t)));
      }
      for (int n = 0; n < nodes; n++) {
        assertThat(h.engine.get(g.reach, n)).as("seed %d node %d", seed, n).isEqualTo(g.expected(n));
      }
    }
  }

  /** Groups found inside another group's reads are iterated once each, not once per outer round. */
  @ParameterizedTest
  @MethodSource("some")
  void get_groupBelowAnotherGroup_innerConvergesOnce(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      Reach inner = new Reach(Map.of(10, List.of(11), 11, List.of(10)), false);
      Map<String, Query<Integer, Integer>> q = new HashMap<>();
      q.put("x", Query.<Integer, Integer>of("x", (ctx, k) -> Math.min(20,
          ctx.get(q.get("y"), k) + ctx.get(inner.reach, 10).size())).withFixpoint(k -> 0));
      q.put("y", Query.<Integer, Integer>of("y", (ctx, k) -> ctx.get(q.get("x"), k)));
      assertThat(h.engine.get(q.get("x"), 1)).isEqualTo(20);
      // the inner group converged once (discovery, then three rounds) and was a memo hit in later outer rounds
      assertThat(inner.runs.get("reach(10)")).hasValue(4);
      assertThat(inner.runs.get("reach(11)")).hasValue(4);
    }
  }

  /** The reach sets as text, for messages. */
  static String render(Map<Integer, Set<Integer>> m) {
    return m.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
  }
}
