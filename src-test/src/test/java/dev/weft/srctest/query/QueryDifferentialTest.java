package dev.weft.srctest.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.junit.WeftRun;
import dev.weft.junit.WeftTest;
import dev.weft.query.Diagnostic;
import dev.weft.query.Evaluation;
import dev.weft.query.Query;
import dev.weft.query.QueryEngine;
import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * Differential test: random query programs ({@link Program}: DAG reads, {@code getAll}, rings of cycles with
 * and without fallbacks, failing bodies, diagnostics) evaluated by the engine under a deterministic schedule
 * per seed and under {@code parallel(2)}, by several concurrent callers through {@code get}, {@code getAll}
 * and {@code evaluate}, over five revisions (random {@code set}s between rounds; parity-only reads make many of them cut off early), with and without
 * {@code withLru}. Every value, failure,
 * cycle outcome and diagnostic list (in order) must equal the sequential {@link Reference} evaluator's.
 *
 * <p>A failure prints the seed, the replay line and the program.
 */
class QueryDifferentialTest {
  private static final int ROUNDS = 5;

  @WeftTest(seeds = 300, parallelRuns = 6)
  void randomProgram_concurrentCallersOverRevisions_matchReference(WeftRun run, Scheduler scheduler) {
    SplittableRandom random = run.random();
    Program program = Program.random(random, 4 + random.nextInt(27), 1 + random.nextInt(6));
    // A quarter of the programs keep only a few values per query: eviction must not change any outcome.
    int lru = random.nextInt(4) == 0 ? random.nextInt(4) : -1;
    Program.Queries q = program.queries(lru);
    Integer[] inputs = new Integer[program.inputs + 1]; // the last key starts unset
    try (QueryEngine engine = QueryEngine.builder().scheduler(scheduler).name("differential").build()) {
      for (int i = 0; i < program.inputs; i++) {
        inputs[i] = random.nextInt(100);
        engine.set(q.input, i, inputs[i]);
      }
      for (int round = 0; round < ROUNDS; round++) {
        Reference reference = new Reference(program, inputs);
        List<String> mismatches = evaluateConcurrently(engine, program, q, reference, random, scheduler);
        assertThat(mismatches).as("round %d, revision %d, lru %d, inputs %s%n%s", round, engine.revision(), lru,
            java.util.Arrays.toString(inputs), program).isEmpty();
        int changes = 1 + random.nextInt(2);
        for (int c = 0; c < changes; c++) {
          int i = random.nextInt(inputs.length);
          inputs[i] = random.nextInt(100);
          engine.set(q.input, i, inputs[i]);
        }
      }
    }
  }

  /** Several tasks read every node once each, through a random entry point; returns the differences. */
  private static List<String> evaluateConcurrently(QueryEngine engine, Program program, Program.Queries q,
      Reference reference, SplittableRandom random, Scheduler scheduler) {
    int callers = 1 + random.nextInt(4);
    List<List<Integer>> work = new ArrayList<>();
    for (int c = 0; c < callers; c++) {
      work.add(new ArrayList<>());
    }
    List<Integer> all = new ArrayList<>();
    for (int n = 0; n < program.nodes.size(); n++) {
      all.add(n);
    }
    Collections.shuffle(all, new Random(random.nextLong()));
    for (int n : all) {
      work.get(random.nextInt(callers)).add(n);
    }
    List<String> mismatches = Collections.synchronizedList(new ArrayList<>());
    ConcurrentHashMap<Integer, Boolean> seen = new ConcurrentHashMap<>();
    List<Task<Void>> tasks = new ArrayList<>();
    for (int c = 0; c < callers; c++) {
      List<Integer> mine = work.get(c);
      long seed = random.nextLong();
      tasks.add(scheduler.spawn("caller-" + c, () -> {
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < mine.size(); i++) {
          int node = mine.get(i);
          seen.put(node, true);
          switch (r.nextInt(3)) {
            case 0 -> check(mismatches, "get", node, reference.outcome(node), read(node,
                n -> engine.get(q.queryOf(n), n + Program.KEY_OFFSET)));
            case 1 -> {
              Evaluation<Integer> e = engine.evaluate(q.queryOf(node), node + Program.KEY_OFFSET);
              Outcome got = e.failure().<Outcome>map(Outcome::of).orElseGet(() -> new Outcome.Value(e.value()));
              check(mismatches, "evaluate", node, reference.outcome(node), got);
              List<String> diagnostics = e.diagnostics().stream().map(QueryDifferentialTest::render).toList();
              if (!diagnostics.equals(reference.diagnostics(node))) {
                mismatches.add("evaluate " + program.nodes.get(node).call() + " diagnostics: expected "
                    + reference.diagnostics(node) + " but got " + diagnostics);
              }
            }
            default -> {
              // getAll over this node and the next ones of the same query, in this caller's order
              List<Integer> group = new ArrayList<>();
              group.add(node);
              while (i + 1 < mine.size() && group.size() < 3
                  && program.nodes.get(mine.get(i + 1)).fallback() == program.nodes.get(node).fallback()) {
                group.add(mine.get(++i));
              }
              group.forEach(n -> seen.put(n, true));
              checkGetAll(mismatches, engine, program, q, reference, group);
            }
          }
        }
        return null;
      }));
    }
    for (Task<Void> t : tasks) {
      t.join();
    }
    assertThat(seen).hasSize(program.nodes.size());
    return mismatches;
  }

  private static void checkGetAll(List<String> mismatches, QueryEngine engine, Program program,
      Program.Queries q, Reference reference, List<Integer> group) {
    Query<Integer, Integer> query = q.queryOf(group.getFirst());
    List<Integer> keys = group.stream().map(n -> n + Program.KEY_OFFSET).toList();
    Outcome expected = null;
    for (int n : group) {
      if (!reference.outcome(n).isValue()) {
        expected = reference.outcome(n);
        break;
      }
    }
    try {
      List<Integer> values = engine.getAll(query, keys);
      if (expected != null) {
        mismatches.add("getAll " + keys + ": expected " + expected + " but got values " + values);
        return;
      }
      for (int i = 0; i < group.size(); i++) {
        check(mismatches, "getAll", group.get(i), reference.outcome(group.get(i)),
            new Outcome.Value(values.get(i)));
      }
    } catch (RuntimeException e) {
      Outcome got = Outcome.of(e);
      if (!got.equals(expected)) {
        mismatches.add("getAll " + query.name() + keys + ": expected " + expected + " but got " + got
            + " (" + e + ")");
      }
    }
  }

  private static Outcome read(int node, IntFunction<Integer> get) {
    try {
      return new Outcome.Value(get.apply(node));
    } catch (RuntimeException e) {
      return Outcome.of(e);
    }
  }

  private static void check(List<String> mismatches, String how, int node, Outcome expected, Outcome got) {
    if (!expected.equals(got)) {
      mismatches.add(how + " node " + node + " (key " + (node + Program.KEY_OFFSET) + "): expected " + expected
          + " but got " + got);
    }
  }

  static String render(Diagnostic d) {
    return d.severity().name().toLowerCase(Locale.ROOT) + ": " + d.message();
  }
}
