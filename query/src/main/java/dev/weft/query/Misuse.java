package dev.weft.query;

import java.util.List;
import java.util.function.Supplier;

/**
 * The misuse checks of {@link QueryEngine}'s public methods, each throwing with the query and key named (the
 * class comment of {@code QueryEngine} lists them under <b>Misuse</b>).
 *
 * <p><b>Implementation overview.</b> None of them is on the hit path except {@link #caller}, which the hit
 * block calls only on a virtual thread: bodies run on virtual threads, so a platform thread is never a body's
 * and needs no thread-local lookup. {@link Runner#CURRENT} is inherited by threads a body starts, which is how
 * {@link #writer} tells a thread started inside a running evaluation (a write from it could wait for that
 * evaluation forever) from the body's own thread.
 */
final class Misuse {
  private Misuse() {}

  /**
   * {@code key}, checked: not null, not an array. Every read that may create a memo, and every write, comes
   * here; the hit path does not, since a rejected key never gets a memo to hit.
   */
  static Object key(Table t, Object key) {
    if (key == null) {
      throw new NullPointerException("null key for query '" + t.query.name + "'");
    }
    if (key.getClass().isArray()) {
      throw new IllegalArgumentException("key of type " + key.getClass().getTypeName()
          + " for " + (t.input ? "input '" : "query '") + t.query.name + "': arrays compare by identity, so no"
          + " later read would find its memo; use a List (List.of(...)) or a record as the key");
    }
    return key;
  }

  /** {@link #open} and {@link #caller} for a read of {@code key}, or of the keys {@code key} with {@code all}. */
  static void read(QueryEngine e, Table t, Object key, boolean all) {
    open(e, t, key, all);
    caller(e, t, key, all);
  }

  /** Throws if the engine is closed. */
  static void open(QueryEngine e, Table t, Object key, boolean all) {
    if (e.gate.closed()) {
      throw new IllegalStateException("engine '" + e.name() + "' is closed; cannot evaluate " + call(t, key, all));
    }
  }

  /** Throws if the calling thread runs a query body (of this engine or another). */
  static void caller(QueryEngine e, Table t, Object key, boolean all) {
    if (!Thread.currentThread().isVirtual()) {
      return; // bodies run on virtual threads only; a platform thread skips the thread-local lookup
    }
    Runner cur = Runner.CURRENT.get();
    if (cur == null || !cur.isCurrentThread()) {
      return;
    }
    if (cur.engine == e) {
      if (cur.top != null) {
        throw new IllegalStateException("QueryEngine.get/getAll/evaluate of " + call(t, key, all)
            + " called inside the body of " + cur.top.memo + "; read through its QueryContext so that the"
            + " dependency is recorded");
      }
    } else {
      throw new IllegalStateException("engine '" + e.name() + "' was called for " + call(t, key, all)
          + " from a query body of engine '" + cur.engine.name() + "'" + (cur.top == null ? "" : " ("
          + cur.top.memo + ")") + "; a query may only read its own engine");
    }
  }

  /**
   * Throws if {@code what} (a write) is called where it would wait forever: from a query body, or from a thread
   * started inside an evaluation of engine {@code e} that is still running (the evaluation may be joining it).
   */
  static void writer(QueryEngine e, Supplier<String> what) {
    Runner cur = Runner.CURRENT.get();
    if (cur == null) {
      return;
    }
    if (cur.isCurrentThread()) {
      throw new IllegalStateException(what.get() + " called from a query body" + (cur.top == null ? ""
          : " (" + cur.top.memo + ")") + " of engine '" + cur.engine.name() + "'; write between evaluations");
    }
    if (cur.engine == e && !cur.done) {
      throw new IllegalStateException(what.get() + " called from a thread started inside an evaluation of engine '"
          + e.name() + "' that is still running" + (cur.top == null ? "" : " (in " + cur.top.memo + ")")
          + "; a write waits for running evaluations, and that one may be waiting for this thread");
    }
  }

  /** A read for messages: {@code q(k)}, or {@code getAll of q[a, b]} with {@code all}. */
  static String call(Table t, Object key, boolean all) {
    return all ? "getAll of " + t.query.name + Fetch.renderKeys((List<?>) key) : t.query.name + "(" + key + ")";
  }
}
