package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Incremental evaluation against evaluation from scratch: random DAG programs over a few inputs, random input
 * changes, and after each change every query's value or failure and diagnostics must equal those of a fresh
 * engine given the same inputs, while the incremental engine never executes more bodies than the fresh one.
 */
@Timeout(120)
class DifferentialTest {
  static final int INPUTS = 4;
  static final int NODES = 12;

  static List<Modes.Mode> modes() {
    return Modes.some();
  }

  sealed interface Op {}

  record In(int input) implements Op {}

  record Read(int node) implements Op {}

  record ReadAll(List<Integer> nodes) implements Op {}

  record Report() implements Op {}

  record FailIf(int modulus) implements Op {}

  static List<List<Op>> program(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<List<Op>> nodes = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      List<Op> ops = new ArrayList<>();
      int n = 1 + rnd.nextInt(4);
      for (int k = 0; k < n; k++) {
        int kind = i >= NODES - 2 ? 0 : rnd.nextInt(6);
        switch (kind) {
          case 0, 1 -> ops.add(new In(rnd.nextInt(INPUTS)));
          case 2 -> ops.add(new Read(rnd.nextInt(i + 1, NODES)));
          case 3 -> ops.add(new ReadAll(List.of(rnd.nextInt(i + 1, NODES), rnd.nextInt(i + 1, NODES))));
          case 4 -> ops.add(new Report());
          default -> ops.add(new FailIf(5 + rnd.nextInt(5)));
        }
      }
      nodes.add(ops);
    }
    return nodes;
  }

  static final class Program {
    final Input<Integer, Integer> input = Query.input("input");
    final Query<Integer, Integer> node;

    @SuppressWarnings("unchecked")
    Program(List<List<Op>> ops) {
      Query<Integer, Integer>[] self = new Query[1];
      self[0] = Query.<Integer, Integer>of("node", (ctx, i) -> {
        int acc = i;
        for (Op op : ops.get(i)) {
          switch (op) {
            case In in -> acc += ctx.get(input, in.input());
            case Read r -> {
              try {
                acc += ctx.get(self[0], r.node());
              } catch (QueryFailedException e) {
                acc += 1000; // a recovered failure
              }
            }
            case ReadAll r -> {
              for (int v : ctx.getAll(self[0], r.nodes())) {
                acc += v;
              }
            }
            case Report rep -> {
              ctx.scheduler().sleep(Duration.ofNanos(100_000));
              ctx.report(Diagnostic.info("node " + i + " at " + (acc % 3)));
            }
            case FailIf f -> {
              if (acc % f.modulus() == 0) {
                throw new IllegalStateException("node " + i + " divisible by " + f.modulus());
              }
            }
          }
        }
        return acc % 3;
      }).withCutoff((a, b) -> a.equals(b));
      node = self[0];
    }
  }

  static String observe(QueryEngine e, Program p, int i) {
    Evaluation<Integer> ev = e.evaluate(p.node, i);
    StringBuilder sb = new StringBuilder();
    sb.append(ev.failure().isPresent() ? "failed " + ev.failure().get().getMessage() + " / "
        + ev.failure().get().getCause() : "value " + ev.value());
    for (Diagnostic d : ev.diagnostics()) {
      sb.append(" | ").append(d.message());
    }
    return sb.toString();
  }

  @ParameterizedTest
  @MethodSource("modes")
  void evaluate_randomEdits_sameAsFromScratchAndNoMoreWork(Modes.Mode mode) {
    for (long seed = 1; seed <= 4; seed++) {
      List<List<Op>> ops = program(seed * 1_000_003);
      SplittableRandom edits = new SplittableRandom(seed);
      int[] inputs = new int[INPUTS];
      try (Harness h = new Harness(mode)) {
        Program inc = new Program(ops);
        for (int k = 0; k < INPUTS; k++) {
          inputs[k] = edits.nextInt(4);
          h.engine.set(inc.input, k, inputs[k]);
        }
        for (int round = 0; round < 6; round++) {
          long before = h.engine.stats().executions();
          List<String> got = h.inTask(() -> {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < NODES; i++) {
              out.add(observe(h.engine, inc, i));
            }
            return out;
          });
          long incrementalWork = h.engine.stats().executions() - before;
          try (Harness fresh = new Harness(new Modes.Mode("scratch", false, 0))) {
            Program scratch = new Program(ops);
            for (int k = 0; k < INPUTS; k++) {
              fresh.engine.set(scratch.input, k, inputs[k]);
            }
            List<String> want = new ArrayList<>();
            for (int i = 0; i < NODES; i++) {
              want.add(observe(fresh.engine, scratch, i));
            }
            assertThat(got).as("seed %d round %d", seed, round).isEqualTo(want);
            assertThat(incrementalWork).as("work, seed %d round %d", seed, round)
                .isLessThanOrEqualTo(fresh.engine.stats().executions());
          }
          int k = edits.nextInt(INPUTS);
          inputs[k] = edits.nextInt(4);
          h.engine.set(inc.input, k, inputs[k]);
        }
      }
    }
  }
}
