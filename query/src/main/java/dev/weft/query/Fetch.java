package dev.weft.query;

import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.time.Duration;
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
 * <p>A root read runs on a scheduler thread: inline when the caller is one (and set no timeout), else as a
 * task the caller waits for through a {@link RootCall}, which lets the caller leave (interrupted, or past its
 * timeout) and so stop the runner unless another reader waits for it ({@link Runner} on waiters). It is
 * counted in by the {@link RevisionGate} for its whole duration, so a {@code set} waits for it.
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
    // Kept small enough for the JIT to inline into its callers: the rare branches are methods of their own, so
    // a query level of deep recursion costs fewer physical frames (each one frozen and thawed around a hop).
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
      if (r.unwind != null && !CycleDetector.dropStale(r)) { // frames of this runner marked while it ran on
        CycleUnwind s = r.signal;
        throw s != null ? s : new CycleUnwind();
      }
      Frame o = m.owner;
      if (o == null) {
        if (m.verifiedAt >= 0) { // stale: try to verify without a claim (a cold memo never gets here)
          Object v = verifyUnclaimed(r, m, rev, needValue);
          if (v != MISS) {
            return v;
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
      Object handed = owned(r, m, o);
      if (handed != null) {
        return handed;
      }
    }
  }

  /** What {@link #verifyUnclaimed} returns when a claimant must decide. */
  private static final Object MISS = new Object();

  /** A stale, unclaimed {@code m}: its outcome if it can be verified without a claim, else {@link #MISS}. */
  private static Object verifyUnclaimed(Runner r, Memo m, long rev, boolean needValue) {
    if (Verify.shallow(r, m, rev)) {
      Object res = m.result;
      if (res != null || !needValue) {
        return res;
      }
      return MISS;
    }
    Object quick = Verify.quick(r, m, rev);
    return quick != null ? quick : MISS;
  }

  /**
   * {@code m} is claimed by frame {@code o}: a member of a fixpoint group this runner iterates, a cycle on this
   * runner's own stack, or another runner's work to wait for. Returns the outcome handed over, or null to look
   * at {@code m} again.
   */
  private static Object owned(Runner r, Memo m, Frame o) {
    FixpointGroup g = o.claimOf();
    if (g != null && g == r.group) {
      return Fixpoint.read(r, m, g); // a member of the group this runner iterates: its latest value
    }
    if (o.runner == r) {
      FixpointGroup mine = r.group;
      if (g != null && mine != null) {
        mine.mergedInto = g; // a nested group reads its enclosing group: it belongs to it
        throw new CycleUnwind();
      }
      if (mine != null && FixpointGroup.isBelow(mine, o)) {
        FixpointGroup around = FixpointGroup.enclosing(mine);
        if (around != null && !FixpointGroup.between(mine, around, o)) {
          mine.mergedInto = around; // o lies in or under an enclosing iteration: join that one first
          throw new CycleUnwind();
        }
        throw Fixpoint.below(r, mine, o);
      }
      throw CycleDetector.local(r, o);
    }
    return Waits.await(r, m, o);
  }

  /** {@link QueryContext#get} of frame {@code f}. */
  static Object get(Frame f, Query<?, ?> query, Object key) {
    Runner r = f.runner;
    QueryEngine e = r.engine;
    Table t = e.table(query);
    Object k = Misuse.key(t, key);
    int h = Table.hash(k);
    Memo m = t.find(k, h);
    if (m == null) {
      return getMissing(f, t, k, h);
    }
    f.record(m);
    if (t.input) {
      return readInput(f, m);
    }
    Object v = m.hitValue(r.revision);
    if (v != null) {
      r.hits++;
      t.afterHit(m);
      Diagnostics.read(r, m);
      return v;
    }
    return read(f, r, m);
  }

  /**
   * {@link #get} of a key the table did not hold: the insert's memo comes claimed for this reader (unless its
   * stack must hop first), which executes it without a compare-and-set of its own. Out of {@link #get}, whose
   * hit path stays small enough to inline into bodies.
   */
  private static Object getMissing(Frame f, Table t, Object k, int h) {
    Runner r = f.runner;
    Memo m = t.memoClaimed(k, h, r.depth < HOP_DEPTH ? r : null);
    Frame fresh = r.claimed;
    f.record(m);
    if (t.input) {
      return readInput(f, m);
    }
    if (fresh == null) { // inserted by another reader meanwhile
      return read(f, r, m);
    }
    r.claimed = null;
    Object out;
    try {
      if (r.engine.gate.cancelling || r.unwind != null) {
        // what fetch checks before a claim: give the claim back (waiters retry) and read as any reader does
        m.release(fresh, null);
        out = fetch(r, m, true);
        Diagnostics.read(r, m);
      } else {
        out = Execute.run(fresh, true); // its reports, if it logs, are in the log already
      }
    } catch (CancelledException c) {
      f.cancelled = true;
      throw c;
    }
    return unwrap(out);
  }

  /** {@link #get}'s read of a memo that is not a hit: brought up to date and unwrapped. */
  private static Object read(Frame f, Runner r, Memo m) {
    Object out;
    try {
      out = fetch(r, m, true);
    } catch (CancelledException c) {
      f.cancelled = true;
      throw c;
    }
    Diagnostics.read(r, m);
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
      ms[i] = t.memo(Misuse.key(t, keys.get(i)));
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
    return root(e, t, key, evaluate, null);
  }

  /** A root read that waits at most {@code timeout} (null: no limit), as {@link #run} says. */
  static Object root(QueryEngine e, Table t, Object key, boolean evaluate, Duration timeout) {
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
    return run(e, t, key, false, evaluate, timeout, Fetch::readOne);
  }

  /** The body of a root read of {@code key}. */
  private static Object readOne(Table t, Object key, boolean evaluate) {
    Runner r = Runner.CURRENT.get();
    Memo m = t.memo(key);
    boolean logging = evaluate && !t.input && Diagnostics.startLog(r);
    try {
      Object out = t.input ? inputOutcome(m) : fetch(r, m, true);
      if (!evaluate) {
        return out;
      }
      if (logging) {
        Diagnostics.read(r, m); // computed by another root call meanwhile
      }
      List<Diagnostic> log = logging ? Diagnostics.logged(r) : null;
      return evaluation(out, log == null ? Diagnostics.collect(m) : Diagnostics.fromLog(m, log));
    } finally {
      if (logging) {
        Diagnostics.stopLog(r);
      }
    }
  }

  private static Object inputOutcome(Memo m) {
    Object v = m.result;
    return v != null ? v : new Failure(missing(m, null), null);
  }

  private static Evaluation<?> evaluation(Memo m, Object out) {
    return evaluation(out, Diagnostics.collect(m));
  }

  private static Evaluation<?> evaluation(Object out, List<Diagnostic> d) {
    return out instanceof Failure f ? new EvaluationImpl<>(null, f, d) : new EvaluationImpl<>(out, null, d);
  }

  /**
   * The evaluation of {@code t} at {@code key} if its outcome is current (value or failure), else null; waits
   * for no evaluation, only for a write in progress, as every root read does.
   */
  static Evaluation<?> evaluateCurrent(QueryEngine e, Table t, Object key) {
    e.gate.enter();
    try {
      if (t.input) {
        Memo m = t.memo(key);
        return evaluation(m, inputOutcome(m));
      }
      Memo m = t.find(key);
      Object out;
      if (m == null || m.verifiedAt != e.gate.stamp() || (out = m.result) == null) { // acquire, then result
        return null;
      }
      return evaluation(m, out);
    } finally {
      e.gate.leave();
    }
  }

  /** A root getAll: the keys' outcomes, failures included, in key order. */
  static Object[] rootAll(QueryEngine e, Table t, List<?> keys) {
    return rootAll(e, t, keys, null);
  }

  /** A root getAll that waits at most {@code timeout} (null: no limit), as {@link #run} says. */
  static Object[] rootAll(QueryEngine e, Table t, List<?> keys, Duration timeout) {
    return (Object[]) run(e, t, keys, true, false, timeout, Fetch::readAll);
  }

  /** The body of a root getAll of {@code keys}. */
  private static Object readAll(Table t, Object keys, boolean evaluate) {
    Memo[] ms = memos(t.engine, t, (List<?>) keys);
    if (t.input) {
      Object[] outs = new Object[ms.length];
      for (int i = 0; i < ms.length; i++) {
        Object v = ms[i].result;
        outs[i] = v != null ? v : new Failure(missing(ms[i], null), null);
      }
      return outs;
    }
    return FanOut.values(Runner.CURRENT.get(), ms);
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

  /** A root read's body; the read's arguments are passed, not captured, so an inline read allocates no closure. */
  private interface Body {
    Object run(Table t, Object key, boolean evaluate);
  }

  /**
   * Runs {@code body} as a root runner: inline on a scheduler thread when there is no timeout, else as a task
   * the caller waits for through a {@link RootCall}. A caller interrupted while it waits, or whose
   * {@code timeout} passes, leaves: it gets a {@link CancelledException} ({@link QueryTimeoutException} for the
   * timeout) at once, and the root runner, no longer waited for by it, stops unless another reader waits for
   * it (see {@link Runner} on waiters).
   */
  private static Object run(QueryEngine e, Table t, Object key, boolean all, boolean evaluate, Duration timeout,
      Body body) {
    Scheduler s = e.scheduler();
    if (timeout == null && s.owns(Thread.currentThread())) {
      return inline(e, t, key, evaluate, body, null); // the common case: no description, no closure
    }
    String what = all ? t.query.name + renderKeys((List<?>) key) : t.query.name + "(" + key + ")";
    RootCall call = new RootCall(what);
    Task<Object> task = spawn(e, "weft-query:" + what, () -> {
      try {
        return inline(e, t, key, evaluate, body, call);
      } finally {
        call.finish();
      }
    });
    if (timeout != null) {
      Task<Object> deadline;
      try {
        deadline = spawn(e, "weft-query:deadline " + what, () -> {
          call.awaitDeadline(s, timeout);
          return null;
        });
      } catch (RuntimeException x) {
        call.leaveFrom(s);
        throw x;
      }
      try {
        deadline.join();
      } catch (CancellationException x) {
        throw left(s, call, x);
      }
      if (!call.finished()) {
        throw new QueryTimeoutException("no outcome for " + what + " within " + timeout + call.leftMessage(),
            timeout);
      }
    }
    try {
      return task.join();
    } catch (CancellationException x) {
      throw left(s, call, x);
    }
  }

  private static Task<Object> spawn(QueryEngine e, String name, Callable<Object> body) {
    try {
      return e.scheduler().spawn(name, body);
    } catch (IllegalStateException x) {
      throw new IllegalStateException("engine '" + e.name() + "' cannot run " + name + ": " + x.getMessage(), x);
    }
  }

  /** The caller of {@code call} was interrupted while waiting: it leaves, keeping its interrupt status. */
  private static CancelledException left(Scheduler s, RootCall call, CancellationException x) {
    String how = call.leaveFrom(s) ? call.leftMessage() : "";
    return new CancelledException("interrupted while waiting for " + call.what + how, x);
  }

  /**
   * Runs {@code body} on a new root runner on this thread; {@code call} is its caller's side when it runs as a
   * task of its own (null inline, where the caller is this thread).
   */
  private static Object inline(QueryEngine e, Table t, Object key, boolean evaluate, Body body, RootCall call) {
    Runner prev = Runner.CURRENT.get();
    e.gate.enter();
    Runner r = new Runner(e, e.nextRunnerId(), e.gate.stamp(), Thread.currentThread(), null);
    Runner.CURRENT.set(r);
    try {
      if (call != null && !call.attach(r)) {
        throw new CancelledException("the caller of " + call.what + " left before its evaluation started");
      }
      return body.run(t, key, evaluate);
    } catch (CancelledException c) {
      e.counters.cancellations.increment();
      throw c;
    } finally {
      e.helpers.unlist(r);
      e.counters.flush(r);
      r.done = true;
      Runner.CURRENT.set(prev); // not remove(): the next read's get() would allocate the thread's entry again
      e.gate.leave();
    }
  }
}
