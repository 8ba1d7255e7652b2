package dev.weft.scheduler.internal;

/**
 * Not API (exported to {@code dev.weft.query} only): how a scheduler tells a client that one of its carriers is
 * about to go idle, so that the client can start work it has been holding back (the query engine starts
 * another helper for a {@code getAll} whose keys are waiting). Weft's own schedulers implement it.
 */
public interface IdleHooks {
  /**
   * Registers {@code hook}, run on a carrier whenever that carrier finds no task to run, until the returned
   * handle is closed. The hook must be quick and must not block; it may spawn tasks. Under a deterministic
   * scheduler it runs at deterministic points (the ready queue empty), at most once per idle period.
   */
  AutoCloseable onIdle(Runnable hook);

  /** Whether some carrier may be idle now (no task running on it); a hint, racy by nature. */
  default boolean mayHaveIdleCarrier() {
    return true;
  }
}
