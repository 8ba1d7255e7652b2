package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.scheduler.Scheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class EventsTest {
  @Test
  void recording_executionsAndCycles_emitWeftEvents(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("run.jfr");
    try (Recording rec = new Recording()) {
      rec.enable("weft.QueryExecuted");
      rec.enable("weft.QueryBlocked");
      rec.enable("weft.CycleDetected");
      rec.start();
      try (Scheduler s = Scheduler.deterministic(0);
          QueryEngine e = QueryEngine.builder().scheduler(s).name("events").build()) {
        Query<Integer, Integer> sq = Query.of("sq", (ctx, k) -> k * k);
        assertThat(e.get(sq, 3)).isEqualTo(9);
        assertThat(e.get(sq, 3)).isEqualTo(9); // a hit
        String longKey = "k".repeat(1000);
        Query<String, Integer> len = Query.of("len", (ctx, k) -> k.length());
        assertThat(e.get(len, longKey)).isEqualTo(1000);
        Query<Integer, Integer>[] qs = new Query[1];
        qs[0] = Query.of("self", (ctx, k) -> ctx.get(qs[0], k));
        assertThat(e.evaluate(qs[0], 1).failure()).isPresent();
      }
      rec.stop();
      rec.dump(file);
    }
    List<String> seen = new ArrayList<>();
    for (RecordedEvent ev : RecordingFile.readAllEvents(file)) {
      String type = ev.getEventType().getName();
      if (type.equals("weft.QueryExecuted")) {
        seen.add(ev.getString("query") + "(" + ev.getString("key") + ") " + ev.getString("outcome"));
      } else if (type.equals("weft.CycleDetected")) {
        seen.add("cycle " + ev.getString("cycle"));
      }
    }
    assertThat(seen).contains("sq(3) computed", "sq(3) cached", "self(1) cycle", "cycle [self(1)]",
        "len(" + "k".repeat(Events.MAX_KEY - 1) + "…) computed");
    assertThat(Files.size(file)).isPositive();
  }
}
