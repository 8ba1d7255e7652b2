package dev.weft.flow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import jdk.jfr.Category;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Recording;
import jdk.jfr.StackTrace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class TraceExportTest {

  @Name("weft.QueryExecuted")
  @Category("Weft")
  @StackTrace(false)
  static final class QueryExecuted extends Event {
    @Label("Query") String query;
    @Label("Key") String key;
    @Label("Outcome") String outcome;
  }

  @Name("weft.QueryBlocked")
  @Category("Weft")
  @StackTrace(false)
  static final class QueryBlocked extends Event {
    @Label("Waiter") String waiter;
    @Label("Awaited") String awaited;
  }

  @Name("weft.CycleDetected")
  @Category("Weft")
  @StackTrace(false)
  static final class CycleDetected extends Event {
    @Label("Cycle") String cycle;
  }

  @Test
  void convert_recordingOfTasks_producesLanesSlicesAndMarkers(@TempDir Path dir) throws Exception {
    Path jfr = dir.resolve("run.jfr");
    Path json = dir.resolve("run.json");
    try (Recording recording = new Recording()) {
      recording.enable(QueryExecuted.class).withoutThreshold();
      recording.enable(QueryBlocked.class).withoutThreshold();
      recording.enable(CycleDetected.class);
      recording.start();
      try (Scheduler s = Scheduler.parallel(2)) {
        CountDownLatch both = new CountDownLatch(2);
        List<Task<Object>> tasks = List.of("A.java", "B \"quoted\".java").stream()
            .map(file -> s.spawn("parse-" + file, () -> {
              QueryExecuted e = new QueryExecuted();
              e.begin();
              both.countDown();
              both.await();
              e.query = "parse";
              e.key = file;
              e.outcome = "computed";
              e.commit();
              return null;
            })).toList();
        tasks.forEach(Task::join);
        s.spawn("waiter", () -> {
          QueryBlocked b = new QueryBlocked();
          b.begin();
          b.waiter = "check(main)";
          b.awaited = "parse(A.java)";
          b.commit();
          CycleDetected c = new CycleDetected();
          c.cycle = "a(1) -> b(1) -> a(1)";
          c.commit();
          return null;
        }).join();
      }
      recording.stop();
      recording.dump(jfr);
    }

    int written = TraceExport.convert(jfr, json);
    assertThat(written).isEqualTo(4);

    @SuppressWarnings("unchecked")
    Map<String, Object> root = (Map<String, Object>) Json.parse(Files.readString(json));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> events = (List<Map<String, Object>>) root.get("traceEvents");

    assertThat(events).filteredOn(e -> "X".equals(e.get("ph")) && "weft".equals(e.get("cat")))
        .extracting(e -> e.get("name"))
        .containsExactlyInAnyOrder("parse(A.java)", "parse(B \"quoted\".java)");
    assertThat(events).filteredOn(e -> "blocked".equals(e.get("cat")))
        .singleElement()
        .satisfies(e -> {
          assertThat(e.get("name")).isEqualTo("blocked on parse(A.java)");
          assertThat((Double) e.get("dur")).isGreaterThanOrEqualTo(0.0);
        });
    assertThat(events).filteredOn(e -> "i".equals(e.get("ph")))
        .singleElement()
        .satisfies(e -> assertThat(((Map<?, ?>) e.get("args")).get("cycle")).isEqualTo("a(1) -> b(1) -> a(1)"));
    List<String> laneNames = events.stream()
        .filter(e -> "thread_name".equals(e.get("name")))
        .map(e -> (String) ((Map<?, ?>) e.get("args")).get("name"))
        .toList();
    assertThat(laneNames).anyMatch(n -> n.startsWith("parse-A.java #"))
        .anyMatch(n -> n.startsWith("parse-B \"quoted\".java #"))
        .anyMatch(n -> n.startsWith("waiter #"));
    // every slice sits on a named lane
    List<Object> tids = events.stream().filter(e -> "thread_name".equals(e.get("name"))).map(e -> e.get("tid")).toList();
    assertThat(events).filteredOn(e -> "X".equals(e.get("ph"))).allMatch(e -> tids.contains(e.get("tid")));
  }

  @Test
  void convert_recordingOfPipelineAndGraph_producesStageSlicesCountersAndStabilize(@TempDir Path dir)
      throws Exception {
    Path jfr = dir.resolve("flow.jfr");
    try (Recording recording = new Recording()) {
      recording.enable(StageStatsEvent.class).withoutThreshold();
      recording.enable(StabilizeEvent.class).withoutThreshold();
      recording.start();
      try (Scheduler s = Scheduler.parallel(2)) {
        assertThat(Pipeline.from(List.of(1, 2, 3)).map(x -> x * 2).named("double").toList(s)).hasSize(3);
        Graph.Builder b = Graph.builder();
        Source<Integer> src = b.source(1);
        Node<Integer> n = b.node(x -> x + 1, src);
        Graph g = b.build(s);
        g.set(src, 2);
        g.stabilize();
        assertThat(g.get(n)).isEqualTo(3);
      }
      recording.stop();
      recording.dump(jfr);
    }
    Path json = dir.resolve("flow.json");
    TraceExport.convert(jfr, json);

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> events =
        (List<Map<String, Object>>) ((Map<String, Object>) Json.parse(Files.readString(json))).get("traceEvents");
    assertThat(events).filteredOn(e -> "X".equals(e.get("ph"))).extracting(e -> e.get("name"))
        .contains("stage source", "stage double", "stage sink", "Graph Stabilize");
    assertThat(events).filteredOn(e -> "C".equals(e.get("ph")) && "items double".equals(e.get("name")))
        .singleElement()
        .satisfies(e -> assertThat(e.get("args")).isEqualTo(Map.of("in", 3.0, "out", 3.0)));
  }

  @Test
  void convert_recordingWithoutWeftEvents_writesEmptyValidTrace(@TempDir Path dir) throws Exception {
    Path jfr = dir.resolve("empty.jfr");
    try (Recording recording = new Recording()) {
      recording.start();
      recording.stop();
      recording.dump(jfr);
    }
    Path json = dir.resolve("empty.json");
    assertThat(TraceExport.convert(jfr, json)).isZero();
    assertThat(Json.parse(Files.readString(json))).isInstanceOf(Map.class);
  }
}
