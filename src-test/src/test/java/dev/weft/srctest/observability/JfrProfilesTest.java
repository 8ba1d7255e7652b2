package dev.weft.srctest.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.flow.Graph;
import dev.weft.flow.Node;
import dev.weft.flow.Pipeline;
import dev.weft.flow.Source;
import dev.weft.flow.TraceExport;
import dev.weft.query.CycleException;
import dev.weft.query.Query;
import dev.weft.query.QueryEngine;
import dev.weft.scheduler.JfrProfile;
import dev.weft.scheduler.Scheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Records a run of every part of Weft with each profile of {@code jfr-profiles/} (as files, and as shipped in
 * the weft-scheduler jar through {@link JfrProfile}), reads the events back with {@link RecordingFile}, and
 * converts the recording to a trace.
 */
@Timeout(120)
class JfrProfilesTest {
  /** Long enough to pass the always-on profile's thresholds (1 ms for queries, 10 ms for waits). */
  static final Duration SLOW = Duration.ofMillis(30);

  static Path profile(String file) {
    Path p = Path.of("..", "jfr-profiles", file);
    assertThat(p).as("profile %s (tests run from the module directory)", p.toAbsolutePath()).exists();
    return p;
  }

  /** Queries (one slow, one waited for, one cycle), a pipeline and a graph stabilize. */
  @SuppressWarnings("unchecked")
  static void workload() throws Exception {
    try (Scheduler scheduler = Scheduler.parallel(2); QueryEngine engine = QueryEngine.builder()
        .scheduler(scheduler).name("profiled").build()) {
      CountDownLatch computing = new CountDownLatch(1);
      Query<String, String>[] work = new Query[1];
      // work(x) is slow; work(x!) waits for work(x), computed by its sibling task in the same getAll.
      work[0] = Query.of("slow", (ctx, key) -> {
        if (key.endsWith("!")) {
          computing.await();
          return ctx.get(work[0], key.substring(0, key.length() - 1)) + "!";
        }
        computing.countDown();
        ctx.scheduler().sleep(SLOW);
        return key.toUpperCase();
      });
      Query<Integer, Integer>[] cyc = cyclePair();
      Query<String, List<String>> root = Query.of("root", (ctx, key) -> ctx.getAll(work[0], List.of(key, key + "!")));
      assertThat(engine.get(root, "x")).containsExactly("X", "X!");
      assertThatThrownBy(() -> engine.get(cyc[0], 1)).isInstanceOf(CycleException.class);

      int sum = Pipeline.from(List.of(1, 2, 3, 4)).map(x -> {
        scheduler.sleep(Duration.ofMillis(1));
        return x * 2;
      }).toList(scheduler).stream().mapToInt(Integer::intValue).sum();
      assertThat(sum).isEqualTo(20);

      Graph.Builder b = Graph.builder();
      Source<Integer> s = b.source(1);
      Node<Integer> n = b.node(x -> {
        scheduler.sleep(SLOW);
        return x + 1;
      }, s);
      Graph g = b.build(scheduler);
      g.set(s, 5);
      g.stabilize();
      assertThat(g.get(n)).isEqualTo(6);
    }
  }

  @SuppressWarnings("unchecked")
  static Query<Integer, Integer>[] cyclePair() {
    Query<Integer, Integer>[] q = new Query[2];
    q[0] = Query.of("ping", (ctx, k) -> ctx.get(q[1], k));
    q[1] = Query.of("pong", (ctx, k) -> ctx.get(q[0], k));
    return q;
  }

  static Set<String> recordWith(Path profile, Path out) throws Exception {
    try (Recording recording = new Recording(Configuration.create(profile))) {
      recording.start();
      workload();
      recording.stop();
      recording.dump(out);
    }
    Set<String> types = new TreeSet<>();
    for (RecordedEvent e : RecordingFile.readAllEvents(out)) {
      types.add(e.getEventType().getName());
    }
    return types;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"weft.jfc", "weft-profile.jfc"})
  void profile_recordedRun_containsWeftEvents(String file, @TempDir Path dir) throws Exception {
    Set<String> types = recordWith(profile(file), dir.resolve("run.jfr"));
    assertThat(types).contains("weft.QueryExecuted", "weft.QueryBlocked", "weft.CycleDetected",
        "weft.StageStats", "weft.Stabilize");
    if (file.equals("weft-profile.jfc")) {
      assertThat(types).contains("jdk.VirtualThreadStart", "jdk.VirtualThreadEnd");
    } else {
      assertThat(types).doesNotContain("jdk.VirtualThreadStart");
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(JfrProfile.class)
  void jfrProfile_inTheJar_isTheRepositoryFile(JfrProfile profile, @TempDir Path dir) throws Exception {
    Path extracted = profile.extractTo(dir.resolve("settings"));
    assertThat(extracted.getFileName()).hasToString(profile.fileName());
    assertThat(Files.readString(extracted)).isEqualTo(Files.readString(profile(profile.fileName())));
    assertThat(profile.configuration().getSettings()).containsEntry("weft.QueryExecuted#enabled", "true");
  }

  @Test
  void jfrProfile_settingsOnTopOfDefault_recordWeftAndJdkEvents(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("run.jfr");
    // The example of JfrProfile's javadoc.
    try (Recording recording = new Recording(JfrProfile.ALWAYS_ON.settings("default"))) {
      recording.start();
      workload();
      recording.dump(out);
    }
    Set<String> types = new TreeSet<>();
    for (RecordedEvent e : RecordingFile.readAllEvents(out)) {
      types.add(e.getEventType().getName());
    }
    assertThat(types).contains("weft.QueryExecuted", "weft.QueryBlocked", "weft.StageStats", "jdk.JVMInformation");
    assertThatThrownBy(() -> JfrProfile.ALWAYS_ON.settings("no-such-configuration"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no-such-configuration");
  }

  /** What a user does with the extracted file: a JVM started with -XX:StartFlightRecording:settings=it. */
  @Test
  void jfrProfile_extractedFile_configuresStartFlightRecordingOfAnotherJvm(@TempDir Path dir) throws Exception {
    Path settings = JfrProfile.ALWAYS_ON.extractTo(dir);
    Path out = dir.resolve("child.jfr");
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-opens", "java.base/java.lang=ALL-UNNAMED",
        "-XX:StartFlightRecording:settings=default,settings=" + settings + ",filename=" + out + ",dumponexit=true",
        "-cp", System.getProperty("java.class.path"),
        Workload.class.getName()));
    Process child = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("child.log").toFile()).start();
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
    assertThat(child.exitValue()).as(Files.readString(dir.resolve("child.log"))).isZero();
    Set<String> types = new TreeSet<>();
    for (RecordedEvent e : RecordingFile.readAllEvents(out)) {
      types.add(e.getEventType().getName());
    }
    assertThat(types).contains("weft.QueryExecuted", "weft.CycleDetected", "weft.StageStats", "weft.Stabilize");
  }

  /** The child JVM of the test above. */
  static final class Workload {
    public static void main(String[] args) throws Exception {
      workload();
    }
  }

  @Test
  void noRecording_eventsDisabledByDefault(@TempDir Path dir) throws Exception {
    // A recording with the JDK's default settings only: Weft's events are off unless a profile enables them.
    Path out = dir.resolve("default.jfr");
    try (Recording recording = new Recording(Configuration.getConfiguration("default"))) {
      recording.start();
      workload();
      recording.stop();
      recording.dump(out);
    }
    assertThat(RecordingFile.readAllEvents(out))
        .noneMatch(e -> e.getEventType().getName().startsWith("weft."));
  }

  @Test
  void traceExport_profiledRun_showsQuerySlicesOnTaskLanes(@TempDir Path dir) throws Exception {
    Path jfr = dir.resolve("run.jfr");
    recordWith(profile("weft-profile.jfc"), jfr);
    Path json = dir.resolve("run.json");
    int written = TraceExport.convert(jfr, json);
    assertThat(written).isPositive();
    String trace = Files.readString(json);
    assertThat(trace).contains("\"slow(x)\"", "\"cat\":\"blocked\"", "\"thread_name\"", "\"ph\":\"X\"");
  }
}
