package dev.weft.query;

import java.util.Arrays;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The exact dirty cone of each revision's changes, so that a memo no change reached is current in O(1)
 * ({@link Verify#shallow}), however wide its input filter ({@link Changes}) is. ADR 0084.
 *
 * <p><b>Implementation overview.</b> Every indexed memo has a {@link Node} ({@link Memo#cone}): its dependents,
 * the reverse of the dependency records, and {@code dirtyAt}, the last revision whose changed inputs reach it
 * through them. Nodes are made at a memo's first indexing, so a run with no revision allocates none; the
memos indexed by the first scan start dirty at the previous revision, since the changes before the index are
unknown to it. Both are
 * written only here, inside a revision's write, while no evaluation runs (the gate has quiesced
 * them), so they need no synchronisation of their own; readers on other threads see them through the new
 * revision's volatile publication, and a reader that still reads the previous revision may see a mark early,
 * which only sends it to the slower path.
 * <ul>
 *   <li><b>Index.</b> Evaluations do not touch the reverse edges. The second revision after an evaluation
 *       scans the tables and links every record (a cost of the order of one from-scratch verification, which
 *       a process that makes one edit and exits would pay for nothing, so the first revision leaves it); from
 *       then on each completion that records
 *       dependencies appends its memo to its runner's buffer ({@link Runner#recorded}, no synchronisation), a
 *       runner hands its buffer to the engine's {@link Log} when it flushes its counters (which every runner
 *       does before it leaves the gate), and the next revision relinks the memos logged since the last one:
 *       removed from the dependents of what they no longer read, added to those of what they read now
 *       ({@link Node#indexedDeps}, compared by identity, tells whether a memo's record is already linked). So
 *       a revision pays for the memos completed since the last one, and a run with no revision pays
 *       nothing.</li>
 *   <li><b>Mark.</b> From each input the revision writes (a value or a durability), every memo reachable
 *       through dependents gets {@code dirtyAt} = the revision. A memo verified at {@code v} with
 *       {@code dirtyAt <= v} read nothing that changed since: its record was indexed at every revision after its
 *       completion, and an intermediate memo that re-executed since was reached by the mark that made it
 *       re-execute, which went on to its dependents.</li>
 *   <li><b>Off.</b> Reverse edges hold dependents strongly, which would keep alive the evicted memos an LRU
 *       table holds only weakly; so the first LRU table of an engine turns the cone off for good (the index is
 *       dropped at the next revision), and verification falls back to the input filter alone.</li>
 * </ul>
 */
final class Cone {
  private Cone() {}

  /**
   * Inside a revision's write with stamp {@code stamp}: brings the index up to date and marks the cone of
   * the first {@code count} memos of {@code changed} (the input memos the revision writes).
   */
  static void advance(QueryEngine e, Memo[] changed, int count, long stamp) {
    Collection<Table> tables = e.registry.tables();
    if (!e.cone) {
      if (e.coneBuilt) {
        drop(tables);
        e.coneLog.take();
        e.coneBuilt = false;
      }
      return;
    }
    if (e.coneBuilt) {
      for (Chunk c = e.coneLog.take(); c != null; c = c.next) {
        for (int i = 0; i < c.count; i++) {
          relink(c.memos[i]);
        }
      }
    } else if (!e.coneArmed) {
      e.coneArmed = e.counters.executions.sum() > 0; // the next revision builds the index
    } else {
      // What the revisions before this one changed is unknown to the new index: a memo verified before the
      // previous revision is not clean by the cone, whatever the marks say.
      long previous = e.gate.stamp();
      for (Table t : tables) {
        if (!t.input) {
          for (Memo m : t.memos()) {
            relink(m);
            if (m.cone != null) {
              m.cone.dirtyAt = Math.max(m.cone.dirtyAt, previous);
            }
          }
        }
      }
      e.coneBuilt = true; // completions log from now on
    }
    Memo[] stack = new Memo[16];
    for (int i = 0; i < count; i++) {
      stack = mark(changed[i], stamp, stack);
    }
  }

  /** A completion on {@code r} gave {@code m} a new dependency record. */
  static void recorded(Runner r, Memo m) {
    if (!r.engine.coneBuilt) {
      return; // the first indexing revision scans the tables
    }
    r.recorded = append(r.recorded, r.recordedCount++, m);
  }

  /** {@code a} (null: none yet) with {@code m} at index {@code n}, grown by doubling when full. */
  private static Memo[] append(Memo[] a, int n, Memo m) {
    if (a == null) {
      a = new Memo[2];
    } else if (n == a.length) {
      a = Arrays.copyOf(a, n * 2);
    }
    a[n] = m;
    return a;
  }

  /** Hands {@code r}'s logged completions to its engine's log. */
  static void flush(Runner r) {
    r.engine.coneLog.push(new Chunk(r.recorded, r.recordedCount));
    r.recorded = null;
    r.recordedCount = 0;
  }

  /** Completions logged since the last revision: a Treiber stack of runners' buffers. */
  static final class Log {
    private final AtomicReference<Chunk> head = new AtomicReference<>();

    void push(Chunk c) {
      Chunk h;
      do {
        h = head.get();
        c.next = h;
      } while (!head.compareAndSet(h, c));
    }

    Chunk take() {
      return head.getAndSet(null);
    }
  }

  static final class Chunk {
    final Memo[] memos;
    final int count;
    Chunk next;

    Chunk(Memo[] memos, int count) {
      this.memos = memos;
      this.count = count;
    }
  }

  /**
   * Whether {@code m}, verified at {@code verified}, is outside the cone of every revision since; a caller
   * that has read {@code m.verifiedAt} (acquire).
   */
  static boolean clean(Memo m, long verified) {
    Node n = m.cone;
    return n != null && n.dirtyAt <= verified && n.indexedDeps == m.deps && m.deps != null && m.table.engine.cone;
  }

  /** A memo's place in the index. */
  static final class Node {
    /** The last revision whose changed inputs reach the memo through dependents. */
    long dirtyAt;
    /** The memos whose indexed records name this one, {@code count} of them. */
    Memo[] dependents;
    int count;
    /** The record the memo's own edges were last linked from; null for inputs. */
    Object[] indexedDeps;
  }

  private static Node node(Memo m) {
    Node n = m.cone;
    return n != null ? n : (m.cone = new Node());
  }

  /** Links {@code m}'s current record if it is not the one linked. */
  private static void relink(Memo m) {
    Object[] now = m.deps;
    if (now == null) {
      return;
    }
    Node n = node(m);
    Object[] was = n.indexedDeps;
    if (now != was) {
      if (was == null || !sameReads(was, now)) { // a re-execution mostly reads what it read before
        if (was != null) {
          edges(m, was, false);
        }
        edges(m, now, true);
      }
      n.indexedDeps = now;
    }
  }

  private static boolean sameReads(Object[] was, Object[] now) {
    if (was.length != now.length) {
      return false;
    }
    for (int i = 0; i < was.length; i++) {
      Object a = was[i];
      Object b = now[i];
      if (a != b && (a instanceof Memo || b instanceof Memo
          || (a instanceof Memo[] ga && !(b instanceof Memo[] gb && sameMemos(ga, gb)))
          || (b instanceof Memo[] && !(a instanceof Memo[])))) {
        return false;
      }
    }
    return true;
  }

  private static boolean sameMemos(Memo[] a, Memo[] b) {
    if (a.length != b.length) {
      return false;
    }
    for (int i = 0; i < a.length; i++) {
      if (a[i] != b[i]) {
        return false;
      }
    }
    return true;
  }

  /** Adds {@code m} to (or removes it from) the dependents of every memo {@code deps} read. */
  private static void edges(Memo m, Object[] deps, boolean add) {
    for (Object d : deps) {
      if (d instanceof Memo dm) {
        edge(dm, m, add);
      } else if (d instanceof Memo[] group) {
        for (Memo g : group) {
          edge(g, m, add);
        }
      }
    }
  }

  private static void edge(Memo d, Memo m, boolean add) {
    if (add) {
      add(d, m);
    } else {
      remove(d, m);
    }
  }

  /** Adds {@code dependent} to {@code d}'s dependents, once: while a memo is linked it is the last one added. */
  private static void add(Memo d, Memo dependent) {
    Node dn = node(d);
    int n = dn.count;
    if (n > 0 && dn.dependents[n - 1] == dependent) {
      return;
    }
    dn.dependents = append(dn.dependents, n, dependent);
    dn.count = n + 1;
  }

  private static void remove(Memo d, Memo dependent) {
    Node dn = d.cone;
    if (dn == null) {
      return;
    }
    Memo[] a = dn.dependents;
    int n = dn.count;
    for (int i = n - 1; i >= 0; i--) {
      if (a[i] == dependent) {
        a[i] = a[--n];
        a[n] = null;
      }
    }
    dn.count = n;
  }

  private static Memo[] mark(Memo from, long stamp, Memo[] stack) {
    if (from.cone == null) {
      return stack; // no indexed record names it
    }
    from.cone.dirtyAt = stamp;
    int top = 0;
    stack[top++] = from;
    while (top > 0) {
      Node m = stack[--top].cone;
      Memo[] a = m.dependents;
      for (int i = 0, n = m.count; i < n; i++) {
        Memo x = a[i];
        Node xn = x.cone; // every dependent is indexed: it was linked
        if (xn.dirtyAt != stamp) {
          xn.dirtyAt = stamp;
          if (top == stack.length) {
            stack = Arrays.copyOf(stack, top * 2);
          }
          stack[top++] = x;
        }
      }
    }
    return stack;
  }

  private static void drop(Collection<Table> tables) {
    for (Table t : tables) {
      for (Memo m : t.memos()) {
        m.cone = null;
      }
    }
  }
}
