package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.scheduler.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Diagnostics come out in sequential order (a body's reports and reads in program order, getAll in key
 * order, each query's diagnostics once at its first read), identical whatever the interleaving. Random DAG
 * programs with random scheduler sleeps are compared with a single-threaded reference walk.
 */
@Timeout(60)
class DiagnosticsTest {
  static List<Modes.Mode> modes() {
    return Modes.all();
  }

  sealed interface Op {}

  record Report(String message) implements Op {}

  record Read(int node) implements Op {}

  record ReadAll(List<Integer> nodes) implements Op {}

  /** A random DAG: node i only reads nodes greater than i. */
  static List<List<Op>> program(long seed, int size) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<List<Op>> nodes = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      List<Op> ops = new ArrayList<>();
      int n = rnd.nextInt(5);
      for (int k = 0; k < n; k++) {
        int kind = rnd.nextInt(3);
        if (kind == 0 || i >= size - 1) {
          ops.add(new Report("n" + i + "#" + k));
        } else if (kind == 1) {
          ops.add(new Read(rnd.nextInt(i + 1, size)));
        } else {
          List<Integer> keys = new ArrayList<>();
          int m = 1 + rnd.nextInt(3);
          for (int j = 0; j < m; j++) {
            keys.add(rnd.nextInt(i + 1, size));
          }
          ops.add(new ReadAll(keys));
        }
      }
      nodes.add(ops);
    }
    return nodes;
  }

  static List<String> reference(List<List<Op>> program, int root) {
    List<String> out = new ArrayList<>();
    Set<Integer> seen = new HashSet<>();
    seen.add(root);
    walk(program, root, seen, out);
    return out;
  }

  private static void walk(List<List<Op>> program, int node, Set<Integer> seen, List<String> out) {
    for (Op op : program.get(node)) {
      switch (op) {
        case Report r -> out.add(r.message());
        case Read r -> {
          if (seen.add(r.node())) {
            walk(program, r.node(), seen, out);
          }
        }
        case ReadAll r -> {
          for (int j : r.nodes()) {
            if (seen.add(j)) {
              walk(program, j, seen, out);
            }
          }
        }
      }
    }
  }

  static Query<Integer, Integer> queries(List<List<Op>> program, long seed) {
    Query<Integer, Integer>[] self = new Query[1];
    self[0] = Query.of("node", (ctx, i) -> {
      SplittableRandom rnd = new SplittableRandom(seed * 31 + i);
      int value = 1;
      for (Op op : program.get(i)) {
        ctx.scheduler().sleep(Duration.ofNanos(rnd.nextInt(3) * 200_000L));
        switch (op) {
          case Report r -> ctx.report(i % 2 == 0 ? Diagnostic.warning(r.message()) : Diagnostic.info(r.message()));
          case Read r -> value += ctx.get(self[0], r.node());
          case ReadAll r -> {
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

  private static List<String> messages(Evaluation<?> e) {
    List<String> out = new ArrayList<>();
    for (Diagnostic d : e.diagnostics()) {
      out.add(d.message());
    }
    return out;
  }

  @ParameterizedTest
  @MethodSource("modes")
  void evaluate_randomPrograms_sequentialOrderInEveryInterleaving(Modes.Mode mode) {
    for (long p = 1; p <= 3; p++) {
      List<List<Op>> program = program(p * 7919, 14);
      try (Harness h = new Harness(mode)) {
        Query<Integer, Integer> node = queries(program, p);
        List<List<String>> seen = h.inTask(() -> {
          // several entry points at once, so that parts of the graph are computed by other tasks
          List<Task<List<String>>> tasks = new ArrayList<>();
          for (int root : List.of(0, 3, 1)) {
            tasks.add(h.scheduler.spawn("eval-" + root, () -> messages(h.engine.evaluate(node, root))));
          }
          List<List<String>> out = new ArrayList<>();
          for (Task<List<String>> t : tasks) {
            out.add(t.join());
          }
          return out;
        });
        assertThat(seen.get(0)).as("program %d from 0", p).isEqualTo(reference(program, 0));
        assertThat(seen.get(1)).as("program %d from 3", p).isEqualTo(reference(program, 3));
        assertThat(seen.get(2)).as("program %d from 1", p).isEqualTo(reference(program, 1));
        // replayed from memos
        for (int root = 0; root < program.size(); root++) {
          assertThat(messages(h.engine.evaluate(node, root))).isEqualTo(reference(program, root));
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("modes")
  void evaluate_failureAndCycle_keepDiagnosticsBeforeTheFailure(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      Query<Integer, Integer> leaf = Query.of("leaf", (ctx, k) -> {
        ctx.report(Diagnostic.error("leaf " + k));
        if (k == 2) {
          throw new IllegalStateException("bad leaf");
        }
        return k;
      });
      Query<Integer, Integer> top = Query.of("top", (ctx, k) -> {
        ctx.report(Diagnostic.info("start"));
        ctx.getAll(leaf, List.of(1, 2, 3));
        ctx.report(Diagnostic.info("unreached"));
        return 0;
      });
      Evaluation<Integer> e = h.engine.evaluate(top, 0);
      assertThat(e.failure()).get().isInstanceOf(QueryFailedException.class);
      assertThat(e.failure().get()).hasMessageStartingWith("leaf(2) <- top(0): ");
      assertThat(messages(e)).containsExactly("start", "leaf 1", "leaf 2", "leaf 3");
      assertThat(e.diagnostics().get(1).severity()).isEqualTo(Diagnostic.Severity.ERROR);
    }
  }

  @ParameterizedTest
  @MethodSource("modes")
  void evaluate_noDiagnostics_emptyList(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      Query<Integer, Integer> q = Query.of("quiet", (ctx, k) -> k);
      Evaluation<Integer> e = h.engine.evaluate(q, 5);
      assertThat(e.value()).isEqualTo(5);
      assertThat(e.failure()).isEmpty();
      assertThat(e.diagnostics()).isEmpty();
    }
  }
}
