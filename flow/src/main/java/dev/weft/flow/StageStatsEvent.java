package dev.weft.flow;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * One pipeline stage over one run: the event spans the run (begin at start, end when every stage has
 * finished) and carries the stage's {@link StageStats}. Disabled by default; enabled by the Weft JFR
 * profiles. When disabled, a run pays one {@code isEnabled} check.
 */
@Name("weft.StageStats")
@Label("Pipeline Stage")
@Category("Weft")
@Description("Items and blocked time of one pipeline stage over one run")
@StackTrace(false)
@Enabled(false)
final class StageStatsEvent extends Event {
  @Label("Stage")
  String stage;

  @Label("Workers")
  int workers;

  @Label("Items In")
  long itemsIn;

  @Label("Items Out")
  long itemsOut;

  @Label("Starved")
  @Timespan(Timespan.NANOSECONDS)
  long starved;

  @Label("Backpressured")
  @Timespan(Timespan.NANOSECONDS)
  long backpressured;

  @Label("Outcome")
  String outcome;
}
