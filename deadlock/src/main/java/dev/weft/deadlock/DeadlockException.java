package dev.weft.deadlock;

import java.util.List;

/**
 * Thrown to the one party whose wait would have closed a wait-for cycle, instead of letting every party on
 * the cycle hang.
 */
public class DeadlockException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient List<?> cycle;

  public DeadlockException(String message, List<?> cycle) {
    super(message);
    this.cycle = List.copyOf(cycle);
  }

  /** The parties on the cycle in canonical rotation; each waits for the next, the last for the first. */
  public List<?> cycle() {
    return cycle;
  }
}
