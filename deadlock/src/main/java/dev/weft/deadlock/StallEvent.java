package dev.weft.deadlock;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** JFR event for one stall episode; disabled unless a recording settings file enables {@code weft.Stall}. */
@Name("weft.Stall")
@Label("Stall")
@Category("Weft")
@Description("Watched threads were blocked and nothing progressed for the watchdog's quiet period")
@StackTrace(false)
@Enabled(false)
final class StallEvent extends Event {
  @Label("Watchdog")
  String watchdog;

  @Label("Quiet For")
  @Timespan(Timespan.MILLISECONDS)
  long quietFor;

  @Label("Blocked Threads")
  int blockedThreads;

  @Label("Thread Names")
  String threadNames;

  @Label("Wait-For Edges")
  int waitForEdges;

  @Label("Report")
  @Description("The full report: edges, and every blocked thread with its blocker and stack")
  String report;
}
