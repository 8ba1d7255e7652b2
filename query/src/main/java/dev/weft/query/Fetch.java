package dev.weft.query;

import dev.weft.scheduler.Task;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;

/**
 * Reads: bringing a memo up to date for a reader, the reads of a body ({@link QueryContext#get} and
 * {@link QueryContext#getAll}), and the root reads that start an evaluation from outside any body.
 *
 * <p><b>Implementation overview.</b> {@link #fetch} is the one slow path behind every hit check. For a memo
 * that is not a current value it tries, in order: a claim-free verification ({@link Verify#quick}); a hop to
 * a fresh virtual thread when the runner's stack is {@link #HOP_DEPTH} frames deep; a claim, after which the
 * claimant verifies or executes ({@link Execute#run}); or, when another runner holds the claim, a wait
 * ({@link Waits#await}) that either receives the outcome or retries. A claim held by a frame of the reader's
 * own runner is a same-thread cycle ({@link CycleDetector#local}).
 *
 * <p>Every read site first asks {@link Memo#hitValue} whether the memo is a current value and, when it is,
 * does the same bookkeeping ({@link Table#afterHit}: LRU recency, the {@code cached} event), so hits behave
 * alike whichever method served them.
 *
 * <p>A root read runs on a scheduler thread: inline when the caller is one, else as a task the caller
 * joins. It is counted in by the {@link RevisionGate} for its whole duration, so a {@code set} waits for it.
 */
final class Fetch {
  /** Nested executions on one stack before {@link QueryContext#get} continues on a fresh virtual thread. */
  static final int HOP_DEPTH = 96;

  private Fetch() {}

  /**
   * Brings {@code m} up to date on runner {@code r} and returns its outcome (value or {@link Failure}); with
   * {@code needValue == false} an evicted value is not restored and null may be returned.
   *
   * @throws CancelledException if the evaluation is cancelled
   * @throws CycleUnwind if {@code r}'s frames are on a detected cycle
   */
  static Object fetch(Runner r, Memo m, boolean needValue) {
    if (m.table.input) {
      return m.result;
    }
    long rev = r.revision;
    RevisionGate gate = r.engine.gate;
    for (;;) {
      if (m.verifiedAt == rev) { // acquire
        Object res = m.result;
        if (res != null || !needValue) {
          if (res != null && needValue) {
            r.hits++;
            m.table.afterHit(m);
          }
          return res;
        }
      }
      if (gate.cancelling) {
        throw gate.cancelled(m);
      }
      if (r.unwind != null) { // a detector marked frames of this runner while it ran on: unwind before anything
        CycleUnwind s = r.signal;
        throw s != null ? s : new CycleUnwind();
      }
      Frame o = m.owner;
      if (o == null) {
        if (m.verifiedAt >= 0) { // stale: try to verify without a claim (a cold memo never gets here)
          if (Verify.shallow(r, m, rev)) {
            Object res = m.result;
            if (res != null || !needValue) {
              return res;
            }
          } else {
            Object quick = Verify.quick(r, m, rev);
            if (quick != null) {
              return quick;
            }
          }
        }
        if (r.depth >= HOP_DEPTH) {
          return Waits.child(r, FanOut.spawn(r, m, needValue));
        }
        Frame f = new Frame(r, m, r.top);
        if (!m.claim(f)) {
          continue;
        }
        if (m.verifiedAt == rev) { // completed between the check above and the claim
          Object res = m.result;
          if (res != null || !needValue) {
            m.release(f, res);
            return res;
          }
        }
        return Execute.run(f, needValue);
      }
      Fixpoint.Group g = o.claimOf;
      if (g != null && g == r.group) {
        return Fixpoint.read(r, m, g); // a member of the group this runner iterates: its latest value
      }
      if (o.runner == r) {
        Fixpoint.Group mine = r.group;
        if (g != null && mine != null) {
          mine.mergedInto = g; // a nested group reads its enclosing group: it belongs to it
          throw new CycleUnwind();
        }
        if (mine != null && Fixpoint.isBelow(mine, o)) {
          Fixpoint.Group around = Fixpoint.enclosing(mine);
          if (around != null && !Fixpoint.between(mine, around, o)) {
            mine.mergedInto = around; // o lies in or under an enclosing iteration: join that one first
            throw new CycleUnwind();
          }
          throw Fixpoint.below(r, mine, o);
        }
        throw CycleDetector.local(r, o);
      }
      Object handed = Waits.await(r, m, o);
      if (handed != null) {
        return handed;
      }
    }
  }

  /** {@link QueryContext#get} of frame {@code f}. */
  static Object get(Frame f, Query<?, ?> query, Object key) {
    QueryEngine e = f.runner.engine;
    Table t = e.table(query);
    Memo m = t.memo(e.checkKey(t, key));
    f.record(m);
    if (t.input) {
      return readInput(f, m);
    }
    Runner r = f.runner;
    Object v = m.hitValue(r.revision);
    if (v != null) {
      r.hits++;
      t.afterHit(m);
      return v;
    }
    Object out;
    try {
      out = fetch(r, m, true);
    } catch (CancelledException c) {
      f.cancelled = true;
      throw c;
    }
    return unwrap(out);
  }

  /** {@link QueryContext#getAll} of frame {@code f}. */
  static List<Object> getAll(Frame f, Query<?, ?> query, List<?> keys) {
    QueryEngine e = f.runner.engine;
    Table t = e.table(query);
    Memo[] ms = memos(e, t, keys);
    f.record(ms);
    if (t.input) {
      Object[] outs = new Object[ms.length];
      for (int i = 0; i < ms.length; i++) {
        outs[i] = readInput(f, ms[i]);
      }
      return List.of(outs);
    }
    Object[] outs;
    try {
      outs = FanOut.values(f.runner, ms);
    } catch (CancelledException c) {
      f.cancelled = true;
      throw c;
    }
    for (Object o : outs) {
      if (o instanceof Failure fl) {
        throw fl.toException();
      }
    }
    return java.util.Collections.unmodifiableList(java.util.Arrays.asList(outs));
  }

  private static Memo[] memos(QueryEngine e, Table t, List<?> keys) {
    int n = keys.size();
    Memo[] ms = new Memo[n];
    for (int i = 0; i < n; i++) {
      ms[i] = t.memo(e.checkKey(t, keys.get(i)));
    }
    return ms;
  }

  static Object unwrap(Object outcome) {
    if (outcome instanceof Failure f) {
      throw f.toException();
    }
    return outcome;
  }

  private static Object readInput(Frame reader, Memo m) {
    Object v = m.result;
    if (v == null) {
      throw missing(m, reader.memo);
    }
    return v;
  }

  static MissingInputException missing(Memo input, Memo reader) {
    return new MissingInputException("input " + input + " was never set"
        + (reader == null || reader.table == null ? "" : " (read by " + reader + ")"));
  }

  // ------------------------------------------------------------------------------------------ roots

  /** A root read: {@code evaluate} returns an {@link Evaluation}, else the outcome (value or failure). */
  static Object root(QueryEngine e, Table t, Object key, boolean evaluate) {
    if (t.input && !evaluate) {
      Memo m = t.memo(key);
      e.gate.enter(); // waits for a write in progress: a read sees all of a transaction or none of it
      Object v;
      try {
        v = m.result;
      } finally {
        e.gate.leave();
      }
      if (v == null) {
        throw missing(m, null);
      }
      return v;
    }
    return run(e, t.query.name + "(" + key + ")", () -> {
      Runner r = Runner.CURRENT.get();
      Memo m = t.memo(key);
      Object out = t.input ? (m.result == null ? new Failure(missing(m, null), null) : m.result)
          : fetch(r, m, true);
      if (!evaluate) {
        return out;
      }
      List<Diagnostic> d = Diagnostics.collect(m);
      return out instanceof Failure f ? new EvaluationImpl<>(null, f, d) : new EvaluationImpl<>(out, null, d);
    });
  }

  /** A root getAll: the keys' outcomes, failures included, in key order. */
  static Object[] rootAll(QueryEngine e, Table t, List<?> keys) {
    Memo[] ms = memos(e, t, keys);
    return (Object[]) run(e, t.query.name + renderKeys(keys), () -> {
      if (t.input) {
        Object[] outs = new Object[ms.length];
        for (int i = 0; i < ms.length; i++) {
          Object v = ms[i].result;
          outs[i] = v != null ? v : new Failure(missing(ms[i], null), null);
        }
        return outs;
      }
      return FanOut.values(Runner.CURRENT.get(), ms);
    });
  }

  /** {@code [a, b, c]}, or the first few keys and a count. */
  static String renderKeys(List<?> keys) {
    int show = Math.min(keys.size(), 3);
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < show; i++) {
      sb.append(i == 0 ? "" : ", ").append(keys.get(i));
    }
    if (keys.size() > show) {
      sb.append(", ... (").append(keys.size()).append(" keys)");
    }
    return sb.append(']').toString();
  }

  private interface Body {
    Object run();
  }

  /** Runs {@code body} as a root runner: inline on a scheduler thread, else as a task the caller joins. */
  private static Object run(QueryEngine e, String what, Body body) {
    if (e.scheduler().owns(Thread.currentThread())) {
      return inline(e, body);
    }
    Callable<Object> task = () -> inline(e, body);
    Task<Object> t;
    try {
      t = e.scheduler().spawn("weft-query:" + what, task);
    } catch (IllegalStateException x) {
      throw new IllegalStateException("engine '" + e.name() + "' cannot run " + what + ": " + x.getMessage(), x);
    }
    try {
      return t.join();
    } catch (CancellationException x) {
      throw new CancelledException("interrupted while waiting for " + what, x);
    }
  }

  private static Object inline(QueryEngine e, Body body) {
    Runner prev = Runner.CURRENT.get();
    e.gate.enter();
    Runner r = new Runner(e, e.nextRunnerId(), e.gate.stamp(), Thread.currentThread(), null);
    Runner.CURRENT.set(r);
    try {
      return body.run();
    } catch (CancelledException c) {
      e.counters.cancellations.increment();
      throw c;
    } finally {
      e.counters.flush(r);
      r.done = true;
      if (prev == null) {
        Runner.CURRENT.remove();
      } else {
        Runner.CURRENT.set(prev);
      }
      e.gate.leave();
    }
  }
}
