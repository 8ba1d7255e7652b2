package dev.weft.srctest.flow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.flow.Graph;
import dev.weft.flow.GraphException;
import dev.weft.flow.Node;
import dev.weft.flow.Port;
import dev.weft.flow.Source;
import dev.weft.junit.WeftRun;
import dev.weft.junit.WeftTest;
import dev.weft.scheduler.Scheduler;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Differential test of static graphs: a random DAG of nodes over sources, stabilized after random source
 * changes, against a from-scratch sequential evaluation. Node values are small (sums modulo 7), so many
 * recomputations are cut off. Some nodes are fragile: one fails when the {@code trigger} source holds its
 * index, which must make {@code stabilize} throw naming it, make {@code get} of it and of its downstream cone
 * throw naming it, leave every other node current, and heal once the trigger moves on.
 *
 * <p>Wide heights run in parallel slices on {@code parallel(2)} (threshold 2) and inline under deterministic
 * schedules; the outcome must be the same.
 */
class GraphDifferentialTest {
  private static final int ROUNDS = 6;

  record Spec(int sources, List<int[]> inputs, boolean[] fragile) {}

  @WeftTest(seeds = 100, parallelRuns = 4)
  void randomGraph_setsAndStabilize_matchFromScratchEvaluation(WeftRun run, Scheduler scheduler) {
    SplittableRandom r = run.random();
    int sources = 1 + r.nextInt(5);
    int nodes = 5 + r.nextInt(60);
    List<int[]> inputs = new ArrayList<>();
    boolean[] fragile = new boolean[nodes];
    for (int i = 0; i < nodes; i++) {
      int available = sources + i;
      int[] in = new int[1 + r.nextInt(Math.min(4, available))];
      for (int j = 0; j < in.length; j++) {
        in[j] = r.nextInt(available); // port index: sources first, then earlier nodes
      }
      inputs.add(in);
      fragile[i] = r.nextInt(4) == 0;
    }
    Spec spec = new Spec(sources, inputs, fragile);

    Graph.Builder b = Graph.builder().parallelThreshold(2);
    List<Port<Integer>> ports = new ArrayList<>();
    List<Source<Integer>> sourcePorts = new ArrayList<>();
    int[] values = new int[sources];
    for (int s = 0; s < sources; s++) {
      values[s] = r.nextInt(20);
      Source<Integer> src = b.source(values[s]).named("s" + s);
      sourcePorts.add(src);
      ports.add(src);
    }
    Source<Integer> trigger = b.source(-1).named("trigger");
    for (int i = 0; i < nodes; i++) {
      int index = i;
      List<Port<Integer>> in = new ArrayList<>();
      for (int p : inputs.get(i)) {
        in.add(ports.get(p));
      }
      if (fragile[i]) {
        in.add(trigger);
      }
      Node<Integer> node = b.<Integer, Integer>nodeOfAll(in, vals -> compute(index, fragile[index], vals))
          .named("n" + i);
      ports.add(node);
    }
    Graph graph = b.build(scheduler);
    int triggerValue = -1;
    for (int round = 0; round <= ROUNDS; round++) {
      if (round > 0) {
        for (int c = 0, n = 1 + r.nextInt(3); c < n; c++) {
          int s = r.nextInt(sources);
          values[s] = r.nextInt(20);
          graph.set(sourcePorts.get(s), values[s]);
        }
        triggerValue = r.nextInt(3) == 0 ? r.nextInt(nodes) : -1;
        graph.set(trigger, triggerValue);
        GraphException thrown = null;
        try {
          graph.stabilize();
        } catch (GraphException e) {
          thrown = e;
        }
        int failing = triggerValue >= 0 && fragile[triggerValue] ? triggerValue : -1;
        if (failing >= 0) {
          assertThat(thrown).as("round %d: stabilize with n%d failing", round, failing).isNotNull();
          assertThat(thrown.node()).isEqualTo("n" + failing);
          assertThat(thrown.getCause()).isInstanceOf(IllegalStateException.class);
        } else {
          assertThat(thrown).as("round %d: stabilize without failures", round).isNull();
        }
      }
      check(graph, spec, ports, values, triggerValue, round);
    }
  }

  private static Integer compute(int index, boolean fragile, List<Integer> vals) {
    int sum = 0;
    int n = fragile ? vals.size() - 1 : vals.size();
    for (int j = 0; j < n; j++) {
      sum += vals.get(j);
    }
    if (fragile && vals.get(vals.size() - 1) == index) {
      throw new IllegalStateException("n" + index + " triggered");
    }
    return sum % 7 + index % 3;
  }

  /** Compares every node with a from-scratch evaluation. */
  private static void check(Graph graph, Spec spec, List<Port<Integer>> ports, int[] sourceValues,
      int trigger, int round) {
    int nodes = spec.inputs().size();
    Integer[] expected = new Integer[spec.sources() + nodes];
    for (int s = 0; s < spec.sources(); s++) {
      expected[s] = sourceValues[s];
    }
    Set<Integer> cone = new HashSet<>();
    int failing = trigger >= 0 && spec.fragile()[trigger] ? trigger : -1;
    for (int i = 0; i < nodes; i++) {
      int port = spec.sources() + i;
      boolean stale = i == failing;
      List<Integer> vals = new ArrayList<>();
      for (int p : spec.inputs().get(i)) {
        if (p >= spec.sources() && cone.contains(p - spec.sources())) {
          stale = true;
        }
        vals.add(expected[p]);
      }
      if (stale) {
        cone.add(i);
        continue;
      }
      if (spec.fragile()[i]) {
        vals.add(trigger);
      }
      expected[port] = compute(i, spec.fragile()[i], vals);
    }
    List<String> wrong = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      Port<Integer> port = ports.get(spec.sources() + i);
      try {
        Integer got = graph.get(port);
        if (cone.contains(i)) {
          wrong.add("n" + i + " = " + got + " but n" + failing + " failed upstream");
        } else if (!got.equals(expected[spec.sources() + i])) {
          wrong.add("n" + i + " = " + got + ", expected " + expected[spec.sources() + i]);
        }
      } catch (GraphException e) {
        if (!cone.contains(i) || !e.node().equals("n" + failing)) {
          wrong.add("n" + i + " threw " + e.getMessage() + (cone.contains(i) ? "" : ", expected a value"));
        }
      }
    }
    assertThat(wrong).as("round %d, trigger %d, sources %s", round, trigger,
        java.util.Arrays.toString(sourceValues)).isEmpty();
  }
}
