package dev.weft.deadlock;

import java.util.List;

/**
 * Thrown to the one party whose wait would have closed a wait-for cycle, instead of letting every party on
 * the cycle hang. Unchecked: the party unwinds through its {@code finally} blocks, releasing what it holds,
 * and the other parties proceed.
 *
 * <p>From {@link TrackedLock} the cycle's elements are the {@link Thread}s involved, and the message names,
 * for each, the lock it waits for and the thread holding that lock, marking the refused wait. The cycle is
 * kept in memory only ({@code transient}); a serialized copy keeps the message.
 */
public class DeadlockException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient List<?> cycle;

  /**
   * @param message what was refused and the waits that form the cycle
   * @param cycle the parties in canonical rotation, as {@link WaitForGraph#tryWait} returns them
   */
  public DeadlockException(String message, List<?> cycle) {
    super(message);
    this.cycle = List.copyOf(cycle);
  }

  /**
   * The parties on the cycle in canonical rotation; each waits for the next, the last for the first. Empty
   * after deserialization.
   */
  public List<?> cycle() {
    return cycle == null ? List.of() : cycle;
  }
}
