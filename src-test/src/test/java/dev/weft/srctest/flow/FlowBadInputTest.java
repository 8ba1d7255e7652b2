package dev.weft.srctest.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.flow.Graph;
import dev.weft.flow.GraphException;
import dev.weft.flow.Node;
import dev.weft.flow.Pipeline;
import dev.weft.flow.PipelineException;
import dev.weft.flow.Source;
import dev.weft.scheduler.Scheduler;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pipelines and static graphs with null or invalid arguments, reentrancy misuse and foreign ports: each gets
 * a clear exception, and pipelines and graphs keep working afterwards.
 */
@Timeout(30)
class FlowBadInputTest {
  private Scheduler scheduler;

  @BeforeEach
  void open() {
    scheduler = Scheduler.parallel(2);
  }

  @AfterEach
  void close() {
    try {
      assertThat(Pipeline.from(List.of(1, 2, 3)).map(x -> x * 2).toList(scheduler)).containsExactly(2, 4, 6);
    } finally {
      scheduler.close();
    }
  }

  @Test
  void pipelineBuilders_nullOrInvalidArguments_throwAtOnce() {
    Pipeline<Integer> p = Pipeline.from(List.of(1));
    assertThatThrownBy(() -> Pipeline.from((Iterable<?>) null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Pipeline.from((java.util.stream.Stream<?>) null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Pipeline.lines(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Pipeline.generate(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Pipeline.generate(Integer.class, null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Pipeline.generate(null, out -> { })).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> p.map(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> p.map(0, x -> x)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0");
    assertThatThrownBy(() -> p.mapUnordered(-1, x -> x)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> p.filter(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> p.flatMap((Pipeline.FlatMapper<Integer, Integer>) null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> p.flatMap((Pipeline.StageFunction<Integer, List<Integer>>) null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> p.flatMap(Integer.class, null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> p.mapNotNull(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> p.mapOptional(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> p.transform(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> p.transform(Integer.class, null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> p.batch(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> p.buffer(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> p.named(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> p.named(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> p.fork()).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> p.toList(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> p.forEach(scheduler, null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> p.start(null, x -> { })).isInstanceOf(NullPointerException.class);
  }

  @Test
  void pipeline_nullItemFromSourceOrStage_failsNamingStage() {
    assertThatThrownBy(() -> Pipeline.from(Arrays.asList(1, null, 3)).toList(scheduler))
        .isInstanceOf(RuntimeException.class);
    assertThatThrownBy(() -> Pipeline.from(List.of(1, 2)).map(x -> (Integer) null).named("nulls")
        .toList(scheduler))
        .isInstanceOf(PipelineException.class).hasMessageContaining("nulls");
  }

  @Test
  void pipeline_sameDescriptionRunTwice_sameResult() {
    Pipeline<Integer> p = Pipeline.from(List.of(3, 1, 2)).map(x -> x + 1);
    assertThat(p.toList(scheduler)).containsExactly(4, 2, 3);
    assertThat(p.toList(scheduler)).containsExactly(4, 2, 3);
  }

  @Test
  void graph_portOfAnotherGraph_rejected() {
    Graph.Builder b1 = Graph.builder();
    Source<Integer> s1 = b1.source(1);
    Graph g1 = b1.build(scheduler);
    Graph.Builder b2 = Graph.builder();
    Source<Integer> s2 = b2.source(2);
    Node<Integer> n2 = b2.node(x -> x + 1, s2);
    assertThatThrownBy(() -> b2.node(x -> x, s1)).isInstanceOf(IllegalArgumentException.class);
    Graph g2 = b2.build(scheduler);
    assertThatThrownBy(() -> g1.get(n2)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> g1.set(s2, 3)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> g1.get(null)).isInstanceOf(NullPointerException.class);
    assertThat(g2.get(n2)).isEqualTo(3);
    assertThat(g1.get(s1)).isEqualTo(1);
  }

  @Test
  void graphBuilder_invalidArgumentsAndReuse_rejected() {
    Graph.Builder b = Graph.builder();
    Source<Integer> s = b.source(1);
    assertThatThrownBy(() -> b.node(null, s)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> b.parallelThreshold(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.build(null)).isInstanceOf(NullPointerException.class);
    Node<Integer> n = b.node(x -> x * 10, s);
    Graph g = b.build(scheduler);
    assertThatThrownBy(() -> b.build(scheduler)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> b.source(2)).isInstanceOf(IllegalStateException.class);
    assertThat(g.get(n)).isEqualTo(10);
  }

  @Test
  void graph_nodeFunctionCallsGraph_rejectedAndGraphStaysUsable() {
    Graph.Builder b = Graph.builder();
    Source<Integer> s = b.source(1);
    Graph[] self = new Graph[1];
    Node<Integer> reentrant = b.node(x -> x > 1 ? self[0].get(s) : x, s).named("reentrant");
    Node<Integer> independent = b.node(x -> x + 100, s);
    Graph g = b.build(scheduler);
    self[0] = g;
    g.set(s, 2);
    assertThatThrownBy(g::stabilize).isInstanceOf(GraphException.class)
        .satisfies(e -> assertThat(((GraphException) e).node()).isEqualTo("reentrant"))
        .hasRootCauseInstanceOf(IllegalStateException.class);
    assertThat(g.get(independent)).isEqualTo(102);
    g.set(s, 0);
    g.stabilize();
    assertThat(g.get(reentrant)).isZero();
  }
}
