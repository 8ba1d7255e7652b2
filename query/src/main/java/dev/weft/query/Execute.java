package dev.weft.query;

import java.util.List;

/**
 * Verifies or executes a memo its frame has claimed, and completes it: the claimant's side of a memo's life.
 *
 * <p><b>Implementation overview.</b> {@link #run} decides by the memo's state: a memo some claim-free
 * verification made current meanwhile is released as it is; an evicted cycle member gets its cycle's
 * verdict back; a stale memo is verified deeply ({@link Verify#deep}) and reused when nothing it read
 * changed; everything else executes its body ({@link #invoke}). Completion ({@link #complete}) stores the
 * outcome, the dependency record and the flags, dates the memo (keeping the old changed-at revision when
 * the new outcome is the same by the query's cutoff: early cutoff, or backdating), publishes it and releases
 * the claim, waking the waiters with the outcome.
 *
 * <p><b>Every claim ends exactly once.</b> Each path releases the claim itself; whatever throws before it
 * did (a cancellation, a cycle unwinding past the frame, an {@link Error}) is caught by one {@code finally}
 * that abandons the claim, so waiters retry and see the cause. Release is a compare-and-set from the frame to
 * null, so the two can never both wake the waiters. User code that runs after the body (the cutoff, the
 * cycle fallback) is guarded: a cutoff that throws counts as "changed", a fallback that throws becomes the
 * member's failure.
 *
 * <p>A body that returns while its runner must stop (the engine cancels every evaluation for a write, the
 * runner has no waiter left, or its thread is interrupted) is cancelled: its outcome is not stored, whatever
 * the body did with the signal.
 *
 * <p>A body that throws {@link InterruptedException} is treated as cancelled, not failed: nothing is stored,
 * its reader gets a {@link CancelledException}, and the thread's interrupt status is left as the body left
 * it (setting it would make every later read from that thread fail as interrupted).
 */
final class Execute {
  private Execute() {}

  /** Verifies or executes the memo {@code f} has claimed, then completes it; returns its outcome. */
  static Object run(Frame f, boolean needValue) {
    Runner r = f.runner;
    Memo m = f.memo;
    EngineCounters counters = r.engine.counters;
    long rev = r.revision;
    Events.QueryExecuted ev = EngineCounters.begin();
    long t0 = counters.startTime();
    r.push(f);
    Outcome how = Outcome.CANCELLED;
    try {
      Object outcome = null;
      boolean restoreOnly = false;
      boolean executed = false;
      try {
        long verified = m.verifiedAt;
        if (verified == rev) {
          Object current = m.result;
          Cycle c = m.cycle;
          if (c == null && (current != null || !needValue)) {
            // A quick verification (no claim) made it current after this frame claimed it.
            r.pop(f);
            m.release(f, current);
            how = Outcome.VERIFIED;
            return current;
          }
          if (c != null) {
            // An evicted cycle member: restore the cycle's verdict. Re-running the body would read the other
            // members' completed outcomes as ordinary values and lose the cycle.
            outcome = cycleOutcome(m, c);
            r.pop(f);
            restore(f, outcome);
            how = Outcome.RESTORED;
            return outcome;
          }
          restoreOnly = true; // evicted: the dependency record is current, only the value is missing
        } else if (verified >= 0 && m.cycle == null) {
          if (!Verify.deep(r, m, verified)) {
            Object res = m.result;
            if (res != null || !needValue) {
              summarize(m, m.deps, false, false);
              if (m.verify(verified, rev)) { // or a concurrent quick verification counted it
                r.verified++;
              }
              r.pop(f);
              m.release(f, res);
              how = Outcome.VERIFIED;
              return res;
            }
            r.verified++;
            restoreOnly = true;
          } else {
            r.verified++;
            counters.reExecutions.increment();
          }
        } else if (verified >= 0) {
          if (Verify.cycle(r, m, verified)) {
            // nothing outside the cycle changed: every member was verified with this one
            Object res = m.result;
            if (res == null && needValue) { // an evicted member of a cycle with fallbacks: its verdict again
              res = cycleOutcome(m, m.cycle);
              r.pop(f);
              restore(f, res);
              how = Outcome.RESTORED;
              return res;
            }
            r.pop(f);
            m.release(f, res);
            how = Outcome.VERIFIED;
            return res;
          }
          counters.reExecutions.increment(); // something outside changed: the member re-executes
        }
        Persistence link = r.engine.persistence;
        if (restoreOnly && link != null && Persistence.unread(m)) {
          // A value reused from a trace and left in the store: decoded now, or else the body restores it.
          Object loaded = link.load(m);
          if (loaded != null) {
            if (verified != rev) {
              summarize(m, m.deps, false, false);
            }
            r.pop(f);
            restore(f, loaded);
            how = Outcome.RESTORED;
            return loaded;
          }
        }
        if (verified < 0 && link != null && m.table.query.kept()) {
          // may read dependencies, so it may throw what reads throw
          Persistence.Reused reused = link.reuse(f, needValue);
          if (reused != null) {
            r.pop(f);
            completeReused(f, reused);
            how = Outcome.REUSED;
            return reused.value();
          }
        }
        executed = true;
        counters.executed(r);
        if (restoreOnly) {
          r.log = null; // the body runs again and reports again: see Diagnostics#startLog
        }
        outcome = invoke(f);
      } catch (CycleUnwind u) {
        if (u instanceof Fixpoint.Restart x && x.target == f) {
          // this frame's memo joins the group, and the iteration moves down to it
          r.signal = null;
          r.unwind = null;
          r.pop(f);
          how = Outcome.CYCLE;
          if (Fixpoint.handOver(f, x.group)) {
            return Fixpoint.drive(f, x.group, needValue);
          }
          return Fetch.fetch(r, m, needValue); // the group completed meanwhile: read its outcome
        }
        if (f.cycle == null) {
          throw u; // the cycle is below this frame; the finally abandons it
        }
        f.unwound(u);
      }
      if (f.cycle != null && f.cycle.group != null) {
        // a fixpoint group's member: hand the claim over to the group instead of completing
        r.pop(f);
        how = Outcome.CYCLE;
        boolean handed = Fixpoint.handOver(f, f.cycle.group);
        return Fixpoint.unwound(f, f.cycle.group, handed, needValue, f.unwound());
      }
      if (f.cycle != null) {
        outcome = cycleOutcome(m, f.cycle);
      }
      if (f.cancelled || (f.cycle == null && r.mustStop())) {
        // Checked after the body returned: nothing computed after a cancellation is stored. A cycle member
        // still completes with its verdict, which the detector decided (see Runner on waiters).
        throw f.interruptedBy() != null && !r.cancelled
            ? new CancelledException("the body of " + m + " threw " + f.interruptedBy(), f.interruptedBy())
            : r.stopped(m);
      }
      r.pop(f);
      complete(f, outcome, restoreOnly, executed);
      how = f.cycle != null ? Outcome.CYCLE : restoreOnly ? Outcome.RESTORED
          : outcome instanceof Failure ? Outcome.FAILED : Outcome.COMPUTED;
      if (f.cycle != null) {
        Frame below = f.parent;
        if (below != null && below.cycle == f.cycle) {
          throw new CycleUnwind();
        }
        r.unwind = null;
      }
      return outcome;
    } finally {
      if (m.owner == f) {
        abandon(f);
        r.log = null; // not completed: it may run again, and report again (see Diagnostics#startLog)
      }
      counters.end(ev, t0, m, how);
    }
  }

  /** Runs the body; a body exception becomes a {@link Failure}; signals propagate. */
  static Object invoke(Frame f) {
    Memo m = f.memo;
    @SuppressWarnings("unchecked")
    QueryFunction<Object, Object> fn = (QueryFunction<Object, Object>) m.table.query.fn;
    f.resetDeps();
    f.active = true;
    try {
      Object v = fn.compute(f, m.key);
      if (v == null && f.cycle == null && !f.cancelled) {
        return new Failure(new NullPointerException("query " + m + " returned null"), List.of(m.call()));
      }
      return v;
    } catch (CycleUnwind u) {
      if (f.cycle != null) {
        f.unwound(u);
        return null;
      }
      throw u;
    } catch (CancelledException e) {
      f.cancelled = true;
      return null;
    } catch (InterruptedException e) {
      f.cancelled = true;
      f.interruptedBy(e);
      return null;
    } catch (Throwable t) {
      if (f.cycle != null || f.cancelled) {
        return null;
      }
      return Failure.of(t, m.call());
    } finally {
      f.active = false;
    }
  }

  /** The outcome of member {@code m} of cycle {@code c}: its fallback value, or the cycle's exception. */
  static Object cycleOutcome(Memo m, Cycle c) {
    @SuppressWarnings("unchecked")
    CycleFallback<Object, Object> fb = (CycleFallback<Object, Object>) m.table.query.fallback;
    if (fb == null) {
      return new Failure(c.exception, null);
    }
    try {
      Object v = fb.recover(m.key, c.calls);
      if (v == null) {
        return new Failure(new NullPointerException("cycle fallback of " + m + " returned null"),
            List.of(m.call()));
      }
      return v;
    } catch (Throwable t) {
      return Failure.of(t, m.call());
    }
  }

  /** Releases a claim without storing anything; waiters retry (and see the cancellation). */
  private static void abandon(Frame f) {
    Runner r = f.runner;
    if (r.top == f) {
      r.pop(f);
    }
    f.memo.release(f, null);
  }

  private static void complete(Frame f, Object outcome, boolean restoreOnly, boolean executed) {
    Memo m = f.memo;
    Table t = m.table;
    long rev = f.runner.revision;
    Object old = m.result;
    boolean completedBefore = m.verifiedAt >= 0;
    if (!restoreOnly) {
      Object before = old;
      if (before == null && completedBefore && Persistence.unread(m)) {
        before = t.engine.persistence.load(m); // a value reused unread: early cutoff compares it too
      }
      if (completedBefore && before != null && sameOutcome(t.query, before, outcome)) {
        t.engine.counters.cutoffs.increment();
      } else {
        m.changedAt = rev;
      }
    }
    boolean cyc = f.cycle != null;
    if (executed) {
      Object[] was = m.deps;
      m.deps = f.depsArray();
      if (completedBefore) {
        if (cyc) {
          t.engine.reports.incrementAndGet();
        } else {
          Diagnostics.recorded(t.engine, was, m.deps);
        }
      }
      Cone.recorded(f.runner, m);
    } else if (m.deps == null) {
      m.deps = Frame.NO_DEPS;
    }
    summarize(m, m.deps, f.reported, cyc);
    Diagnostics.completed(f.runner, m);
    m.cycle = f.cycle;
    m.result = outcome;
    if (old == null) {
      f.runner.became++;
    }
    m.publish(rev); // publishes result, changedAt, deps, flags, cycle
    if (t.capacity >= 0) {
      t.engine.counters.flush(f.runner); // so that an eviction's decrement never meets a count not yet added
      t.admit(m);
    }
    m.release(f, outcome);
  }

  /**
   * Completes a never-completed memo with a value and record reused from a stored trace; a value left unread
   * completes it as an evicted one would (current, no value in memory), and the first reader that needs it has
   * it decoded ({@link Persistence#load}).
   */
  private static void completeReused(Frame f, Persistence.Reused reused) {
    Memo m = f.memo;
    Table t = m.table;
    long rev = f.runner.revision;
    Object v = reused.value();
    m.changedAt = rev;
    m.deps = reused.deps();
    Cone.recorded(f.runner, m);
    summarize(m, m.deps, reused.reported(), false);
    m.result = v;
    if (v != null) {
      f.runner.became++;
    }
    m.publish(rev);
    if (t.capacity >= 0 && v != null) {
      t.engine.counters.flush(f.runner);
      t.admit(m);
    }
    m.release(f, v); // null: a waiter that needs the value claims the memo to load it
  }

  /**
   * Puts back the outcome of a current memo whose value was evicted or left unread in the store; its dates,
   * record and flags stay as they are.
   */
  private static void restore(Frame f, Object outcome) {
    Memo m = f.memo;
    m.result = outcome;
    m.table.engine.counters.live.increment();
    m.publish(f.runner.revision); // unchanged value; the release publishes result to the hit path
    if (m.table.capacity >= 0) {
      m.table.admit(m);
    }
    m.release(f, outcome);
  }

  /**
   * Whether a re-executed outcome is the same as the old one, for early cutoff. A cutoff (or a failure's
   * message) that throws, whatever it throws, counts as "changed": dependents then re-execute, which is
   * always correct.
   */
  static boolean sameOutcome(QueryDef<?, ?> q, Object old, Object now) {
    try {
      if (old instanceof Failure a) {
        return now instanceof Failure b && a.same(b);
      }
      return !(now instanceof Failure) && q.same(old, now);
    } catch (Throwable t) {
      return false;
    }
  }

  /**
   * Writes {@code m}'s summaries of {@code deps}: whether it or anything it read reported, its durability
   * (the lowest it read) and its input filter (the union of what it read). A cycle member's partners complete
   * after it, so their summaries are not final yet: it assumes diagnostics, the lowest durability and every
   * input.
   */
  static void summarize(Memo m, Object[] deps, boolean ownReports, boolean cycleMember) {
    if (cycleMember) {
      m.flags = Memo.HAS_DIAGNOSTICS;
      m.durability = 0;
      m.inputs = -1L;
      return;
    }
    summarize(m, deps, ownReports, -1, 0);
  }

  /**
   * {@link #summarize} of a memo that is not a cycle member; with {@code rev >= 0}, in the same pass, first
   * requires every dependency to be current in {@code rev}, not a cycle member and unchanged since
   * {@code since} (a quick verification reads each dependency once), and returns false, writing nothing, when
   * one is not.
   */
  static boolean summarize(Memo m, Object[] deps, boolean ownReports, long rev, long since) {
    int flags = ownReports ? Memo.HAS_DIAGNOSTICS : 0;
    int durability = Durability.HIGH.ordinal();
    long inputs = 0;
    for (Object d : deps) {
      if (d instanceof Memo dm) {
        if (rev >= 0 && !Verify.unchangedSince(dm, rev, since)) {
          return false;
        }
        flags |= dm.flags;
        durability = Math.min(durability, dm.durability);
        inputs |= dm.inputs;
      } else if (d instanceof Memo[] group) {
        for (Memo g : group) {
          if (rev >= 0 && !Verify.unchangedSince(g, rev, since)) {
            return false;
          }
          flags |= g.flags;
          durability = Math.min(durability, g.durability);
          inputs |= g.inputs;
        }
      } else {
        flags = Memo.HAS_DIAGNOSTICS; // an own report
      }
    }
    m.flags = (byte) (flags & Memo.HAS_DIAGNOSTICS);
    m.durability = (byte) durability;
    m.inputs = inputs;
    return true;
  }
}
