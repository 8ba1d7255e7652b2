package dev.weft.deadlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WaitForGraphTest {

  private static WaitForGraph<Integer> graph() {
    return new WaitForGraph<>(Comparator.naturalOrder());
  }

  @Test
  void view_readsTheGraphAndCannotChangeIt() {
    WaitForGraph<Integer> g = graph();
    WaitForGraph.View<Integer> view = g.view();
    assertThat(g.tryWait(1, 2)).isEmpty();
    assertThat(view.edges()).isEqualTo(Map.of(1, 2));
    assertThat(view.waitingFor(1)).isEqualTo(2);
    assertThat(view.size()).isEqualTo(1);
    assertThat(view).isNotInstanceOf(WaitForGraph.class);
    assertThatThrownBy(() -> view.edges().put(3, 4)).isInstanceOf(UnsupportedOperationException.class);
    g.stopWaiting(1);
    assertThat(view.size()).isZero();
  }

  /** Refusing another party than the closer: its edge goes, it is never handed ownership, and it learns why. */
  @Test
  void waitOrRefuse_victimOtherThanCloser_breaksCycleAndAddsClosersEdge() {
    WaitForGraph<Integer> g = graph();
    assertThat(g.tryWait(1, 2)).isEmpty();
    assertThat(g.tryWait(2, 3)).isEmpty();
    WaitForGraph.Refusal<Integer> r = g.waitOrRefuse(3, 1, cycle -> 2);
    assertThat(r.cycle()).containsExactly(1, 2, 3);
    assertThat(r.victim()).isEqualTo(2);
    assertThat(r.closer()).isEqualTo(3);
    assertThat(g.edges()).isEqualTo(Map.of(1, 2, 3, 1));
    assertThat(g.handOff(2, List.of())).isFalse();
    assertThat(g.handOff(4, List.of(2, 5))).isTrue(); // the refused party gets no edge
    assertThat(g.edges()).isEqualTo(Map.of(1, 2, 3, 1, 5, 4));
    assertThat(g.leave(2)).isEqualTo(r);
    assertThat(g.leave(2)).isNull();
    assertThat(g.waitOrRefuse(9, 9, cycle -> 9)).isEqualTo(new WaitForGraph.Refusal<>(List.of(9), 9, 9));
  }

  @Test
  void tryWait_chain_addsEveryEdge() {
    WaitForGraph<Integer> g = graph();
    assertThat(g.tryWait(1, 2)).isEmpty();
    assertThat(g.tryWait(2, 3)).isEmpty();
    assertThat(g.tryWait(3, 4)).isEmpty();
    assertThat(g.tryWait(5, 3)).isEmpty();

    assertThat(g.edges()).isEqualTo(Map.of(1, 2, 2, 3, 3, 4, 5, 3));
    assertThat(g.waitingFor(1)).isEqualTo(2);
    assertThat(g.waitingFor(4)).isNull();
    assertThat(g.size()).isEqualTo(4);
  }

  @Test
  void tryWait_selfWait_isCycleOfOneAndAddsNothing() {
    WaitForGraph<Integer> g = graph();
    assertThat(g.tryWait(7, 7)).contains(List.of(7));
    assertThat(g.size()).isZero();
  }

  @Test
  void tryWait_closingEdge_returnsCycleAndAddsNothing() {
    WaitForGraph<Integer> g = graph();
    g.tryWait(1, 2);
    g.tryWait(2, 3);
    assertThat(g.tryWait(3, 1)).contains(List.of(1, 2, 3));
    assertThat(g.edges()).isEqualTo(Map.of(1, 2, 2, 3));
    assertThat(g.waitingFor(3)).isNull();
  }

  /** The cycle 4 → 9 → 2 → 7 → 4 reads [2, 7, 4, 9] whichever of its edges is added last. */
  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3})
  void tryWait_anyClosingParty_returnsCanonicalRotation(int closing) {
    int[] cycle = {4, 9, 2, 7};
    WaitForGraph<Integer> g = graph();
    for (int k = 1; k < cycle.length; k++) {
      int i = (closing + k) % cycle.length;
      assertThat(g.tryWait(cycle[i], cycle[(i + 1) % cycle.length])).isEmpty();
    }
    Optional<List<Integer>> found = g.tryWait(cycle[closing], cycle[(closing + 1) % cycle.length]);
    assertThat(found).contains(List.of(2, 7, 4, 9));
  }

  /** Random functional graphs: a refused edge always returns a real cycle through the waiter, rotated. */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void tryWait_randomEdges_refusesExactlyTheClosingOnes(long seed) {
    Random random = new Random(seed);
    WaitForGraph<Integer> g = graph();
    Map<Integer, Integer> model = new java.util.HashMap<>();
    for (int step = 0; step < 500; step++) {
      int waiter = random.nextInt(20);
      if (model.containsKey(waiter)) {
        g.stopWaiting(waiter);
        model.remove(waiter);
        continue;
      }
      int owner = random.nextInt(20);
      Optional<List<Integer>> result = g.tryWait(waiter, owner);
      List<Integer> path = new ArrayList<>();
      Integer p = owner;
      while (p != null && !p.equals(waiter)) {
        path.add(p);
        p = model.get(p);
      }
      if (p == null) {
        assertThat(result).isEmpty();
        model.put(waiter, owner);
      } else {
        assertThat(result).isPresent();
        List<Integer> c = result.get();
        assertThat(c.getFirst()).isEqualTo(Collections.min(c));
        assertThat(c).containsExactlyInAnyOrderElementsOf(concat(waiter, path));
        for (int i = 0; i < c.size(); i++) {
          Integer next = c.get((i + 1) % c.size());
          Integer expected = c.get(i).equals(waiter) ? owner : model.get(c.get(i));
          assertThat(next).isEqualTo(expected);
        }
      }
      assertThat(g.edges()).isEqualTo(model);
    }
  }

  private static List<Integer> concat(int first, List<Integer> rest) {
    List<Integer> l = new ArrayList<>();
    l.add(first);
    l.addAll(rest);
    return l;
  }

  @Test
  void tryWait_waiterAlreadyWaiting_throwsIllegalState() {
    WaitForGraph<Integer> g = graph();
    g.tryWait(1, 2);
    assertThatThrownBy(() -> g.tryWait(1, 3))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("1 already waits for 2");
    assertThat(g.waitingFor(1)).isEqualTo(2);
  }

  @Test
  void stopWaiting_removesEdge_andAllowsAnotherWait() {
    WaitForGraph<Integer> g = graph();
    g.tryWait(1, 2);
    g.stopWaiting(1);
    g.stopWaiting(1);
    assertThat(g.size()).isZero();
    assertThat(g.tryWait(1, 3)).isEmpty();
    assertThat(g.tryWait(3, 2)).isEmpty();
  }

  @Test
  void tryWait_nullParty_throwsNullPointer() {
    WaitForGraph<Integer> g = graph();
    assertThatThrownBy(() -> g.tryWait(null, 1)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> g.tryWait(1, null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void waitAll_ownerWaiting_throwsAndChangesNothing() {
    WaitForGraph<Integer> g = graph();
    g.tryWait(5, 6);
    assertThatThrownBy(() -> g.waitAll(List.of(1, 2), 5)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> g.waitAll(List.of(1, 3), 3)).isInstanceOf(IllegalStateException.class);
    assertThat(g.edges()).isEqualTo(Map.of(5, 6));
    g.waitAll(List.of(1, 2), 6);
    assertThat(g.edges()).isEqualTo(Map.of(5, 6, 1, 6, 2, 6));
  }

  @Test
  void handOff_newOwnerWasWaiting_removesItsEdgeAndRepointsOthers() {
    WaitForGraph<Integer> g = graph();
    g.waitAll(List.of(1, 2, 3), 9);
    g.handOff(1, List.of(2, 3));
    assertThat(g.edges()).isEqualTo(Map.of(2, 1, 3, 1));
    assertThatThrownBy(() -> g.handOff(2, List.of(2, 3))).isInstanceOf(IllegalStateException.class);
    assertThat(g.edges()).isEqualTo(Map.of(2, 1, 3, 1));
  }

  /**
   * N parties i → i+1 (mod N) add their edges at once, many rounds: exactly one is told about the cycle,
   * never none and never two, and it always reads [0, 1, ..., N-1].
   */
  @ParameterizedTest
  @CsvSource({"2, PLATFORM", "3, PLATFORM", "5, MIXED", "8, VIRTUAL"})
  void tryWait_racingParties_exactlyOneSeesTheCycle(int n, Parties.Kind kind) {
    int rounds = 300;
    for (int round = 0; round < rounds; round++) {
      WaitForGraph<Integer> g = graph();
      CyclicBarrier barrier = new CyclicBarrier(n);
      List<Optional<List<Integer>>> results = Parties.run(kind, "party", n, i -> () -> {
        barrier.await(Parties.JOIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        return g.tryWait(i, (i + 1) % n);
      });
      List<List<Integer>> cycles = results.stream().flatMap(Optional::stream).toList();
      assertThat(cycles).as("round %d", round).hasSize(1);
      assertThat(cycles.getFirst()).isEqualTo(IntStream.range(0, n).boxed().toList());
      assertThat(g.size()).isEqualTo(n - 1);
    }
  }

  @ParameterizedTest
  @EnumSource(Parties.Kind.class)
  void edges_concurrentWaitsAndStops_snapshotIsAlwaysAcyclic(Parties.Kind kind) {
    WaitForGraph<Integer> g = graph();
    int n = 4;
    Parties.run(kind, "mutator", n, i -> () -> {
      Random random = new Random(i);
      for (int k = 0; k < 2_000; k++) {
        Optional<List<Integer>> c = g.tryWait(i, random.nextInt(n));
        if (c.isEmpty()) {
          Map<Integer, Integer> snapshot = g.edges();
          assertAcyclic(snapshot);
          g.stopWaiting(i);
        }
      }
      return null;
    });
    assertThat(g.size()).isZero();
  }

  private static void assertAcyclic(Map<Integer, Integer> edges) {
    for (Integer start : edges.keySet()) {
      Integer p = edges.get(start);
      int steps = 0;
      while (p != null) {
        assertThat(p).as("cycle through %s in %s", start, edges).isNotEqualTo(start);
        p = edges.get(p);
        assertThat(++steps).isLessThanOrEqualTo(edges.size());
      }
    }
  }
}
