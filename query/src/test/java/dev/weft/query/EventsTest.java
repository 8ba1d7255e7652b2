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

  /**
   * A memo verified in a new revision emits its {@code verified} event while the event is recorded, even
   * when all its dependencies are already current (the case verified without a claim when nothing records);
   * a recording without Weft's events changes nothing about the outcome.
   */
  @Test
  void recording_verificationInANewRevision_emitsVerified(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("verify.jfr");
    Input<Integer, Integer> in = Query.input("in");
    Query<Integer, Integer> twice = Query.of("twice", (ctx, k) -> ctx.get(in, k) * 2);
    Query<Integer, Integer> plus = Query.of("plus", (ctx, k) -> ctx.get(twice, k) + 1);
    try (Scheduler s = Scheduler.deterministic(0);
        QueryEngine e = QueryEngine.builder().scheduler(s).name("verify").build()) {
      e.set(in, 1, 5);
      e.set(in, 2, 7);
      assertThat(e.get(plus, 1)).isEqualTo(11);
      try (Recording quiet = new Recording()) { // a recording without Weft's events
        quiet.start();
        e.set(in, 2, 8);
        assertThat(e.get(plus, 1)).isEqualTo(11);
      }
      try (Recording rec = new Recording()) {
        rec.enable("weft.QueryExecuted");
        rec.start();
        e.set(in, 2, 9);
        assertThat(e.get(twice, 1)).isEqualTo(10); // verified first, so plus(1)'s only dependency is current
        assertThat(e.get(plus, 1)).isEqualTo(11);
        rec.stop();
        rec.dump(file);
      }
      assertThat(e.stats().executions()).isEqualTo(2);
      // plus(1) once while nothing records (its input filter shows in(2) is none of its inputs, so twice(1) is
      // not visited), then twice(1) and plus(1) by claimants while the events are recorded
      assertThat(e.stats().verifications()).isEqualTo(3);
    }
    List<String> seen = new ArrayList<>();
    for (RecordedEvent ev : RecordingFile.readAllEvents(file)) {
      if (ev.getEventType().getName().equals("weft.QueryExecuted")) {
        seen.add(ev.getString("query") + "(" + ev.getString("key") + ") " + ev.getString("outcome"));
      }
    }
    assertThat(seen).containsExactly("twice(1) verified", "plus(1) verified");
  }

  @Test
  void key_longerThanTheCap_cutWithoutSplittingASurrogatePair() {
    assertThat(Events.key("k".repeat(Events.MAX_KEY))).isEqualTo("k".repeat(Events.MAX_KEY));
    assertThat(Events.key("k".repeat(Events.MAX_KEY + 1))).isEqualTo("k".repeat(Events.MAX_KEY - 1) + "…");
    String pairAtTheCut = "a".repeat(Events.MAX_KEY - 2) + "\uD83D\uDE00" + "b";
    assertThat(Events.key(pairAtTheCut)).isEqualTo("a".repeat(Events.MAX_KEY - 2) + "…");
  }
}
