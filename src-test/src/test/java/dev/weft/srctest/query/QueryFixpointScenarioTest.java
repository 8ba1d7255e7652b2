package dev.weft.srctest.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.junit.WeftRun;
import dev.weft.junit.WeftTest;
import dev.weft.query.CycleException;
import dev.weft.query.Diagnostic;
import dev.weft.query.Evaluation;
import dev.weft.query.Input;
import dev.weft.query.Query;
import dev.weft.query.QueryEngine;
import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fixpoint cycles explored under many deterministic schedules and {@code parallel(2)} runs, against a
 * reference that computes the least fixpoint by plain iteration. The graphs come from each run's seed, so a
 * failure replays with its seed; every node is entered from one to four tasks at once, so groups are found
 * from different members and threads, meet each other, grow and merge.
 */
class QueryFixpointScenarioTest {
  static final int SEEDS = 200;
  static final int PARALLEL = 20;

  /** A random directed graph, with a reference least fixpoint of reachability and of a weighted bound. */
  record Graph(int nodes, Map<Integer, List<Integer>> edges) {
    static Graph random(SplittableRandom rnd, int max) {
      int nodes = 4 + rnd.nextInt(max);
      Map<Integer, List<Integer>> edges = new HashMap<>();
      for (int n = 0; n < nodes; n++) {
        List<Integer> out = new ArrayList<>();
        for (int k = rnd.nextInt(3); k >= 0; k--) {
          out.add(rnd.nextInt(nodes));
        }
        edges.put(n, out);
      }
      return new Graph(nodes, edges);
    }

    List<Integer> out(int n) {
      return edges.getOrDefault(n, List.of());
    }

    Set<Integer> reach(int n) {
      TreeSet<Integer> seen = new TreeSet<>();
      ArrayList<Integer> todo = new ArrayList<>(List.of(n));
      while (!todo.isEmpty()) {
        int x = todo.remove(todo.size() - 1);
        if (seen.add(x)) {
          todo.addAll(out(x));
        }
      }
      return seen;
    }
  }

  /**
   * reach(n) = {n} plus reach of n's successors: mutually recursive, iterated from the empty set. Half of the
   * hops go through a plain helper query (no fixpoint, no fallback), a quarter through getAll.
   */
  static final class Reach {
    final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    final Query<Integer, Set<Integer>> reach;

    @SuppressWarnings("unchecked")
    Reach(Graph g) {
      Query<Integer, Set<Integer>>[] self = new Query[2];
      Query<Integer, Set<Integer>> via = Query.of("via", (ctx, n) -> ctx.get(self[0], n));
      self[1] = via;
      this.reach = Query.<Integer, Set<Integer>>of("reach", (ctx, n) -> {
        runs.computeIfAbsent("reach(" + n + ")", k -> new AtomicInteger()).incrementAndGet();
        TreeSet<Integer> out = new TreeSet<>();
        out.add(n);
        List<Integer> next = g.out(n);
        if (n % 4 == 3) {
          for (Set<Integer> s : ctx.getAll(self[0], next)) {
            out.addAll(s);
          }
        } else {
          for (int m : next) {
            out.addAll(ctx.get(self[(n + m) % 2], m));
          }
        }
        ctx.report(Diagnostic.info("reach(" + n + ") has " + out.size()));
        return Set.copyOf(out);
      }).withFixpoint(n -> Set.of());
      self[0] = reach;
    }
  }

  private static QueryEngine engine(Scheduler scheduler) {
    return QueryEngine.builder().scheduler(scheduler).name("fixpoint").build();
  }

  @WeftTest(seeds = SEEDS, parallelRuns = PARALLEL)
  void reach_randomGraphManyEntries_equalsLeastFixpoint(Scheduler scheduler, WeftRun run) {
    SplittableRandom rnd = run.random();
    Graph g = Graph.random(rnd, 16);
    Reach q = new Reach(g);
    try (QueryEngine engine = engine(scheduler)) {
      List<Task<Set<Integer>>> tasks = new ArrayList<>();
      List<Integer> entries = new ArrayList<>();
      for (int t = 1 + rnd.nextInt(4); t > 0; t--) {
        int n = rnd.nextInt(g.nodes());
        entries.add(n);
        tasks.add(scheduler.spawn("entry-" + t, () -> engine.get(q.reach, n)));
      }
      for (int i = 0; i < tasks.size(); i++) {
        assertThat(tasks.get(i).join()).as("%s node %d", run, entries.get(i)).isEqualTo(g.reach(entries.get(i)));
      }
      for (int n = 0; n < g.nodes(); n++) {
        assertThat(engine.get(q.reach, n)).as("%s node %d", run, n).isEqualTo(g.reach(n));
      }
    }
  }

  /**
   * The diagnostics of a group (the last round's) and its values do not depend on the member entered first:
   * evaluating from every member of a fixed strongly connected graph gives the same sorted diagnostics.
   */
  @WeftTest(seeds = SEEDS / 4, parallelRuns = PARALLEL / 4)
  void evaluate_fromEveryMember_sameValuesAndDiagnostics(Scheduler scheduler) {
    Graph g = new Graph(5, Map.of(0, List.of(1), 1, List.of(2, 4), 2, List.of(3), 3, List.of(0, 1), 4, List.of(0)));
    List<List<String>> seen = new ArrayList<>();
    for (int entry = 0; entry < 5; entry++) {
      Reach q = new Reach(g);
      try (QueryEngine engine = engine(scheduler)) {
        Evaluation<Set<Integer>> e = engine.evaluate(q.reach, entry);
        assertThat(e.value()).isEqualTo(Set.of(0, 1, 2, 3, 4));
        seen.add(e.diagnostics().stream().map(Diagnostic::message).sorted().toList());
      }
    }
    assertThat(seen).allSatisfy(d -> assertThat(d).isEqualTo(seen.get(0)));
    assertThat(seen.get(0)).hasSize(5).allSatisfy(m -> assertThat(m).endsWith("has 5"));
  }

  /** After an edit, a group re-iterates in the new revision and agrees with the reference again. */
  @WeftTest(seeds = SEEDS / 4, parallelRuns = PARALLEL / 4)
  void set_edgeChanges_groupsReconverge(Scheduler scheduler, WeftRun run) {
    SplittableRandom rnd = run.random();
    Graph g = Graph.random(rnd, 10);
    Input<Integer, List<Integer>> edges = Query.input("edges");
    @SuppressWarnings("unchecked")
    Query<Integer, Set<Integer>>[] self = new Query[1];
    self[0] = Query.<Integer, Set<Integer>>of("reach", (ctx, n) -> {
      TreeSet<Integer> out = new TreeSet<>();
      out.add(n);
      for (int m : ctx.get(edges, n)) {
        out.addAll(ctx.get(self[0], m));
      }
      return Set.copyOf(out);
    }).withFixpoint(n -> Set.of());
    try (QueryEngine engine = engine(scheduler)) {
      Map<Integer, List<Integer>> current = new HashMap<>(g.edges());
      engine.update(tx -> current.forEach((n, e) -> tx.set(edges, n, e)));
      for (int step = 0; step < 4; step++) {
        Graph now = new Graph(g.nodes(), Map.copyOf(current));
        for (int n = 0; n < g.nodes(); n++) {
          assertThat(engine.get(self[0], n)).as("%s step %d node %d", run, step, n).isEqualTo(now.reach(n));
        }
        int n = rnd.nextInt(g.nodes());
        List<Integer> e = List.of(rnd.nextInt(g.nodes()));
        current.put(n, e);
        engine.set(edges, n, e);
      }
    }
  }

  /** A group that cannot converge fails every member the same way, from any entry, and nothing hangs. */
  @WeftTest(seeds = SEEDS / 4, parallelRuns = PARALLEL / 4)
  void counterCycle_neverConverges_everyEntryFailsTheSame(Scheduler scheduler) {
    Map<String, Query<Integer, Integer>> q = new HashMap<>();
    q.put("a", Query.<Integer, Integer>of("a", (ctx, k) -> ctx.get(q.get("b"), k) + 1).withFixpoint(k -> 0, 20));
    q.put("b", Query.<Integer, Integer>of("b", (ctx, k) -> ctx.get(q.get("c"), k)));
    q.put("c", Query.<Integer, Integer>of("c", (ctx, k) -> ctx.get(q.get("a"), k)));
    try (QueryEngine engine = engine(scheduler)) {
      List<Task<String>> tasks = new ArrayList<>();
      for (String name : List.of("a", "b", "c")) {
        tasks.add(scheduler.spawn(name, () -> {
          try {
            return "value " + engine.get(q.get(name), 1);
          } catch (CycleException e) {
            return e.getMessage();
          }
        }));
      }
      for (Task<String> t : tasks) {
        assertThat(t.join()).isEqualTo("fixpoint of the cycle did not converge in 20 rounds: [a(1), b(1), c(1)]");
      }
    }
  }
}
