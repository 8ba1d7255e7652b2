package dev.weft.query.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.query.Durability;
import dev.weft.query.Input;
import dev.weft.query.MissingInputException;
import dev.weft.query.Query;
import dev.weft.query.QueryEngine;
import dev.weft.query.Unit;
import dev.weft.scheduler.Scheduler;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The declarations users write, from outside the package, as static and instance fields: recursion, mutual
 * recursion, options typed from the start (fallback, cutoff and LRU chained), singletons. That this file
 * compiles is half the test; the other half runs the declarations on both kinds of scheduler.
 */
@Timeout(60)
class QueryDeclarationTest {
  // A plain query and an input.
  static final Input<String, String> SOURCE = Query.input("source");
  static final Query<String, Integer> LINES = Query.of("lines",
      (ctx, file) -> ctx.get(SOURCE, file).split("\n", -1).length);

  // Options first, typed by the builder's type arguments, then a body that reads itself.
  static final Input<String, List<String>> IMPORTS = Query.input("imports");
  static final Query<String, Integer> DEPTH = Query.<String, Integer>builder("depth")
      .cycleFallback((file, cycle) -> -cycle.size())
      .cutoff((a, b) -> a.intValue() == b.intValue())
      .lru(1_000)
      .buildRecursive((self, ctx, file) -> {
        int deepest = 0;
        for (String dep : ctx.get(IMPORTS, file)) {
          deepest = Math.max(deepest, ctx.get(self, dep));
        }
        return deepest + 1;
      });

  // Self-recursion without options.
  static final Query<Integer, Long> FIB = Query.recursive("fib",
      (self, ctx, n) -> n < 2 ? (long) n : ctx.get(self, n - 1) + ctx.get(self, n - 2));

  // Mutual recursion: the group is built first, its bodies reach it through the supplier.
  record Parity(Query<Integer, Boolean> even, Query<Integer, Boolean> odd) {}

  static final Parity PARITY = Query.recursive(p -> new Parity(
      Query.of("even", (ctx, n) -> n == 0 || ctx.get(p.get().odd(), n - 1)),
      Query.of("odd", (ctx, n) -> n != 0 && ctx.get(p.get().even(), n - 1))));

  // Mutual recursion with options on a member, and a fallback that breaks the cycle.
  record Types(Query<String, String> typeOf, Query<String, String> resolve) {}

  static final Input<String, String> ALIASES = Query.input("aliases");
  static final Types TYPES = Query.recursive(t -> new Types(
      Query.<String, String>builder("typeOf")
          .cycleFallback((name, cycle) -> "<cyclic " + name + ">")
          .build((ctx, name) -> name.startsWith("=") ? name.substring(1) : ctx.get(t.get().resolve(), name)),
      Query.of("resolve", (ctx, name) -> ctx.get(t.get().typeOf(), ctx.get(ALIASES, name)))));

  // A singleton input for global configuration, read with no key by a derived query.
  static final Input<Unit, Integer> WIDTH = Query.singleton("width");
  static final Query<String, List<String>> WRAPPED = Query.of("wrapped", (ctx, file) -> {
    String text = ctx.get(SOURCE, file);
    int width = ctx.get(WIDTH);
    List<String> out = new java.util.ArrayList<>();
    for (int i = 0; i < text.length(); i += width) {
      out.add(text.substring(i, Math.min(text.length(), i + width)));
    }
    return List.copyOf(out);
  });

  /** Queries as instance fields, the way a class of analyses declares them. */
  static final class Graph {
    final Input<String, List<String>> edges = Query.input("edges");
    final Query<String, Set<String>> reach = Query.<String, Set<String>>builder("reach")
        .cycleFallback((node, cycle) -> Set.of())
        .buildRecursive((self, ctx, node) -> {
          TreeSet<String> out = new TreeSet<>();
          for (String next : ctx.get(edges, node)) {
            out.add(next);
            out.addAll(ctx.get(self, next));
          }
          return Set.copyOf(out);
        });
    final Query<Unit, Integer> nodes = Query.of("nodes", (ctx, unit) -> 3);
  }

  @ParameterizedTest
  @ValueSource(strings = {"parallel", "deterministic"})
  void staticFields_plainBuilderAndRecursive_compute(String mode) {
    try (Scheduler s = scheduler(mode); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.setAll(SOURCE, Map.of("A", "a\nb\nc", "B", "b"));
      assertThat(e.get(LINES, "A")).isEqualTo(3);

      e.setAll(IMPORTS, Map.of("A", List.of("B", "C"), "B", List.of("C"), "C", List.of()));
      assertThat(e.get(DEPTH, "A")).isEqualTo(3);

      assertThat(e.get(FIB, 60)).isEqualTo(1548008755920L);
      assertThat(e.get(PARITY.even(), 10)).isTrue();
      assertThat(e.get(PARITY.odd(), 7)).isTrue();
      assertThat(e.get(PARITY.odd(), 10)).isFalse();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"parallel", "deterministic"})
  void builderRecursive_onACycle_takesTheFallback(String mode) {
    try (Scheduler s = scheduler(mode); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.setAll(IMPORTS, Map.of("X", List.of("Y"), "Y", List.of("X")));
      assertThat(e.get(DEPTH, "X")).isEqualTo(-2);
      assertThat(e.get(DEPTH, "Y")).isEqualTo(-2);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"parallel", "deterministic"})
  void mutualRecursion_withFallbackOnAMember_resolvesAndBreaksCycles(String mode) {
    try (Scheduler s = scheduler(mode); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.setAll(ALIASES, Map.of("Id", "=int", "Name", "Id", "Loop", "Pool", "Pool", "Loop"));
      assertThat(e.get(TYPES.typeOf(), "Name")).isEqualTo("int");
      assertThat(e.get(TYPES.typeOf(), "Loop")).isEqualTo("<cyclic Loop>");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"parallel", "deterministic"})
  void singleton_setWithDurabilityAndReadWithNoKey_recomputesDependents(String mode) {
    try (Scheduler s = scheduler(mode); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.set(SOURCE, "A", "abcdefg");
      assertThatThrownBy(() -> e.get(WRAPPED, "A")).isInstanceOf(MissingInputException.class)
          .hasMessageContaining("input width() was never set");
      e.set(WIDTH, 3, Durability.HIGH);
      assertThat(e.get(WIDTH)).isEqualTo(3);
      assertThat(e.get(WRAPPED, "A")).containsExactly("abc", "def", "g");
      e.update(tx -> tx.set(WIDTH, 4).set(SOURCE, "A", "abcdefgh"));
      assertThat(e.get(WRAPPED, "A")).containsExactly("abcd", "efgh");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"parallel", "deterministic"})
  void instanceFields_recursiveWithFallback_compute(String mode) {
    Graph g = new Graph();
    try (Scheduler s = scheduler(mode); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.setAll(g.edges, Map.of("a", List.of("b"), "b", List.of("c"), "c", List.of()));
      assertThat(e.get(g.reach, "a")).containsExactlyInAnyOrder("b", "c");
      assertThat(e.get(g.nodes)).isEqualTo(3);
    }
  }

  private static Scheduler scheduler(String mode) {
    return mode.equals("parallel") ? Scheduler.parallel(2) : Scheduler.deterministic(42);
  }
}
