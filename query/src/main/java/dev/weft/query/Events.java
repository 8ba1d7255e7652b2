package dev.weft.query;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;
import jdk.jfr.StackTrace;

/**
 * The engine's JFR events, disabled by default and enabled by the profiles in {@code jfr-profiles/}. Every
 * check reads {@link #recording} first, one static field that is false unless a recording runs, and only then
 * the cached {@link EventType#isEnabled()}: on the memo-hit path the enabled check would cost as much as the
 * rest of a hit, and without a recording no event class is ever loaded.
 */
final class Events {
  /**
   * The event types, initialised at the first check made while a recording runs: the first use of an event
   * class sets up JFR's event machinery, about 100 ms in a fresh JVM, which a short command-line run that
   * records nothing should not pay.
   */
  private static final class Types {
    static final EventType EXECUTED = EventType.getEventType(QueryExecuted.class);
    static final EventType BLOCKED = EventType.getEventType(QueryBlocked.class);
    static final EventType CYCLE = EventType.getEventType(CycleDetected.class);
    static final EventType CHECKPOINT = EventType.getEventType(Checkpoint.class);
  }

  /** Whether {@code weft.QueryExecuted} is recorded. */
  static boolean executedEnabled() {
    return recording && Types.EXECUTED.isEnabled();
  }

  /** Whether {@code weft.QueryBlocked} is recorded. */
  static boolean blockedEnabled() {
    return recording && Types.BLOCKED.isEnabled();
  }

  /** Whether {@code weft.CycleDetected} is recorded. */
  static boolean cycleEnabled() {
    return recording && Types.CYCLE.isEnabled();
  }

  /** A checkpoint as a {@code weft.Checkpoint} event, when recorded. */
  static void checkpoint(String engine, int added, int used, long nanos) {
    if (recording && Types.CHECKPOINT.isEnabled()) {
      Checkpoint ev = new Checkpoint();
      if (ev.shouldCommit()) {
        ev.engine = engine;
        ev.added = added;
        ev.used = used;
        ev.nanos = nanos;
        ev.commit();
      }
    }
  }

  /**
   * Whether some recording is running, kept by a recorder listener. An event can only be enabled while one
   * runs; the recorder enables a new recording's events just before it tells listeners, so the hits of that
   * instant may go unrecorded, as events of any kind may at a recording's edges.
   */
  static volatile boolean recording;

  static {
    FlightRecorder.addListener(new FlightRecorderListener() {
      @Override
      public void recorderInitialized(FlightRecorder recorder) {
        update(recorder);
      }

      @Override
      public void recordingStateChanged(Recording changed) {
        update(FlightRecorder.getFlightRecorder());
      }
    });
  }

  private static void update(FlightRecorder recorder) {
    boolean any = false;
    for (Recording r : recorder.getRecordings()) {
      any |= r.getState() == RecordingState.RUNNING;
    }
    recording = any;
  }

  /** Longest key text an event carries; longer keys are cut and end with an ellipsis. */
  static final int MAX_KEY = Shown.MAX;

  private Events() {}

  /** The key as events show it: {@code toString}, capped at {@link #MAX_KEY} characters. */
  static String key(Object key) {
    return Shown.cut(String.valueOf(key));
  }

  @Name("weft.QueryExecuted")
  @Label("Query Executed")
  @Description("A query was verified or executed (outcome: computed, failed, verified, restored, cycle, cancelled, cached)")
  @Category("Weft")
  @StackTrace(false)
  @Enabled(false)
  static final class QueryExecuted extends Event {
    @Label("Engine")
    String engine;
    @Label("Query")
    String query;
    @Label("Key")
    String key;
    @Label("Outcome")
    String outcome;
  }

  @Name("weft.QueryBlocked")
  @Label("Query Blocked")
  @Description("A read waited for a query claimed by another task")
  @Category("Weft")
  @StackTrace(false)
  @Enabled(false)
  static final class QueryBlocked extends Event {
    @Label("Engine")
    String engine;
    @Label("Waiter")
    String waiter;
    @Label("Awaited")
    String awaited;
  }

  @Name("weft.CycleDetected")
  @Label("Cycle Detected")
  @Description("A dependency cycle between queries, in canonical rotation")
  @Category("Weft")
  @StackTrace(false)
  @Enabled(false)
  static final class CycleDetected extends Event {
    @Label("Engine")
    String engine;
    @Label("Cycle")
    String cycle;
    @Label("Size")
    int size;
  }

  @Name("weft.Checkpoint")
  @Label("Checkpoint")
  @Description("An engine wrote its memos to its store")
  @Category("Weft")
  @StackTrace(false)
  @Enabled(false)
  static final class Checkpoint extends Event {
    @Label("Engine")
    String engine;
    @Label("Traces Added")
    int added;
    @Label("Traces Used")
    int used;
    @Label("Duration (ns)")
    long nanos;
  }
}
