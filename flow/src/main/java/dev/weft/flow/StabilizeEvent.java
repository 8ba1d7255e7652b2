package dev.weft.flow;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * One {@link Graph#stabilize()} that had dirty nodes: it spans the recomputation and carries its
 * {@link GraphStats}. An empty stabilize emits nothing. Disabled by default; enabled by the Weft JFR profiles.
 */
@Name("weft.Stabilize")
@Label("Graph Stabilize")
@Category("Weft")
@Description("One stabilize of a static graph: nodes recomputed, cut off and failed")
@StackTrace(false)
@Enabled(false)
final class StabilizeEvent extends Event {
  @Label("Recomputed")
  int recomputed;

  @Label("Cut Off")
  int cutOff;

  @Label("Failed")
  int failed;

  @Label("Parallel Levels")
  int parallelLevels;
}
