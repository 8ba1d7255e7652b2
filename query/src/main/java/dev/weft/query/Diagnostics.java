package dev.weft.query;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The diagnostics of an evaluation, in sequential order.
 *
 * <p><b>Implementation overview.</b> A memo's dependency record interleaves its reads (a {@link Memo}, or a
 * {@code Memo[]} for a getAll in key order) with its own reports (a {@link Diagnostic}) in program order, so a
 * depth-first walk of the records from the root, visiting each memo once at its first read, yields exactly
 * the order a single-threaded run of the bodies would have reported in, however the evaluation was
 * scheduled. The walk is iterative (records may be deep) and skips every memo whose {@link Memo#flags} say
 * that neither it nor anything it read reported, without remembering it, so collecting costs little for
 * silent subtrees.
 *
 * <p><b>Reuse.</b> An engine keeps its last collection with an epoch ({@link QueryEngine#reports}) that every
 * completion of a memo completed before advances when its new record would walk differently (its own reports,
 * or its reporting dependencies, changed; a cycle or fixpoint completion always). A memo's first completion
 * need not: nothing collected before could reach it except through a memo whose record changed. So after an
 * edit that changed no report (a comment, a literal), the next evaluation of the same root returns the
 * last collection without walking.
 *
 * <p><b>The log.</b> A root runner executes the bodies it runs itself at their first read, so the order they report
 * in is the walk's order; an engine's first evaluation may therefore keep its reports as they are made and skip
 * the walk ({@link #startLog}, ADR 0105). What other runners computed (helpers of a getAll, a child that hopped,
 * another root call) the logging runner meets as a finished memo at some read: there it appends what the walk
 * would find from that read on ({@link #read}), a walk of that memo alone that shares one set of entered memos
 * with every such walk and passes over the memos the runner completed itself ({@link #completed}). A getAll on
 * the logging runner keeps its keys in order for this: the runner takes them from the front, helpers from the
 * back, and the helpers' keys are read in key order after the group ({@link FanOut}). The log is given up (the
 * walk runs) as soon as the runner's own order could differ from the walk's: a member of a fixpoint group run
 * again, an evicted value restored by running its body again, a frame abandoned (its memo may run, and report,
 * again), or a cycle through the logging runner and another one (its frames unwind from reads that return
 * nothing). Under tests (assertions on) every log is checked against the walk.
 */
final class Diagnostics {
  private Diagnostics() {}

  private static final VarHandle LOGGING;

  static {
    try {
      LOGGING = MethodHandles.lookup().findVarHandle(QueryEngine.class, "logging", Runner.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * The last collection of an engine: its root, the {@link QueryEngine#reports} epoch it was taken at, and
   * whether it came from the evaluation's log instead of a walk.
   */
  record Collected(Memo root, long epoch, List<Diagnostic> diagnostics, boolean logged) {}

  /**
   * Called by root runner {@code r} before its evaluation reads the root: starts logging its reports if this is
   * the engine's first evaluation (nothing executed before it, so nothing is stale and nothing reported, and no
   * store may hand back memos that reported without running) and the only one in the gate. Returns whether it logs; if so, the caller calls {@link #stopLog} when the read ends, however it ends.
   */
  static boolean startLog(Runner r) {
    QueryEngine e = r.engine;
    if (e.persistence != null || e.logging != null || e.counters.executions.sum() != 0) {
      return false;
    }
    if (!LOGGING.compareAndSet(e, (Runner) null, r)) {
      return false;
    }
    if (e.gate.active() != 1 || e.counters.executions.sum() != 0) {
      e.logging = null;
      return false;
    }
    r.log = new ArrayList<>();
    return true;
  }

  /**
   * The log of {@code r}'s evaluation if it still is the walk's order, else null; after the root was read. A
   * runner that spoiled the log unpublished it before the execution that {@code r} has since seen complete, and
   * nothing publishes {@code r} again.
   */
  static List<Diagnostic> logged(Runner r) {
    return r.log != null && r.engine.logging == r ? r.log : null;
  }

  static void stopLog(Runner r) {
    r.log = null;
    r.seen = null;
    LOGGING.compareAndSet(r.engine, r, (Runner) null); // unless a spoiler cleared it
  }

  /** An active log of {@code e}'s evaluation is not the walk's order any more: it is unpublished. */
  static void spoil(QueryEngine e) {
    Runner logging = e.logging;
    if (logging != null) {
      LOGGING.compareAndSet(e, logging, (Runner) null);
    }
  }

  /** A cycle through {@code runners} was found: it spoils a log kept by one of them (see the overview). */
  static void cycle(QueryEngine e, List<Runner> runners) {
    Runner logging = e.logging;
    if (logging != null && runners.contains(logging)) { // the list may be one that refuses null
      spoil(e);
    }
  }

  /**
   * Runner {@code r} read {@code m}, now finished: if {@code r} logs and {@code m} is a reporting memo it did not
   * complete itself, appends what a walk finds from {@code m} on. The flag first: it sits on the line the read
   * has just loaded, and most memos report nothing.
   */
  static void read(Runner r, Memo m) {
    if (m.hasDiagnostics() && r.log != null) {
      splice(r, m);
    }
  }

  private static void splice(Runner r, Memo m) {
    if ((m.flags & Memo.LOGGED) == 0 && m.deps != null) {
      if (r.seen == null) {
        r.seen = new Seen(0); // only what other runners computed enters: none at all on one carrier
      }
      if (r.seen.add(m)) {
        walk(m.deps, r.seen, r.log, true);
      }
    }
  }

  /**
   * Runner {@code r} completed {@code m} by running its body, before publishing it: if it logs, its reports are
   * in the log already, and a walk from a later read must not add them again ({@link Memo#LOGGED}).
   */
  static void completed(Runner r, Memo m) {
    if (r.log != null && m.hasDiagnostics()) {
      m.flags |= Memo.LOGGED;
    }
  }

  /** {@link #collect}'s result taken from a log that is the walk's order. */
  static List<Diagnostic> fromLog(Memo root, List<Diagnostic> log) {
    QueryEngine e = root.table.engine;
    long epoch = e.reports.get();
    List<Diagnostic> d = List.copyOf(log);
    assert d.equals(walk(root)) : "the log of " + root + " is not the walk's order: " + d + " vs " + walk(root);
    e.lastCollected = new Collected(root, epoch, d, true);
    return d;
  }

  /**
   * The diagnostics of {@code root} and everything it read, in sequential order: the engine's last collection
   * when it was of the same root and no completion has changed what a walk would find since.
   */
  static List<Diagnostic> collect(Memo root) {
    QueryEngine e = root.table.engine;
    long epoch = e.reports.get(); // before the walk: a change during it makes the result stale at once
    Collected last = e.lastCollected;
    if (last != null && last.root == root && last.epoch == epoch) {
      return last.diagnostics;
    }
    List<Diagnostic> d = walk(root);
    e.lastCollected = new Collected(root, epoch, d, false);
    return d;
  }

  /**
   * Called when a memo completed before completes again with record {@code now}: advances the engine's epoch
   * unless a walk would find the same in {@code now} as in {@code was}: the same own reports and the same
   * reporting dependencies in the same order. A dependency that itself changed what it reports advanced the
   * epoch when it completed, so comparing identities is enough.
   */
  static void recorded(QueryEngine e, Object[] was, Object[] now) {
    if (!sameReports(was, now)) {
      e.reports.incrementAndGet();
    }
  }

  private static boolean sameReports(Object[] was, Object[] now) {
    if (was == now) {
      return true;
    }
    if (was == null || now == null) {
      return false;
    }
    Cursor a = new Cursor(was);
    Cursor b = new Cursor(now);
    for (;;) {
      Object x = a.next();
      Object y = b.next();
      if (x == null || y == null) {
        return x == y;
      }
      if (x != y && !(x instanceof SimpleDiagnostic && x.equals(y))) {
        return false; // a user's Diagnostic is compared by identity: its equals is not the engine's to trust
      }
    }
  }

  /** The entries of a record a walk acts on, in order: own reports and reporting reads, groups flattened. */
  private static final class Cursor {
    private final Object[] record;
    private int i;
    private Memo[] group;
    private int g;

    Cursor(Object[] record) {
      this.record = record;
    }

    /** The next such entry, or null at the end. */
    Object next() {
      for (;;) {
        if (group != null) {
          if (g < group.length) {
            Memo m = group[g++];
            if (m.hasDiagnostics()) {
              return m;
            }
            continue;
          }
          group = null;
        }
        if (i == record.length) {
          return null;
        }
        Object x = record[i++];
        if (x instanceof Memo[] members) {
          group = members;
          g = 0;
        } else if (!(x instanceof Memo m) || m.hasDiagnostics()) {
          return x;
        }
      }
    }
  }

  private static List<Diagnostic> walk(Memo root) {
    if (!root.hasDiagnostics() || root.deps == null) {
      return List.of();
    }
    ArrayList<Diagnostic> out = new ArrayList<>();
    // Only memos that enter the walk need remembering: one whose subtree is silent adds nothing either way.
    Seen seen = new Seen(root.table.query.walkHint);
    seen.add(root);
    walk(root.deps, seen, out, false);
    root.table.query.walkHint = seen.size;
    return List.copyOf(out);
  }

  /**
   * Appends to {@code out} what the walk finds in {@code record}, entering only memos not in {@code seen} (nor,
   * with {@code skipLogged}, completed by the logging runner: their reports are in its log).
   */
  private static void walk(Object[] record, Seen seen, ArrayList<Diagnostic> out, boolean skipLogged) {
    Object[][] arrays = new Object[16][];
    int[] positions = new int[16];
    int top = 0;
    arrays[0] = record;
    while (top >= 0) {
      Object[] a = arrays[top];
      int pos = positions[top];
      if (pos == a.length) {
        arrays[top--] = null;
        continue;
      }
      positions[top] = pos + 1;
      Object e = a[pos];
      Object[] next;
      if (e instanceof Memo d) {
        if (!d.hasDiagnostics() || d.deps == null || (skipLogged && (d.flags & Memo.LOGGED) != 0)
            || !seen.add(d)) {
          continue;
        }
        next = d.deps;
      } else if (e instanceof Memo[] group) {
        next = group;
      } else {
        out.add((Diagnostic) e);
        continue;
      }
      if (++top == arrays.length) {
        arrays = Arrays.copyOf(arrays, top * 2);
        positions = Arrays.copyOf(positions, top * 2);
      }
      arrays[top] = next;
      positions[top] = 0;
    }
  }

  /**
   * The memos a walk has entered: an open-addressing set by identity, hashed by the memo's key hash and its
   * query, so entering a memo neither computes nor installs an identity hash (which writes the memo's header)
   * the way an {@code IdentityHashMap} would. Sized from the previous walk from the same query.
   */
  static final class Seen {
    private Memo[] slots;
    int size;

    Seen(int expected) {
      slots = new Memo[Math.max(64, Integer.highestOneBit(Math.max(1, expected)) << 2)];
    }

    private static int spread(Memo m, int length) {
      return ((m.hash ^ m.table.salt) * 0x9E3779B9) >>> (Integer.numberOfLeadingZeros(length) + 1);
    }

    /** Adds {@code m}; false if it was there. */
    boolean add(Memo m) {
      Memo[] tab = slots;
      int mask = tab.length - 1;
      for (int i = spread(m, tab.length);; i = (i + 1) & mask) {
        Memo o = tab[i];
        if (o == null) {
          tab[i] = m;
          if (2 * ++size > tab.length) {
            grow();
          }
          return true;
        }
        if (o == m) {
          return false;
        }
      }
    }

    private void grow() {
      Memo[] old = slots;
      Memo[] tab = new Memo[old.length * 2];
      int mask = tab.length - 1;
      for (Memo m : old) {
        if (m != null) {
          int i = spread(m, tab.length);
          while (tab[i] != null) {
            i = (i + 1) & mask;
          }
          tab[i] = m;
        }
      }
      slots = tab;
    }
  }
}
