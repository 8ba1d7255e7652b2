package dev.weft.query;

import java.util.List;

/**
 * The failure of a query found on a dependency cycle that has no {@link Query#withCycleFallback}. The message
 * reads like:
 *
 * <pre>
 * cycle detected when computing a(1)
 *   ...which requires computing b(1)
 *   ...which again requires computing a(1), completing the cycle
 * </pre>
 */
public final class CycleException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient List<QueryCall> cycle;

  /** @param cycle the cycle in canonical rotation; each call requires the next, the last the first */
  public CycleException(List<QueryCall> cycle) {
    super(message(cycle));
    this.cycle = List.copyOf(cycle);
  }

  /** A failure of the group {@code members} (canonical order) for the reason {@code what}. */
  CycleException(List<QueryCall> members, String what) {
    super(what + ": " + members);
    this.cycle = List.copyOf(members);
  }

  /**
   * The queries on the cycle, starting at the smallest (by name, then key text) and following the
   * "requires" direction. The same cycle reads the same whichever query was entered first.
   */
  public List<QueryCall> cycle() {
    return cycle;
  }

  static String message(List<QueryCall> cycle) {
    if (cycle.isEmpty()) {
      throw new IllegalArgumentException("empty cycle");
    }
    StringBuilder sb = new StringBuilder("cycle detected when computing ").append(cycle.get(0));
    for (int i = 1; i < cycle.size(); i++) {
      sb.append("\n  ...which requires computing ").append(cycle.get(i));
    }
    sb.append("\n  ...which again requires computing ").append(cycle.get(0)).append(", completing the cycle");
    return sb.toString();
  }
}
