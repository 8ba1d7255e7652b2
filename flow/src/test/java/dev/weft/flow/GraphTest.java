package dev.weft.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.flow.Schedulers.Config;
import dev.weft.scheduler.Scheduler;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
class GraphTest {
  private static final String ALL = "dev.weft.flow.Schedulers#all";

  private Scheduler scheduler;

  @BeforeEach
  void open() {
    scheduler = Scheduler.parallel(2);
  }

  @AfterEach
  void close() {
    Schedulers.assertQuietAndClose(scheduler);
  }

  @Test
  void build_designExample_computesEveryNodeOnce() {
    Graph.Builder b = Graph.builder();
    Source<Integer> s = b.source(1);
    Node<Integer> a = b.node(x -> x + 1, s);
    Node<Integer> d = b.node((x, y) -> x + y, s, a);
    Graph g = b.build(scheduler);
    assertThat(g.get(d)).isEqualTo(3);
    assertThat(g.stats()).isEqualTo(new GraphStats(2, 0, 0, 0));
    g.set(s, 5);
    g.stabilize();
    assertThat(g.get(a)).isEqualTo(6);
    assertThat(g.get(d)).isEqualTo(11);
    assertThat(g.stats().recomputed()).isEqualTo(2);
  }

  @Test
  void stabilize_diamond_recomputesJoinOnceAfterBothSides() {
    Graph.Builder b = Graph.builder();
    Source<Integer> s = b.source(1);
    Node<Integer> left = b.node(x -> x + 1, s);
    Node<Integer> right = b.node(x -> x * 10, s);
    AtomicInteger joins = new AtomicInteger();
    List<String> seen = new ArrayList<>();
    Node<String> join = b.node((l, r) -> {
      joins.incrementAndGet();
      seen.add(l + "/" + r);
      return l + "/" + r;
    }, left, right);
    Graph g = b.build(scheduler);
    g.set(s, 2);
    g.stabilize();
    assertThat(g.get(join)).isEqualTo("3/20");
    assertThat(joins).hasValue(2);
    assertThat(seen).containsExactly("2/10", "3/20"); // never a glitch such as "3/10"
    assertThat(g.stats()).isEqualTo(new GraphStats(3, 0, 0, 0));
  }

  @Test
  void stabilize_oneSourceChanged_recomputesOnlyItsCone() {
    Graph.Builder b = Graph.builder();
    Source<Integer> s1 = b.source(1);
    Source<Integer> s2 = b.source(2);
    AtomicInteger calls1 = new AtomicInteger();
    AtomicInteger calls2 = new AtomicInteger();
    Node<Integer> n1 = b.node(x -> x + calls1.incrementAndGet() * 0, s1);
    Node<Integer> n2 = b.node(x -> x + calls2.incrementAndGet() * 0, s2);
    Node<Integer> n3 = b.node((x, y, z) -> x + y + z, n1, n2, s1);
    Graph g = b.build(scheduler);
    g.set(s1, 10);
    g.stabilize();
    assertThat(calls1).hasValue(2);
    assertThat(calls2).hasValue(1);
    assertThat(g.get(n3)).isEqualTo(10 + 2 + 10);
    assertThat(g.stats().recomputed()).isEqualTo(2);
  }

  @Test
  void stabilize_valueUnchanged_cutsOffDependents() {
    Graph.Builder b = Graph.builder();
    Source<Integer> s = b.source(1);
    Node<Integer> parity = b.node(x -> x % 2, s);
    AtomicInteger downstream = new AtomicInteger();
    Node<Integer> scaled = b.node(p -> {
      downstream.incrementAndGet();
      return p * 100;
    }, parity);
    Graph g = b.build(scheduler);
    g.set(s, 3);
    g.stabilize();
    assertThat(g.get(parity)).isEqualTo(1);
    assertThat(downstream).hasValue(1);
    assertThat(g.stats()).isEqualTo(new GraphStats(1, 1, 0, 0));
    g.set(s, 4);
    g.stabilize();
    assertThat(g.get(scaled)).isZero();
    assertThat(downstream).hasValue(2);
  }

  @Test
  void stabilize_nothingDirty_doesNothing() {
    Graph.Builder b = Graph.builder();
    Source<Integer> s = b.source(1);
    AtomicInteger calls = new AtomicInteger();
    Node<Integer> n = b.node(x -> x + calls.incrementAndGet() * 0, s);
    Graph g = b.build(scheduler);
    g.stabilize();
    g.set(s, 1); // equal value: not dirty
    g.stabilize();
    g.stabilize();
    assertThat(calls).hasValue(1);
    assertThat(g.get(n)).isEqualTo(1);
    assertThat(g.stats()).isEqualTo(new GraphStats(0, 0, 0, 0));
  }

  @Test
  void get_beforeStabilize_seesNewSourceAndOldNodes() {
    Graph.Builder b = Graph.builder();
    Source<String> s = b.source("a");
    Node<String> up = b.node(String::toUpperCase, s);
    Graph g = b.build(scheduler);
    g.set(s, "b");
    assertThat(g.get(s)).isEqualTo("b");
    assertThat(g.get(up)).isEqualTo("A");
    g.stabilize();
    assertThat(g.get(up)).isEqualTo("B");
  }

  @Test
  void stateful_runningTotal_keepsStateAcrossGenerations() {
    Graph.Builder b = Graph.builder();
    Source<Integer> s = b.source(0);
    Node<Long> total = b.stateful(() -> new long[1], (long[] st, Integer x) -> st[0] += x, s);
    Node<String> history = b.stateful(ArrayList<Integer>::new, (List<Integer> st, Integer x, Long t) -> {
      st.add(x);
      return st + "=" + t;
    }, s, total);
    Graph g = b.build(scheduler);
    for (int i = 1; i <= 5; i++) {
      g.set(s, i);
      g.stabilize();
    }
    assertThat(g.get(total)).isEqualTo(15L);
    assertThat(g.get(history)).isEqualTo("[0, 1, 2, 3, 4, 5]=15");
    g.set(s, 5); // unchanged: the stateful node does not run
    g.stabilize();
    assertThat(g.get(total)).isEqualTo(15L);
  }

  @Test
  void stabilize_nodeThrows_namesNodeContainsConeAndRecovers() {
    Graph.Builder b = Graph.builder();
    Source<Integer> s = b.source(1);
    Node<Integer> risky = b.node((Integer x) -> {
      if (x == 13) {
        throw new IOException("unlucky");
      }
      return x * 2;
    }, s).named("risky");
    Node<Integer> below = b.node(x -> x + 1, risky).named("below");
    Node<Integer> independent = b.node(x -> x * 10, s).named("independent");
    Graph g = b.build(scheduler);

    g.set(s, 13);
    assertThatThrownBy(g::stabilize)
        .isInstanceOfSatisfying(GraphException.class, e -> assertThat(e.node()).isEqualTo("risky"))
        .hasMessageContaining("risky")
        .cause()
        .isInstanceOf(IOException.class)
        .hasMessage("unlucky");
    assertThat(g.stats()).isEqualTo(new GraphStats(1, 0, 1, 0));
    assertThat(g.get(independent)).isEqualTo(130);
    assertThat(g.get(s)).isEqualTo(13);
    assertThatThrownBy(() -> g.get(risky)).isInstanceOf(GraphException.class).hasMessageContaining("risky");
    assertThatThrownBy(() -> g.get(below))
        .isInstanceOfSatisfying(GraphException.class, e -> assertThat(e.node()).isEqualTo("risky"))
        .hasMessageContaining("below");

    // Still broken: the failed node is retried, the cone stays stale.
    assertThatThrownBy(g::stabilize).isInstanceOf(GraphException.class);
    assertThatThrownBy(() -> g.get(below)).isInstanceOf(GraphException.class);

    g.set(s, 4);
    g.stabilize();
    assertThat(g.get(risky)).isEqualTo(8);
    assertThat(g.get(below)).isEqualTo(9);
    assertThat(g.get(independent)).isEqualTo(40);
  }

  @Test
  void stabilize_failedNodeFixedToOldValue_cutsOffAndConeIsCurrentAgain() {
    Graph.Builder b = Graph.builder();
    Source<Integer> s = b.source(1);
    Node<Integer> risky = b.node((Integer x) -> {
      if (x < 0) {
        throw new IllegalArgumentException("negative");
      }
      return x * 2;
    }, s);
    AtomicInteger belowCalls = new AtomicInteger();
    Node<Integer> below = b.node(x -> x + belowCalls.incrementAndGet() * 0, risky);
    Graph g = b.build(scheduler);
    g.set(s, -1);
    assertThatThrownBy(g::stabilize).isInstanceOf(GraphException.class);
    g.set(s, 1);
    g.stabilize();
    assertThat(g.stats()).isEqualTo(new GraphStats(1, 1, 0, 0));
    assertThat(g.get(below)).isEqualTo(2);
    assertThat(belowCalls).hasValue(1);
  }

  @Test
  void stabilize_twoFailures_firstInTopologicalOrderOthersSuppressed() {
    Graph.Builder b = Graph.builder();
    Source<Integer> s = b.source(0);
    Node<Integer> deep = b.node(x -> x * 3, s);
    Node<Integer> second = b.node((Integer x) -> {
      if (x > 0) {
        throw new IllegalStateException("second");
      }
      return x;
    }, deep).named("second");
    Node<Integer> first = b.node((Integer x) -> {
      if (x > 0) {
        throw new IllegalStateException("first");
      }
      return x;
    }, s).named("first");
    Graph g = b.build(scheduler);
    g.set(s, 1);
    assertThatThrownBy(g::stabilize)
        .isInstanceOfSatisfying(GraphException.class, e -> {
          assertThat(e.node()).isEqualTo("first");
          assertThat(e.getSuppressed()).hasSize(1);
          assertThat(((GraphException) e.getSuppressed()[0]).node()).isEqualTo("second");
        });
    assertThat(g.get(deep)).isEqualTo(3);
    assertThatThrownBy(() -> g.get(first)).isInstanceOf(GraphException.class);
    assertThatThrownBy(() -> g.get(second)).isInstanceOf(GraphException.class);
  }

  @Test
  void build_nodeThrows_throwsNamingNode() {
    Graph.Builder b = Graph.builder();
    Source<Integer> s = b.source(0);
    b.node(x -> 10 / x, s).named("divide");
    assertThatThrownBy(() -> b.build(scheduler))
        .isInstanceOfSatisfying(GraphException.class, e -> assertThat(e.node()).isEqualTo("divide"))
        .hasCauseInstanceOf(ArithmeticException.class);
  }

  @Test
  void nodeOfAll_runtimeLengthGroup_receivesValuesInInputOrder() {
    Graph.Builder b = Graph.builder();
    List<Source<Integer>> sources = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      sources.add(b.source(i));
    }
    Node<Integer> sum = b.nodeOfAll(sources, (List<Integer> xs) -> xs.stream().mapToInt(Integer::intValue).sum());
    Node<String> firstAndLast = b.nodeOfAll(sources, (List<Integer> xs) -> xs.getFirst() + ".." + xs.getLast());
    Node<Integer> none = b.nodeOfAll(List.<Port<Integer>>of(), (List<Integer> xs) -> xs.size());
    Graph g = b.build(scheduler);
    assertThat(g.get(sum)).isEqualTo(49 * 50 / 2);
    assertThat(g.get(none)).isZero();
    g.set(sources.get(0), 100);
    g.set(sources.get(49), -1);
    g.stabilize();
    assertThat(g.get(sum)).isEqualTo(49 * 50 / 2 + 100 - 50);
    assertThat(g.get(firstAndLast)).isEqualTo("100..-1");
    assertThat(g.stats().recomputed()).isEqualTo(2);
  }

  @Test
  void stabilize_wideLevel_computesInParallelWithSameResults() {
    Graph.Builder b = Graph.builder().parallelThreshold(4);
    List<Source<Integer>> sources = new ArrayList<>();
    List<Node<Integer>> doubled = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      Source<Integer> src = b.source(i);
      sources.add(src);
      doubled.add(b.node(x -> x * 2, src));
    }
    Node<Integer> total = b.nodeOfAll(doubled, (List<Integer> xs) -> xs.stream().mapToInt(Integer::intValue).sum());
    Graph g = b.build(scheduler);
    assertThat(g.get(total)).isEqualTo(199 * 200);
    assertThat(g.stats().parallelLevels()).isEqualTo(1);
    for (int i = 0; i < 200; i += 2) {
      g.set(sources.get(i), i + 1);
    }
    g.stabilize();
    assertThat(g.get(total)).isEqualTo(199 * 200 + 200);
    assertThat(g.stats()).isEqualTo(new GraphStats(101, 0, 0, 1));
  }

  @Test
  void stabilize_failureInParallelLevel_reportedLikeSequential() {
    Graph.Builder b = Graph.builder().parallelThreshold(2);
    Source<Integer> s = b.source(0);
    List<Node<Integer>> nodes = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      int k = i;
      nodes.add(b.node((Integer x) -> {
        if (x > 0 && k % 7 == 3) {
          throw new IllegalStateException("node " + k);
        }
        return x + k;
      }, s).named("n" + i));
    }
    Graph g = b.build(scheduler);
    g.set(s, 1);
    assertThatThrownBy(g::stabilize)
        .isInstanceOfSatisfying(GraphException.class, e -> {
          assertThat(e.node()).isEqualTo("n3");
          assertThat(e.getSuppressed()).hasSize(2);
        });
    assertThat(g.stats()).isEqualTo(new GraphStats(17, 0, 3, 1));
    assertThat(g.get(nodes.get(0))).isEqualTo(1);
    g.set(s, 0);
    g.stabilize();
    assertThat(g.get(nodes.get(3))).isEqualTo(3);
  }

  @Test
  void get_fromNodeFunction_isRejected() {
    AtomicReference<Graph> graph = new AtomicReference<>();
    Graph.Builder b = Graph.builder();
    Source<Integer> s = b.source(0);
    b.node(x -> {
      Graph g = graph.get();
      return g == null ? x : g.get(s);
    }, s).named("reentrant");
    Graph g = b.build(scheduler);
    graph.set(g);
    g.set(s, 1);
    assertThatThrownBy(g::stabilize)
        .isInstanceOf(GraphException.class)
        .hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void ports_fromAnotherGraphOrAfterBuild_areRejected() {
    Graph.Builder b1 = Graph.builder();
    Source<Integer> s1 = b1.source(0);
    Graph.Builder b2 = Graph.builder();
    Source<Integer> s2 = b2.source(0);
    assertThatThrownBy(() -> b2.node(x -> x, s1)).isInstanceOf(IllegalArgumentException.class);
    Graph g2 = b2.build(scheduler);
    assertThatThrownBy(() -> g2.get(s1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> g2.set(s1, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b2.source(1)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> s2.named("late")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> b2.build(scheduler)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> Graph.builder().parallelThreshold(0)).isInstanceOf(IllegalArgumentException.class);
  }

  // ---- differential: random DAGs against a from-scratch recomputation

  /** A random DAG: each node reads 1 to 3 earlier ports, or a group; functions produce many equal values. */
  private record RandomGraph(Graph graph, List<Source<Integer>> sources, List<Port<Integer>> ports, int[][] inputs,
      int[] kinds) {}

  private static RandomGraph randomGraph(long seed, Scheduler scheduler, int sourceCount, int nodeCount) {
    SplittableRandom r = new SplittableRandom(seed);
    Graph.Builder b = Graph.builder().parallelThreshold(4);
    List<Source<Integer>> sources = new ArrayList<>();
    List<Port<Integer>> ports = new ArrayList<>();
    int total = sourceCount + nodeCount;
    int[][] inputs = new int[total][];
    int[] kinds = new int[total];
    for (int i = 0; i < sourceCount; i++) {
      Source<Integer> s = b.source(r.nextInt(10));
      sources.add(s);
      ports.add(s);
    }
    for (int i = sourceCount; i < total; i++) {
      int kind = r.nextInt(4);
      kinds[i] = kind;
      int arity = kind == 3 ? 1 + r.nextInt(6) : kind + 1;
      int[] in = new int[arity];
      for (int k = 0; k < arity; k++) {
        in[k] = r.nextInt(i);
      }
      inputs[i] = in;
      Node<Integer> n = switch (kind) {
        case 0 -> b.node(x -> (x * 7 + 3) % 11, ports.get(in[0]));
        case 1 -> b.node((x, y) -> (x + y) % 13, ports.get(in[0]), ports.get(in[1]));
        case 2 -> b.node((x, y, z) -> Math.max(x, y) - z % 5, ports.get(in[0]), ports.get(in[1]), ports.get(in[2]));
        default -> {
          List<Port<Integer>> group = new ArrayList<>();
          for (int k : in) {
            group.add(ports.get(k));
          }
          yield b.nodeOfAll(group, (List<Integer> xs) -> xs.stream().mapToInt(Integer::intValue).sum() % 17);
        }
      };
      ports.add(n);
    }
    return new RandomGraph(b.build(scheduler), sources, ports, inputs, kinds);
  }

  private static int[] fromScratch(RandomGraph rg) {
    int total = rg.ports().size();
    int[] v = new int[total];
    for (int i = 0; i < total; i++) {
      if (i < rg.sources().size()) {
        v[i] = rg.graph().get(rg.sources().get(i));
        continue;
      }
      int[] in = rg.inputs()[i];
      v[i] = switch (rg.kinds()[i]) {
        case 0 -> (v[in[0]] * 7 + 3) % 11;
        case 1 -> (v[in[0]] + v[in[1]]) % 13;
        case 2 -> Math.max(v[in[0]], v[in[1]]) - v[in[2]] % 5;
        default -> {
          int sum = 0;
          for (int k : in) {
            sum += v[k];
          }
          yield sum % 17;
        }
      };
    }
    return v;
  }

  /** Runs random edits on a random graph; returns a trace of stats and values for comparisons. */
  private static List<Object> randomEdits(long seed, Scheduler scheduler) {
    RandomGraph rg = randomGraph(seed, scheduler, 20, 400);
    SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
    List<Object> trace = new ArrayList<>();
    for (int round = 0; round < 40; round++) {
      int edits = r.nextInt(4);
      for (int e = 0; e < edits; e++) {
        rg.graph().set(rg.sources().get(r.nextInt(rg.sources().size())), r.nextInt(10));
      }
      rg.graph().stabilize();
      int[] expected = fromScratch(rg);
      for (int i = 0; i < expected.length; i++) {
        assertThat(rg.graph().get(rg.ports().get(i))).as("port %d in round %d", i, round).isEqualTo(expected[i]);
      }
      trace.add(rg.graph().stats());
    }
    return trace;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void stabilize_randomGraphsAndEdits_matchFromScratchRecomputation(Config config) {
    Scheduler s = config.create();
    try {
      for (long seed = 1; seed <= 3; seed++) {
        List<Object> trace = randomEdits(seed, s);
        assertThat(trace).hasSize(40);
      }
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("dev.weft.flow.Schedulers#seeds")
  void stabilize_deterministicSameSeed_sameStatsTrace(long seed) {
    List<Object> first;
    List<Object> second;
    Scheduler s1 = Scheduler.deterministic(seed);
    try {
      first = randomEdits(seed, s1);
    } finally {
      Schedulers.assertQuietAndClose(s1);
    }
    Scheduler s2 = Scheduler.deterministic(seed);
    try {
      second = randomEdits(seed, s2);
    } finally {
      Schedulers.assertQuietAndClose(s2);
    }
    assertThat(first).isEqualTo(second);
  }

  @Test
  void stabilize_parallelAndSequential_sameStatsTrace() {
    Scheduler one = Scheduler.deterministic(0);
    try {
      assertThat(withoutParallelLevels(randomEdits(99, scheduler)))
          .isEqualTo(withoutParallelLevels(randomEdits(99, one)));
    } finally {
      Schedulers.assertQuietAndClose(one);
    }
  }

  private static List<Object> withoutParallelLevels(List<Object> trace) {
    return trace.stream()
        .map(o -> (GraphStats) o)
        .map(st -> (Object) List.of(st.recomputed(), st.cutOff(), st.failed()))
        .toList();
  }

  @Test
  void stabilize_wideLevelFromPlatformThread_runsNodesOnSchedulerThreads() {
    Graph.Builder b = Graph.builder().parallelThreshold(8);
    Source<Integer> s = b.source(0);
    List<Node<Boolean>> onScheduler = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      onScheduler.add(b.node(x -> scheduler.owns(Thread.currentThread()), s));
    }
    Node<Integer> narrow = b.node(x -> x + 1, s);
    Node<Boolean> narrowOnCaller = b.node(x -> !scheduler.owns(Thread.currentThread()), narrow);
    Graph g = b.build(scheduler);
    assertThat(onScheduler).allSatisfy(n -> assertThat(g.get(n)).isTrue());
    assertThat(g.get(narrowOnCaller)).isTrue();
  }
}
