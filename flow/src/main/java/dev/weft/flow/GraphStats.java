package dev.weft.flow;

/**
 * What the last {@link Graph#stabilize()} (or the initial computation in {@link Graph.Builder#build}) did.
 *
 * @param recomputed nodes whose function ran successfully
 * @param cutOff of those, nodes whose new value equalled the old one, so their dependents were not marked
 * @param failed nodes whose function threw
 * @param parallelLevels levels whose nodes were computed by several tasks on the scheduler
 */
public record GraphStats(int recomputed, int cutOff, int failed, int parallelLevels) {
  static final GraphStats EMPTY = new GraphStats(0, 0, 0, 0);
}
