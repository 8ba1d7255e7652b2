package dev.weft.query;

import java.util.concurrent.locks.LockSupport;

/**
 * One parked reader of a claimed memo. The releasing claimant stores the outcome (or null for "none, retry"),
 * removes the waiter's wait-for edge (so the graph never holds an edge for a wait that has ended), sets
 * {@code done} and unparks the waiter.
 */
final class WaitNode {
  final Runner runner;
  volatile Object outcome;
  volatile boolean done;
  WaitNode next;

  WaitNode(Runner runner) {
    this.runner = runner;
  }

  void wake(Object outcome, QueryEngine engine) {
    this.outcome = outcome;
    engine.graph.stopWaiting(runner);
    done = true;
    LockSupport.unpark(runner.thread);
  }
}
