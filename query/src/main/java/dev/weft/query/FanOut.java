package dev.weft.query;

import java.util.concurrent.locks.LockSupport;

/**
 * Brings a group of memos up to date at once: the keys of a {@link QueryContext#getAll} (for their values)
 * and a getAll group in a dependency record being verified (for whether any changed).
 *
 * <p><b>Implementation overview.</b> One pass over the group sorts each memo into: current (taken as it is),
 * stale but verifiable without a claim ({@link Verify#quick}, in place), or needing work. The first memo
 * needing work runs inline on the caller's runner after every other one has been given a child runner on
 * its own virtual thread ({@link #spawn}); then the children are awaited in key order. So a group whose
 * members are all current or cheaply verified costs no thread, and one with work costs one thread fewer than
 * it has memos needing work.
 *
 * <p>A child is counted in by the {@link RevisionGate} before it is spawned and out when it ends. It
 * publishes its outcome or error, then {@link Runner#done} (release), then unparks its parent; its parent
 * waits for it in {@link Waits#child}, which also adds the wait-for edge a cycle through the child needs.
 * The parent is a waiter of each child until it has collected it ({@link Runner#addKid}); a parent that
 * unwinds with {@link CancelledException} leaves every child it has not collected
 * ({@link Runner#parentLeaves}), which cancels those nobody else waits for. A parent unwinding a cycle keeps
 * its children (they may be members of that cycle) and does not forget them: a cancellation of the parent
 * while the enclosing getAll runs still reaches them.
 */
final class FanOut {
  private FanOut() {}

  /**
   * Brings every memo of {@code ms} up to date on runner {@code r} and returns their outcomes in order (values
   * or {@link Failure}s; with {@code needValue == false}, null for an evicted value). Memos of inputs are
   * skipped (their slot stays null).
   */
  static Object[] run(Runner r, Memo[] ms, boolean needValue) {
    long rev = r.revision;
    int n = ms.length;
    Object[] outs = new Object[n];
    if (r.group != null) { // inside a fixpoint iteration everything runs on the driver's thread, in order
      for (int i = 0; i < n; i++) {
        if (!ms[i].table.input) {
          outs[i] = Fetch.fetch(r, ms[i], needValue);
        }
      }
      return outs;
    }
    int first = -1;
    Runner[] kids = null;
    Runner mark = r.kids();
    try {
      for (int i = 0; i < n; i++) {
        Memo m = ms[i];
        if (m.table.input) {
          continue;
        }
        if (m.verifiedAt == rev) { // acquire
          Object res = m.result;
          if (res != null || !needValue) {
            if (needValue) {
              r.hits++;
              m.table.afterHit(m);
            }
            outs[i] = res;
            continue;
          }
        }
        if (m.verifiedAt >= 0 && m.owner == null) { // stale and unclaimed: verify without a child if it can
          Object res;
          if (Verify.shallow(r, m, rev)) {
            res = m.result;
            if (res != null || !needValue) {
              outs[i] = res;
              continue;
            }
          } else if ((res = Verify.quick(r, m, rev)) != null) {
            outs[i] = res;
            continue;
          }
        }
        if (first < 0) {
          first = i; // runs inline below, after the others are spawned
        } else {
          if (kids == null) {
            kids = new Runner[n];
          }
          kids[i] = spawn(r, m, needValue);
        }
      }
      if (first >= 0) {
        outs[first] = Fetch.fetch(r, ms[first], needValue);
      }
      if (kids != null) {
        for (int i = 0; i < n; i++) {
          if (kids[i] != null) {
            outs[i] = Waits.child(r, kids[i]);
          }
        }
      }
    } catch (CancelledException c) {
      if (kids != null) {
        for (Runner k : kids) {
          if (k != null) {
            k.parentLeaves(); // r stops waiting for its children: each one nobody else waits for is cancelled
          }
        }
      }
      r.forgetKids(mark);
      throw c;
    }
    r.forgetKids(mark); // every child collected
    return outs;
  }

  /** The values (or failures) of the keys of a getAll, none of them inputs. */
  static Object[] values(Runner r, Memo[] ms) {
    return run(r, ms, true);
  }

  /** Starts a child runner of {@code parent} that fetches {@code m} on a virtual thread of its own. */
  static Runner spawn(Runner parent, Memo m, boolean needValue) {
    QueryEngine e = parent.engine;
    Runner c = new Runner(e, e.nextRunnerId(), parent.revision, null, parent.thread);
    c.parent = parent;
    c.group = parent.group;
    parent.addKid(c);
    e.gate.enterChild();
    try {
      e.scheduler().spawn("weft-query:" + m, () -> {
        c.bind(Thread.currentThread());
        Runner.CURRENT.set(c);
        try {
          c.outcome = Fetch.fetch(c, m, needValue);
        } catch (Throwable t) {
          c.error = t;
        } finally {
          e.counters.flush(c);
          Runner.CURRENT.remove();
          c.done = true; // release: publishes outcome/error
          LockSupport.unpark(c.parentThread);
          e.gate.leave();
        }
        return null;
      });
    } catch (RuntimeException x) {
      e.gate.leave();
      throw x;
    }
    return c;
  }
}
