package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** In a later revision a cycle whose outside dependencies did not change is verified as a unit. */
@Timeout(60)
class CycleVerificationTest {

  static List<Modes.Mode> some() {
    return Modes.some();
  }

  @ParameterizedTest
  @MethodSource("some")
  void set_unrelatedInput_fallbackCycleVerifiedNotReExecuted(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      Input<Integer, Integer> in = Query.input("in");
      Input<Integer, Integer> other = Query.input("other");
      AtomicInteger runs = new AtomicInteger();
      Map<String, Query<Integer, Integer>> q = new HashMap<>();
      q.put("a", Query.<Integer, Integer>of("a", (ctx, k) -> {
        runs.incrementAndGet();
        return ctx.get(in, k) + ctx.get(q.get("b"), k);
      }).withCycleFallback((k, c) -> -1));
      q.put("b", Query.<Integer, Integer>of("b", (ctx, k) -> {
        runs.incrementAndGet();
        return ctx.get(q.get("a"), k);
      }).withCycleFallback((k, c) -> -2));
      Query<Integer, Integer> top = Query.of("top", (ctx, k) -> ctx.get(q.get("a"), k) * 10);
      h.engine.set(in, 1, 5);
      h.engine.set(other, 1, 0);
      assertThat(h.engine.get(top, 1)).isEqualTo(-10);
      int before = runs.get();
      h.engine.set(other, 1, 1); // nothing the cycle read
      assertThat(h.engine.get(top, 1)).isEqualTo(-10);
      assertThat(h.engine.get(q.get("b"), 1)).isEqualTo(-2);
      assertThat(runs.get()).as("no member ran").isEqualTo(before);
      assertThat(h.engine.stats().cycles()).isEqualTo(1);
      h.engine.set(in, 1, 6); // something a member read before meeting the cycle: re-executed, found again
      assertThat(h.engine.get(top, 1)).isEqualTo(-10);
      assertThat(runs.get()).isGreaterThan(before);
      assertThat(h.engine.stats().cycles()).isEqualTo(2);
    }
  }

  @ParameterizedTest
  @MethodSource("some")
  void set_unrelatedInput_cycleExceptionKeptAndDiagnosticsReplayed(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      Input<Integer, Integer> other = Query.input("other");
      Map<String, Query<Integer, Integer>> q = new HashMap<>();
      q.put("a", Query.<Integer, Integer>of("a", (ctx, k) -> {
        ctx.report(Diagnostic.warning("in a"));
        return ctx.get(q.get("b"), k);
      }));
      q.put("b", Query.<Integer, Integer>of("b", (ctx, k) -> ctx.get(q.get("a"), k)));
      h.engine.set(other, 1, 0);
      Evaluation<Integer> first = h.engine.evaluate(q.get("a"), 1);
      assertThat(first.failure()).get().isInstanceOf(CycleException.class);
      h.engine.set(other, 1, 1);
      Evaluation<Integer> second = h.engine.evaluate(q.get("b"), 1);
      assertThat(second.failure().get()).isInstanceOf(CycleException.class)
          .hasMessage(first.failure().get().getMessage());
      assertThat(second.diagnostics()).isEqualTo(first.diagnostics());
      assertThat(h.engine.stats().cycles()).isEqualTo(1);
      assertThatThrownBy(() -> h.engine.get(q.get("a"), 1)).isInstanceOf(CycleException.class);
    }
  }

  @ParameterizedTest
  @MethodSource("some")
  void set_unrelatedInput_fixpointGroupVerifiedAsUnit(Modes.Mode mode) {
    try (Harness h = new Harness(mode)) {
      Input<Integer, List<Integer>> edges = Query.input("edges");
      Input<Integer, Integer> other = Query.input("other");
      AtomicInteger runs = new AtomicInteger();
      @SuppressWarnings("unchecked")
      Query<Integer, java.util.Set<Integer>>[] reach = new Query[1];
      reach[0] = Query.<Integer, java.util.Set<Integer>>of("reach", (ctx, n) -> {
        runs.incrementAndGet();
        java.util.TreeSet<Integer> out = new java.util.TreeSet<>(List.of(n));
        for (int m : ctx.get(edges, n)) {
          out.addAll(ctx.get(reach[0], m));
        }
        return java.util.Set.copyOf(out);
      }).withFixpoint(n -> java.util.Set.of());
      h.engine.update(tx -> tx.set(edges, 1, List.of(2)).set(edges, 2, List.of(3, 1)).set(edges, 3, List.of())
          .set(other, 0, 0));
      assertThat(h.engine.get(reach[0], 1)).containsExactlyInAnyOrder(1, 2, 3);
      int before = runs.get();
      h.engine.set(other, 0, 1);
      assertThat(h.engine.get(reach[0], 2)).containsExactlyInAnyOrder(1, 2, 3);
      assertThat(h.engine.get(reach[0], 1)).containsExactlyInAnyOrder(1, 2, 3);
      assertThat(runs.get()).as("the group was verified as a unit").isEqualTo(before);
      h.engine.set(edges, 3, List.of(4));
      h.engine.set(edges, 4, List.of());
      assertThat(h.engine.get(reach[0], 1)).containsExactlyInAnyOrder(1, 2, 3, 4);
    }
  }
}
