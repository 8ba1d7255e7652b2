package dev.weft.query;

import java.util.ArrayList;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * Brings a group of memos up to date at once: the keys of a {@link QueryContext#getAll} (for their values)
 * and a getAll group in a dependency record being verified (for whether any changed).
 *
 * <p><b>Implementation overview.</b> One pass over the group takes what needs no work: memos that are current,
 * and stale memos verified in place ({@link Verify#shallow}, {@link Verify#quick}). The memos left are shared
 * out through a {@link Work} cursor: the caller takes them one by one on its own runner, and so do a few
 * <em>helpers</em>, child runners on virtual threads of their own: one per carrier beyond the caller's
 * (at least one under a deterministic scheduler, so that schedules still explore siblings' races), started
 * with the group only while some carrier may be idle. When every carrier is busy (the nested groups of a
 * parallel build), the group starts none: a carrier that goes idle later finds it through its runner, listed
 * in the engine from its first group to its end, and starts one ({@link #helpIdle}). A worker
 * that is about to wait inside the engine while keys are left starts one more helper first
 * ({@link #compensate}), so a group whose keys wait for each other or for other tasks keeps every carrier
 * busy. A group with nothing to compute costs no thread; a cold group of trivial keys costs a handful of
 * threads instead of one per key (threads per key made a fine-grained build spend most of its time starting
 * and parking them).
 *
 * <p>No key is ever claimed by the cursor: a worker claims a memo only when it fetches it, like any read,
 * so a key another worker (or any runner) needs first is simply computed by that one, and nothing waits for a
 * key that nobody took.
 *
 * <p>A helper is counted in by the {@link RevisionGate} before it is spawned and out when it ends. It
 * publishes its error (if any), then {@link Runner#done} (release), then unparks its parent; the parent waits
 * for every helper that began in {@link Waits#child}, which also adds the wait-for edge a cycle through a helper
 * needs, and skips one that has not (it would find the group closed and take no key).
 * Values are written into the shared result array by the worker that fetched them and read by the parent
 * after it has seen every helper done.
 *
 * <p><b>Waiters.</b> The parent is a waiter of each helper (and of each hop child) until it has collected it
 * ({@link Runner}'s overview). A helper may be started from another thread (an idle carrier, a helper that is
 * about to wait), so helpers are listed in their {@link Work}, not in the parent's children, and the parent
 * lists its open groups ({@link Runner#works}): a parent that unwinds with {@link CancelledException}, or is
 * cancelled itself, leaves every helper of its groups ({@link Work#parentLeaves}), which cancels those nobody
 * else waits for. A parent unwinding a cycle keeps its helpers (they may be members of that cycle).
 */
final class FanOut {
  /** Helpers a group may start in all, compensation included. */
  private static final int MAX_HELPERS = 64;

  private FanOut() {}

  /** The memos of one group still to fetch, and the workers fetching them. */
  static final class Work {
    private static final VarHandle RANGE;

    static {
      try {
        RANGE = MethodHandles.lookup().findVarHandle(Work.class, "range", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final Memo[] ms;
    private final int[] todo;
    private final Object[] outs;
    private final boolean needValue;
    private final Runner parent;
    /**
     * The fixpoint group the parent iterated when it opened this group (null: a group is never opened inside an
     * iteration, whose getAll runs in order on the driver). Its helpers take this one, not the parent's group
     * at the time they start: a helper started while the parent drives an iteration it entered from one of
     * this group's keys still fetches keys of this group, outside the iteration.
     */
    private final FixpointGroup group;
    /**
     * The keys not yet taken, as {@code front << 32 | back}: the caller takes from the front (in key order, like
     * a sequential run), helpers from the back, so that caller and helpers work on different parts of the
     * group and rarely wait for each other's memos. The first key is the caller's own, so front starts at 1.
     */
    private volatile long range;
    /** Helpers started, in order; only the parent reads it after the cursor ran out. */
    private ArrayList<Runner> helpers; // made with the first helper; guarded by this Work's monitor
    /** The keys before this index the parent has read into its log, if it logs ({@link #fetchInOrder}). */
    private int read;
    /** Set when the parent stops taking keys (done, or thrown out): no helper starts, none takes a key. */
    private volatile boolean closed;
    /** The next older open group of the same parent ({@link Runner#works}); written before publication. */
    Work outerOfParent;

    Work(Runner parent, Memo[] ms, int[] todo, Object[] outs, boolean needValue) {
      this.range = 1L << 32 | todo.length;
      this.parent = parent;
      this.group = parent.group;
      this.ms = ms;
      this.todo = todo;
      this.outs = outs;
      this.needValue = needValue;
    }

    boolean pending() {
      long r = range;
      return !closed && (int) (r >>> 32) < (int) r;
    }

    /** Takes the next key from the front ({@code front}) or the back; -1 when none is left. */
    private int take(boolean front) {
      for (;;) {
        long r = range;
        int f = (int) (r >>> 32);
        int b = (int) r;
        if (closed || f >= b) {
          return -1;
        }
        long next = front ? (long) (f + 1) << 32 | b : (long) f << 32 | (b - 1);
        if (RANGE.compareAndSet(this, r, next)) {
          return front ? f : b - 1;
        }
      }
    }

    void close() {
      closed = true;
    }

    /** The caller fetches the first key itself, whatever the helpers do meanwhile. */
    void first(Runner r) {
      Work outer = r.work;
      r.work = this;
      try {
        fetchInOrder(r, todo[0]);
      } finally {
        r.work = outer;
      }
    }

    /** Takes keys on runner {@code r} until none is left: the caller from the front, a helper from the back. */
    void drain(Runner r) {
      Work outer = r.work;
      r.work = this;
      boolean front = r == parent;
      try {
        for (int i; (i = take(front)) >= 0; ) {
          int k = todo[i];
          if (front) {
            fetchInOrder(r, k);
          } else {
            outs[k] = Fetch.fetch(r, ms[k], needValue);
          }
        }
      } finally {
        r.work = outer;
      }
    }

    /**
     * The caller fetches key {@code k}; if it logs its reports, it first reads every key before {@code k} it has
     * not read yet (finished before the group began) and then {@code k}, in key order ({@link Diagnostics#read}).
     */
    private void fetchInOrder(Runner r, int k) {
      if (r.log != null) {
        read = readInOrder(r, ms, read, k);
      }
      outs[k] = Fetch.fetch(r, ms[k], needValue);
      if (r.log != null) {
        Diagnostics.read(r, ms[k]);
        read = k + 1;
      }
    }

    /** The caller, after every helper ended: reads the keys it has not read, helpers' ones included, in order. */
    void readRest(Runner r) {
      read = readInOrder(r, ms, read, ms.length);
    }

    /** Starts a helper if keys are left and the cap allows. */
    void help() {
      synchronized (this) {
        if (helpers == null) {
          helpers = new ArrayList<>(2);
        }
        if (!pending() || helpers.size() >= Math.min(MAX_HELPERS, todo.length - 1)) {
          return;
        }
        Runner h = spawn(parent, this);
        helpers.add(h);
        if (parent.cancelled) {
          h.parentLeaves(); // started after the parent was cancelled: nobody waits for it
        }
      }
    }

    /** The parent stops waiting for every helper of this group (each one nobody else waits for stops). */
    void parentLeaves() {
      close();
      synchronized (this) {
        if (helpers != null) {
          for (Runner h : helpers) {
            h.parentLeaves();
          }
        }
      }
    }

    /**
     * Waits for every helper that started; the caller has closed the group. A helper not started yet is
     * skipped instead: it would find the group closed and take nothing, so waiting would only wait for a
     * carrier (on a fresh scheduler, for one to start).
     */
    void await(Runner r) {
      for (int i = 0; ; i++) {
        Runner h;
        synchronized (this) {
          if (helpers == null || i >= helpers.size()) {
            return;
          }
          h = helpers.get(i);
        }
        if (!h.skip()) {
          Waits.child(r, h);
        }
      }
    }
  }

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
    int[] todo = null;
    int count = 0;
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
      if (m.verifiedAt >= 0 && m.owner == null) { // stale and unclaimed: verify in place if it can
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
      if (todo == null) {
        todo = new int[n - i];
      }
      todo[count++] = i;
    }
    if (count == 0) {
      if (r.log != null) {
        readInOrder(r, ms, 0, n);
      }
      return outs;
    }
    if (count == 1) {
      int k = todo[0];
      if (r.log != null) {
        readInOrder(r, ms, 0, k);
      }
      outs[k] = Fetch.fetch(r, ms[k], needValue);
      if (r.log != null) {
        readInOrder(r, ms, k, n);
      }
      return outs;
    }
    Persistence link = r.engine.persistence;
    Memo[] looked = link == null ? null : link.prefetch(ms, todo, count); // one store call for the group's keys
    try {
      fetchAll(r, ms, todo, count, outs, needValue);
    } finally {
      if (looked != null) {
        link.forget(looked);
      }
    }
    return outs;
  }

  /** Fetches the {@code count} memos {@code ms[todo[i]]} on the caller and helpers; see the overview. */
  private static void fetchAll(Runner r, Memo[] ms, int[] todo, int count, Object[] outs, boolean needValue) {
    Work w = new Work(r, ms, count == todo.length ? todo : java.util.Arrays.copyOf(todo, count), outs, needValue);
    w.outerOfParent = r.works;
    r.works = w; // volatile: a canceller of r walks its open groups
    r.engine.helpers.list(r); // a carrier that would idle meanwhile finds the group through r.works
    try {
      try {
        if (r.engine.helpers.mayHaveIdleCarrier()) { // else a carrier that goes idle starts one (helpIdle)
          for (int h = r.engine.helpers.perGroup; h > 0; h--) {
            w.help();
          }
        }
        w.first(r);
        w.drain(r);
      } finally {
        w.close(); // normally the cursor ran out already; thrown out, no helper may go on or start
      }
      w.await(r);
      if (r.log != null) {
        w.readRest(r);
      }
    } catch (CancelledException c) {
      w.parentLeaves(); // r stops waiting for its helpers: each one nobody else waits for is cancelled
      throw c;
    } finally {
      r.works = w.outerOfParent;
    }
  }

  /**
   * The logging runner {@code r} reads {@code ms[from..to)}, all finished, into its log in key order; returns
   * {@code to}. A group's keys are read in key order, as the walk visits them, whoever computed them: the caller
   * takes them from the front, helpers from the back, and the first pass left those already current.
   */
  private static int readInOrder(Runner r, Memo[] ms, int from, int to) {
    for (int i = from; i < to; i++) {
      Diagnostics.read(r, ms[i]);
    }
    return to;
  }

  /** Whether a getAll group has keys nobody took while the scheduler starts helpers for them when idle. */
  static boolean helpPending(QueryEngine engine) {
    if (!engine.helpers.whenIdle()) {
      return false;
    }
    for (Runner r : engine.helpers.runners) {
      for (Work w = r.works; w != null; w = w.outerOfParent) {
        if (w.pending()) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * A carrier of the engine's scheduler found nothing to run: if a getAll has keys nobody took (its workers
   * are all waiting, in the engine or in their bodies), start one more helper for it. Given the engine's
   * {@link Helpers}, not the engine: a carrier of a scheduler other engines use may run the hook while this
   * engine is still being built.
   */
  static void helpIdle(Helpers helpers) {
    for (Runner r : helpers.runners) {
      Work oldest = null; // the outermost open group of r with keys left: the oldest, usually the largest
      for (Work w = r.works; w != null; w = w.outerOfParent) {
        if (w.pending()) {
          oldest = w;
        }
      }
      if (oldest != null) {
        oldest.help();
        return;
      }
    }
  }

  /** The values (or failures) of the keys of a getAll, none of them inputs. */
  static Object[] values(Runner r, Memo[] ms) {
    return run(r, ms, true);
  }

  /**
   * Called by a runner about to wait inside the engine: if it is working on a group with keys left, one more
   * helper takes them meanwhile, so the wait does not idle the group.
   */
  static void compensate(Runner r) {
    Work w = r.work;
    if (w != null && w.pending()) {
      w.help();
    }
  }

  /**
   * Starts a child runner of {@code parent} (a hop to a fresh stack) that fetches {@code m} on a virtual thread
   * of its own; the parent becomes its waiter. The parent's thread only.
   */
  static Runner spawn(Runner parent, Memo m, boolean needValue) {
    return start(parent, c -> c.outcome = Fetch.fetch(c, m, needValue), true, parent.group);
  }

  /** Starts a helper of {@code w}: a child runner that takes keys from its cursor. */
  private static Runner spawn(Runner parent, Work w) {
    return start(parent, w::drain, false, w.group);
  }

  private interface ChildBody {
    void run(Runner child) throws Exception;
  }

  private static Runner start(Runner parent, ChildBody body, boolean kid, FixpointGroup group) {
    QueryEngine e = parent.engine;
    Runner c = new Runner(e, e.nextRunnerId(), parent.revision, null, parent.thread);
    c.parent = parent;
    c.group = group;
    if (kid) {
      parent.addKid(c);
    }
    e.gate.enterChild();
    try {
      e.scheduler().spawn("weft-query", () -> {
        if (!kid && !c.begin()) { // a helper its parent skipped: it leaves the gate, and that is all
          c.done = true;
          e.gate.leave();
          return null;
        }
        c.bind(Thread.currentThread());
        Runner.CURRENT.set(c);
        try {
          body.run(c);
        } catch (Throwable t) {
          c.error = t;
        } finally {
          e.helpers.unlist(c);
          e.counters.flush(c);
          Runner.CURRENT.remove();
          c.done = true; // release: publishes outcome/error and the values written meanwhile
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
