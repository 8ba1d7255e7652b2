package dev.weft.query;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * One parked reader of a claimed memo, and the reader's park blocker: a thread dump shows a reader of another
 * task's query as parked on an {@code AwaitingQuery}.
 *
 * <p><b>States.</b> {@code WAITING} -> {@code WOKEN} (by the releasing claimant) or {@code WAITING} ->
 * {@code LEFT} (by the reader, when it stops waiting on its own: it saw the claim end before it parked, or it
 * was cancelled or unwound). Exactly one transition happens. The releaser that wins stores the outcome (null
 * for "none, retry"), removes the reader's wait-for edge (so the graph never holds an edge for a wait that
 * has ended), then sets {@code done} and unparks the reader.
 *
 * <p><b>Why the reader must leave explicitly.</b> The edge belongs to the runner, not to this node. A node
 * left in a memo's waiter list after its reader moved on would, when finally woken, remove the edge of the
 * reader's <em>next</em> wait, and a cycle through that wait would go undetected. So a reader that stops
 * waiting first claims the node for itself ({@link #leave}); if a releaser got there first, the reader waits
 * the few instructions until the releaser's edge removal is done, before it can add a new edge.
 */
final class AwaitingQuery {
  private static final int WAITING = 0;
  private static final int WOKEN = 1;
  private static final int LEFT = 2;
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(AwaitingQuery.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final Runner runner;
  volatile Object outcome;
  /** Set by the releaser after the outcome is stored and the edge removed. */
  volatile boolean done;
  @SuppressWarnings("unused") // via STATE
  private volatile int state;
  AwaitingQuery next;

  AwaitingQuery(Runner runner) {
    this.runner = runner;
  }

  void wake(Object outcome, QueryEngine engine) {
    if (!STATE.compareAndSet(this, WAITING, WOKEN)) {
      return; // the reader left; its edge, if any, is for another wait
    }
    this.outcome = outcome;
    engine.graph.stopWaiting(runner);
    done = true;
    LockSupport.unpark(runner.thread);
  }

  /**
   * The reader stops waiting on its own. When this returns no releaser will touch the reader's edge again;
   * {@link #done} tells whether a releaser woke the node first (its outcome is then valid).
   */
  void leave() {
    if (STATE.compareAndSet(this, WAITING, LEFT)) {
      return;
    }
    while (!done) {
      Thread.yield(); // the releaser is between its transition and `done`; it does not block
    }
  }
}
