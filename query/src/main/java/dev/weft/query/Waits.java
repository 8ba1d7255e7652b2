package dev.weft.query;

import dev.weft.deadlock.WaitForGraph;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * A runner waiting: for a memo another runner has claimed ({@link #await}) or for a child runner of its own
 * ({@link #child}); and the backstop that turns a wait nothing can end into an exception.
 *
 * <p><b>Implementation overview.</b> A wait first adds the runner's edge to the engine's
 * {@link WaitForGraph}; a refused edge is a cross-thread cycle, handed to {@link CycleDetector#cross}, after
 * which the wait is retried (or this runner unwinds). A memo wait then pushes an {@link AwaitingQuery} on the
 * memo and re-checks the claim (a release between the check and the push would otherwise be missed); the
 * releaser hands the outcome to the node, removes the edge and unparks. {@link #loop} parks until the wait
 * ends, and on every wake-up checks the runner's signals: a cycle unwinding ({@link Runner#unwind}), the
 * gate's cancellation, the runner's cancellation for want of waiters, the thread's interrupt.
 *
 * <p><b>Waiters.</b> A memo wait makes its runner a waiter of the claimant's runner from before its node is
 * pushed until the wait ends, whatever ended it ({@link Runner#startWanting}); a child wait
 * that unwinds with {@link CancelledException} gives up the parent's place as the child's waiter
 * ({@link Runner#parentLeaves}). Either may cancel the runner waited for, when it was its last waiter; a
 * cancelled runner's own places are withdrawn by its canceller at once (see {@link Runner}).
 *
 * <p><b>Backstop.</b> A runner that parks registers in {@link RevisionGate#parked}. When every running
 * evaluation of the engine is parked in an engine wait and none of those waits is satisfied, nothing can ever
 * wake them (a cycle would have been refused when its closing edge was added, so this is a lost wake-up):
 * {@link #checkStall} fails the last one to look with a dump of every waiting runner, which releases its
 * claims and lets the others proceed. Waits the engine cannot see (a body blocked on its own latch) are the
 * deadlock module's {@code Watchdog}'s business.
 *
 * <p>Park blockers name what a parked thread waits for in thread dumps: an {@link AwaitingQuery} (a query
 * claimed by another task), {@link AwaitingGetAllChildren}, or (in a write) {@link AwaitingEvaluationsBeforeSet}.
 */
final class Waits {
  static final class AwaitingGetAllChildren {}

  static final class AwaitingEvaluationsBeforeSet {}

  static final Object AWAITING_CHILDREN = new AwaitingGetAllChildren();
  static final Object AWAITING_EVALUATIONS = new AwaitingEvaluationsBeforeSet();

  private Waits() {}

  /** Waits for {@code m}, claimed by {@code o} on another runner. Returns a handed outcome or null (retry). */
  static Object await(Runner r, Memo m, Frame o) {
    QueryEngine e = r.engine;
    e.counters.waits.increment();
    FanOut.compensate(r);
    r.waitMemo = m;
    try {
      for (;;) {
        Optional<List<Runner>> cyc = e.graph.tryWait(r, o.runner);
        if (cyc.isEmpty()) {
          break;
        }
        if (m.owner != o) {
          return null;
        }
        checkSignals(r, m);
        CycleDetector.cross(r, cyc.get(), m, o);
        if (m.owner != o) {
          return null;
        }
      }
      AwaitingQuery node = new AwaitingQuery(r);
      Runner x = o.runner;
      r.startWanting(x); // r is a waiter of x from before its node is registered until its wait ends
      try {
        m.push(node);
        if (m.owner != o) {
          node.leave();
          return node.done ? node.outcome : null;
        }
        Events.QueryBlocked ev = null;
        if (Events.blockedEnabled()) {
          ev = new Events.QueryBlocked();
          ev.begin();
        }
        try {
          loop(r, node, null);
        } finally {
          if (!node.done) {
            node.leave(); // unwound or cancelled: a later release must not remove this runner's next edge
          }
          if (ev != null) {
            ev.end();
            if (ev.shouldCommit()) {
              ev.engine = e.name();
              ev.waiter = r.top == null ? r.toString() : r.top.memo.toString();
              ev.awaited = m.toString();
              ev.commit();
            }
          }
        }
        return node.outcome;
      } finally {
        r.stopWanting(x); // the last waiter of x to leave cancels it
      }
    } finally {
      e.graph.stopWaiting(r);
      r.waitMemo = null;
    }
  }

  /** Waits for child {@code c} of runner {@code r}; returns its outcome or rethrows its signal. */
  static Object child(Runner r, Runner c) {
    if (!c.done) {
      QueryEngine e = r.engine;
      e.counters.waits.increment();
      FanOut.compensate(r);
      r.waitChild = c;
      try {
        for (;;) {
          Optional<List<Runner>> cyc = e.graph.tryWait(r, c);
          if (cyc.isEmpty() || c.done) {
            break;
          }
          checkSignals(r, null);
          CycleDetector.cross(r, cyc.get(), null, null);
        }
        loop(r, null, c);
      } catch (CancelledException x) {
        c.parentLeaves(); // r no longer waits for c: the last waiter to leave cancels it
        throw x;
      } finally {
        e.graph.stopWaiting(r);
        r.waitChild = null;
      }
    }
    r.collected(c);
    Throwable t = c.error;
    if (t != null) {
      if (t instanceof RuntimeException re) {
        throw re;
      }
      throw (Error) t;
    }
    return c.outcome;
  }

  /** Parks until the node is woken or the child is done; throws on unwind, cancellation or interrupt. */
  private static void loop(Runner r, AwaitingQuery node, Runner child) {
    RevisionGate gate = r.engine.gate;
    boolean registered = false;
    try {
      for (;;) {
        if (node != null ? node.done : child.done) {
          return;
        }
        checkSignals(r, node != null ? r.waitMemo : null);
        if (!registered) {
          r.waitNode = node;
          gate.parked.add(r);
          registered = true;
          if (gate.parked.size() >= gate.active()) {
            checkStall(r.engine);
          }
          continue; // re-check the flags after registering, so a write's wake-up cannot be missed
        }
        LockSupport.park(node != null ? node : AWAITING_CHILDREN);
        if (gate.parked.size() >= gate.active()) {
          checkStall(r.engine); // also reached when the last running evaluation ended (see RevisionGate.leave)
        }
      }
    } finally {
      if (registered) {
        gate.parked.remove(r);
        r.waitNode = null;
      }
    }
  }

  /** Throws if runner {@code r} must stop waiting: its frames unwind a cycle, or its evaluation is cancelled. */
  static void checkSignals(Runner r, Memo at) {
    if (r.unwind != null && !CycleDetector.dropStale(r)) {
      CycleUnwind s = r.signal;
      throw s != null ? s : new CycleUnwind();
    }
    if (r.mustStop()) {
      throw r.stopped(at);
    }
  }

  /**
   * The backstop, called when every running evaluation of the engine may be parked in an engine wait: if none
   * of those waits is satisfied, fails with a dump of every waiting runner rather than hang.
   */
  private static void checkStall(QueryEngine e) {
    RevisionGate gate = e.gate;
    if (gate.cancelling) {
      return;
    }
    // The count of running evaluations is read before the waiters: one that ends meanwhile has published its
    // end (a child's done, a release's wake-up) before it left the count, so it is seen as satisfied below or
    // was still counted here. Most calls find a satisfied waiter among the first: no copy until a stall is sure.
    int active = gate.active();
    if (gate.parked.size() < active) {
      return;
    }
    int count = 0;
    for (Runner w : gate.parked) {
      AwaitingQuery n = w.waitNode;
      Runner c = w.waitChild;
      if (w.unwind != null || (n != null && n.done) || (c != null && c.done) || (n == null && c == null)) {
        return;
      }
      count++;
    }
    if (count < active || gate.active() != active || FanOut.helpPending(e)) {
      // An evaluation started meanwhile (a getAll helper a carrier about to idle started, which may satisfy
      // the waits seen above), or a getAll group has keys such a helper will take: not a stall.
      return;
    }
    List<Runner> waiting = new ArrayList<>(gate.parked);
    StringBuilder sb = new StringBuilder("query engine '").append(e.name())
        .append("' stalled: every running evaluation waits and none can proceed (no cycle was found)");
    for (Runner w : waiting) {
      sb.append("\n  ").append(w).append(" waits for ");
      Memo wm = w.waitMemo;
      Runner wc = w.waitChild;
      sb.append(wm != null ? wm + " (claimed by " + wm.owner + ")" : String.valueOf(wc));
      for (Frame f = w.top; f != null; f = f.parent) {
        sb.append("\n    in ").append(f.memo);
      }
    }
    String dump = sb.toString();
    System.getLogger("dev.weft.query").log(System.Logger.Level.ERROR, dump);
    throw new IllegalStateException(dump);
  }
}
