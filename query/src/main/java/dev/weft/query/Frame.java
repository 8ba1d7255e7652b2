package dev.weft.query;

import dev.weft.scheduler.Scheduler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One claimed memo being verified or executed on a {@link Runner}: the {@link QueryContext} handed to the
 * body. It records the dependency list in read order, interleaved with the body's own reports, so that
 * verification walks reads in their original order and diagnostics can be replayed in sequential order.
 *
 * <p>Only the runner's thread touches a frame, except {@code cycle}, which a cycle detector sets while the
 * runner is blocked and publishes through {@link Runner#unwind}.
 */
final class Frame implements QueryContext {
  static final Object[] NO_DEPS = new Object[0];

  final Runner runner;
  final Memo memo;
  final Frame parent;
  /** The first dependency; most frames read one or two, so the array is only made for a second. */
  private Object dep0;
  private Object[] deps;
  private int size;
  boolean reported;
  /** The body is running: the context may be used. */
  boolean active;
  /** A ctx call threw {@link CancelledException}: the outcome must not be stored. */
  boolean cancelled;
  /** Set when this frame is found on a cycle. */
  Cycle cycle;
  /** What only an interrupted body, a cycle's unwinding or a fixpoint needs; made on first use. */
  private Rare rare;

  /**
   * The rare part of a frame, apart so that the frame of an ordinary execution takes 48 bytes instead of 64.
   * Written by the runner's thread only, like the rest of the frame; a cycle detector reads it while the runner
   * is blocked, after the runner's own publication, as it reads the frame.
   */
  private static final class Rare {
    InterruptedException interruptedBy; // each field: see its accessor below
    CycleUnwind unwound;
    FixpointGroup claimOf;
    FixpointGroup iterating;
  }

  Frame(Runner runner, Memo memo, Frame parent) {
    this.runner = runner;
    this.memo = memo;
    this.parent = parent;
  }

  private Rare rare() {
    Rare x = rare;
    return x != null ? x : (rare = new Rare());
  }

  /** The {@link InterruptedException} the body threw, which cancels the frame; null if none. */
  InterruptedException interruptedBy() {
    Rare x = rare;
    return x == null ? null : x.interruptedBy;
  }

  void interruptedBy(InterruptedException e) {
    rare().interruptedBy = e;
  }

  /** The unwinding signal the body swallowed because this frame is marked ({@link #cycle}); null if none. */
  CycleUnwind unwound() {
    Rare x = rare;
    return x == null ? null : x.unwound;
  }

  void unwound(CycleUnwind u) {
    rare().unwound = u;
  }

  /** For a fixpoint group's claim frame, the group (such a frame has no memo of its own); else null. */
  FixpointGroup claimOf() {
    Rare x = rare;
    return x == null ? null : x.claimOf;
  }

  void claimOf(FixpointGroup g) {
    rare().claimOf = g;
  }

  /** For an iteration frame, the group a member of which it executes in a round (no claim of its own). */
  FixpointGroup iterating() {
    Rare x = rare;
    return x == null ? null : x.iterating;
  }

  void iterating(FixpointGroup g) {
    rare().iterating = g;
  }

  void resetDeps() {
    size = 0;
    reported = false;
  }

  void record(Object dep) {
    int n = size;
    if (n == 0) {
      dep0 = dep;
      size = 1;
      return;
    }
    Object[] d = deps;
    if (d == null) {
      d = deps = new Object[2]; // slot 0 filled from dep0 when handed out; most records stop at two
    } else if (n == d.length) {
      d = deps = Arrays.copyOf(d, n * 2);
    }
    d[n] = dep;
    size = n + 1;
  }

  /**
   * The record in read order. An array the record fills exactly is handed out as it is (the frame lets go of
   * it), so the common records of one and two reads cost one array each.
   */
  Object[] depsArray() {
    int n = size;
    if (n == 0) {
      return NO_DEPS;
    }
    Object[] out;
    if (n == 1) {
      out = new Object[1];
    } else if (n == deps.length) {
      out = deps;
      deps = null;
    } else {
      out = Arrays.copyOf(deps, n);
    }
    out[0] = dep0;
    return out;
  }

  private void enter(String op) {
    if (!active || Thread.currentThread() != runner.thread) {
      throw new IllegalStateException("the QueryContext of " + memo + " was used " + (active
          ? "from another thread; use getAll for parallel reads" : "after its body returned") + " (" + op + ")");
    }
    if (cycle != null) {
      throw new CycleUnwind();
    }
    Runner r = runner;
    if (r.mustStop()) {
      cancelled = true;
      throw r.stopped(memo);
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public <K, V> V get(Query<K, V> query, K key) {
    enter("get");
    return (V) Fetch.get(this, query, key);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <K, V> List<V> getAll(Query<K, V> query, List<? extends K> keys) {
    enter("getAll");
    java.util.Objects.requireNonNull(keys, "keys");
    return (List<V>) Fetch.getAll(this, query, keys);
  }

  @Override
  public void report(Diagnostic diagnostic) {
    if (diagnostic == null) {
      throw new NullPointerException("null diagnostic reported by " + memo);
    }
    enter("report");
    record(diagnostic);
    reported = true;
    ArrayList<Diagnostic> log = runner.log;
    if (log != null) {
      log.add(diagnostic);
    }
  }

  @Override
  public void checkCancelled() {
    enter("checkCancelled");
  }

  @Override
  public Scheduler scheduler() {
    return runner.engine.scheduler();
  }

  @Override
  public String toString() {
    return "Frame[" + memo + "]";
  }
}
