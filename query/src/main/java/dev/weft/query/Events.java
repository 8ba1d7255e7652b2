package dev.weft.query;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * The engine's JFR events, disabled by default and enabled by the profiles in {@code jfr-profiles/}. The engine
 * checks the cached {@link EventType#isEnabled()} before allocating an event, so a disabled event costs one
 * field read on the slow paths and nothing on the memo-hit path, which emits no event.
 */
final class Events {
  static final EventType EXECUTED = EventType.getEventType(QueryExecuted.class);
  static final EventType BLOCKED = EventType.getEventType(QueryBlocked.class);
  static final EventType CYCLE = EventType.getEventType(CycleDetected.class);

  private Events() {}

  @Name("weft.QueryExecuted")
  @Label("Query Executed")
  @Description("A query was verified or executed (outcome: computed, verified, restored, cycle, cancelled)")
  @Category("Weft")
  @StackTrace(false)
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
  static final class CycleDetected extends Event {
    @Label("Engine")
    String engine;
    @Label("Cycle")
    String cycle;
    @Label("Size")
    int size;
  }
}
