package dev.weft.query;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Finding dependency cycles and marking their members, on one thread or across threads.
 *
 * <p><b>Implementation overview.</b> A read of a memo claimed by a frame of the reader's own runner is a
 * same-thread cycle: the frames from that one to the top of the stack ({@link #local}). Across threads, a wait
 * adds a wait-for edge between runners; the graph refuses the edge that would close a cycle and returns the
 * cycle of runners instead, atomically, so exactly one of the waiters closing it detects it. The detector
 * ({@link #cross}) checks that every edge of that cycle still stands for a real wait (a runner's wait target
 * is recorded before its edge is added and cleared after it is removed), collects on each runner the frames
 * from where the cycle enters it up to its top, marks them all with one {@link Cycle} (canonical rotation),
 * and wakes the other runners to unwind; it unwinds itself if it has frames on the cycle. A stale edge (its
 * wait just ended) makes it yield and retry instead.
 *
 * <p>Unwinding: a runner with {@link Runner#unwind} set throws {@link CycleUnwind} from its wait; each marked
 * frame catches it and completes its memo with its cycle outcome ({@link Execute#cycleOutcome}); the lowest
 * marked frame clears {@code unwind}. Frames marked on a cycle are contiguous at the top of each member
 * runner's stack, and a runner's marks are set before its {@code unwind} is published (release).
 */
final class CycleDetector {
  private CycleDetector() {}

  /** A read of a memo claimed by {@code entry}, a frame on the reader's own stack: a same-thread cycle. */
  static CycleUnwind local(Runner r, Frame entry) {
    ArrayList<Frame> seg = new ArrayList<>();
    for (Frame f = r.top; f != null; f = f.parent) {
      seg.add(f);
      if (f == entry) {
        break;
      }
    }
    Collections.reverse(seg);
    Cycle c = Cycle.of(seg);
    if (Fixpoint.iterates(seg)) {
      c.group = new FixpointGroup(r);
    }
    r.engine.counters.cycle(c);
    for (Frame f : seg) {
      f.cycle = c;
    }
    r.unwind = c;
    return new CycleUnwind();
  }

  /**
   * The wait-for graph refused the edge {@code det -> next}: {@code cyc} (each runner waits for the next)
   * would close. If every edge still stands for a real wait, marks the frames on the cycle, wakes their
   * runners to unwind, and unwinds {@code det} if it has frames on the cycle; otherwise some edge is stale
   * (its wait just ended) and the caller retries after a yield. {@code m} and {@code o}: the memo {@code det}
   * is about to wait for and its claimant, or null when {@code det} waits for a child.
   */
  static void cross(Runner det, List<Runner> cyc, Memo m, Frame o) {
    int n = cyc.size();
    int at = cyc.indexOf(det);
    // Each runner's wait target, and the frame on the next runner where the cycle enters it. A wait for a
    // memo a fixpoint group has claimed enters its driver at the group's claim frame, which is on no stack.
    Frame[] entries = new Frame[n];
    FixpointGroup through = null;
    for (int i = 0; i < n; i++) {
      Runner x = cyc.get((at + i) % n);
      Runner y = cyc.get((at + i + 1) % n);
      if (x.unwind != null) {
        // A cycle through x is already unwinding; its edges disappear as its runners wake.
        Thread.yield();
        return;
      }
      Frame entry = x == det ? ownEntry(det, y, m, o) : entry(x, y);
      if (entry == STALE) {
        Thread.yield();
        return;
      }
      entries[(i + 1) % n] = entry;
      if (entry != null && entry.claimOf() != null && through == null) {
        through = entry.claimOf();
      }
    }
    FixpointGroup iter = iterated(cyc, at, entries);
    if (through == null) {
      through = iter;
    } else if (iter != null) {
      through = FixpointGroup.outer(through, iter);
    }
    if (through != null) {
      absorb(det, cyc, at, entries, through);
      return;
    }
    // Segments: on runner i (counted from det), the frames from its entry up to its top.
    ArrayList<Frame> all = new ArrayList<>();
    @SuppressWarnings("unchecked")
    ArrayList<Frame>[] segs = new ArrayList[n];
    for (int k = 1; k <= n; k++) {
      int i = k % n; // start with the runner det waits for, end with det
      Runner y = cyc.get((at + i) % n);
      ArrayList<Frame> seg = new ArrayList<>();
      Frame entry = entries[i];
      if (entry != null) {
        for (Frame f = y.top; f != null; f = f.parent) {
          seg.add(f);
          if (f == entry) {
            break;
          }
        }
        if (seg.isEmpty() || seg.get(seg.size() - 1) != entry) {
          Thread.yield(); // y has left its entry frame: the edge into it no longer stands
          return;
        }
        Collections.reverse(seg);
      }
      segs[i] = seg;
      all.addAll(seg);
    }
    if (all.isEmpty()) {
      Thread.yield();
      return;
    }
    Cycle c = Cycle.of(all);
    Diagnostics.cycle(det.engine, cyc); // a real cycle, every edge standing
    if (Fixpoint.iterates(all)) {
      Runner driver = det;
      for (int i = 0; i < n && segs[(i) % n].isEmpty(); i++) {
        driver = cyc.get((at + i + 1) % n);
      }
      c.group = new FixpointGroup(segs[0].isEmpty() ? driver : det);
    }
    det.engine.counters.cycle(c);
    for (Frame f : all) {
      f.cycle = c;
    }
    for (int i = 1; i < n; i++) {
      if (!segs[i].isEmpty()) {
        Runner y = cyc.get((at + i) % n);
        y.unwind = c; // release: publishes the frame marks
        LockSupport.unpark(y.thread);
      }
    }
    if (!segs[0].isEmpty()) {
      det.unwind = c;
      throw new CycleUnwind();
    }
  }

  /**
   * The fixpoint group whose iteration a runner of the cycle would have to unwind (its segment holds an
   * iteration frame: the cycle enters it below the iteration), or null.
   */
  private static FixpointGroup iterated(List<Runner> cyc, int at, Frame[] entries) {
    int n = cyc.size();
    for (int i = 0; i < n; i++) {
      Runner y = cyc.get((at + i) % n);
      Frame entry = entries[i];
      if (entry == null) {
        continue;
      }
      for (Frame f = y.top; f != null; f = f.parent) {
        if (f.iterating() != null) {
          return f.iterating();
        }
        if (f == entry) {
          break;
        }
      }
    }
    return null;
  }

  /**
   * A wait cycle through fixpoint group {@code g}: through its claim (some runner waits for a member), or
   * entering a runner that iterates it below the iteration. Every frame on the cycle then depends on the group
   * and the group on it, so they join it instead of failing: frames of other runners are marked to hand their
   * claims over as they unwind; an iterating runner entered below the iteration moves the iteration down to
   * the entry frame ({@link Fixpoint.Restart}); the driver of another group on the cycle merges that group
   * into {@code g}. Wakes the marked runners, and unwinds {@code det} if it is one of them.
   */
  private static void absorb(Runner det, List<Runner> cyc, int at, Frame[] entries, FixpointGroup g) {
    int n = cyc.size();
    for (Frame e : entries) { // absorb into the outermost of the groups the cycle passes through
      if (e != null && e.claimOf() != null) {
        g = FixpointGroup.outer(g, e.claimOf());
      }
    }
    for (int i = 0; i < n; i++) {
      Frame entry = entries[i];
      if (entry != null && entry.claimOf() == null && !onStack(cyc.get((at + i) % n), entry)) {
        Thread.yield(); // a runner has left its entry frame: the edge into it no longer stands
        return;
      }
    }
    boolean self = false;
    boolean any = false;
    for (int i = 0; i < n; i++) {
      Runner y = cyc.get((at + i) % n);
      Frame entry = entries[i];
      if (entry == null || entry.claimOf() == g) {
        continue; // a wait for g's own claim enters g's driver, which keeps iterating
      }
      CycleUnwind signal = null;
      ArrayList<Frame> seg = new ArrayList<>();
      boolean above = false; // the entry lies above every iteration frame of y
      for (Frame f = y.top; f != null && f.iterating() == null; f = f.parent) {
        if (f == entry) {
          above = true;
          break;
        }
      }
      FixpointGroup h = entry.claimOf() != null ? entry.claimOf() : above ? null : y.group;
      if (h != null && h != g) {
        // the cycle passes through another group (its claim, or below its iteration): merge it into g; its
        // driver hands everything over when it sees the signal
        if (h.mergedInto == null) {
          h.mergedInto = g;
          Runner d = h.driver;
          d.signal = null;
          d.unwind = Cycle.MERGE;
          any = true;
          if (d == det) {
            self = true;
          } else {
            LockSupport.unpark(d.thread);
          }
        }
        continue;
      } else if (h == g) {
        if (y != g.driver || !FixpointGroup.isBelow(g, entry)) {
          continue;
        }
        FixpointGroup around = FixpointGroup.enclosing(g);
        if (around != null && !FixpointGroup.between(g, around, entry)) {
          // the entry lies in or under the enclosing iteration: g joins that one first
          if (g.mergedInto == null) {
            g.mergedInto = around;
            y.signal = null;
            y.unwind = Cycle.MERGE;
            any = true;
            if (y == det) {
              self = true;
            } else {
              LockSupport.unpark(y.thread);
            }
          }
          continue;
        }
        for (Frame f = y.top; f != null && f.iterating() != g; f = f.parent) {
          seg.add(f);
        }
        for (Frame f = g.under; f != null && f != entry; f = f.parent) {
          seg.add(f);
        }
        signal = new Fixpoint.Restart(g, entry);
      } else {
        for (Frame f = y.top; f != null; f = f.parent) {
          seg.add(f);
          if (f == entry) {
            break;
          }
        }
        if (seg.isEmpty() || seg.get(seg.size() - 1) != entry) {
          continue; // y left its entry frame after the check above: nothing of y is on the cycle
        }
      }
      Fixpoint.absorb(y, g, seg);
      any = true;
      y.signal = signal;
      y.unwind = seg.isEmpty() ? Cycle.MERGE : seg.get(0).cycle; // release: publishes the frame marks
      if (y == det) {
        self = true;
      } else {
        LockSupport.unpark(y.thread);
      }
    }
    if (!any) {
      Thread.yield();
      return;
    }
    if (self) {
      CycleUnwind s = det.signal;
      throw s != null ? s : new CycleUnwind();
    }
  }

  /** Marks an edge of the cycle that no longer stands for a real wait. */
  private static final Frame STALE = new Frame(null, null, null);

  /** Where the detector's own wait enters {@code y}, or {@link #STALE}. */
  private static Frame ownEntry(Runner det, Runner y, Memo m, Frame o) {
    if (m != null) {
      return m.owner == o && o.runner == y ? o : STALE;
    }
    return det.waitChild == y && !y.done ? bottom(y) : STALE;
  }

  /** Where the wait of runner {@code x} (not the detector) enters {@code y}, or {@link #STALE}. */
  private static Frame entry(Runner x, Runner y) {
    Memo wm = x.waitMemo;
    if (wm != null) {
      Frame ow = wm.owner;
      return ow != null && ow.runner == y ? ow : STALE;
    }
    return x.waitChild == y && !y.done ? bottom(y) : STALE;
  }

  /** Whether {@code f} is on {@code y}'s stack (read while {@code y} may run: a hint the caller re-checks). */
  private static boolean onStack(Runner y, Frame f) {
    for (Frame x = y.top; x != null; x = x.parent) {
      if (x == f) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the unwinding signal {@code r} has received is stale, and if so clears it. A detector marks frames
   * from a snapshot of runners that keep running, so its signal can reach a runner that has meanwhile left the
   * frames the cycle entered (popped, their claims released or handed to a group): then nothing on its stack is
   * marked. A signal that matters always leaves a mark at the top of the stack ({@link #local}, {@link #cross},
   * {@link #absorb}), or is a restart, or is meant for an iterating driver; anything else is dropped, and the
   * runner's wait or read goes on (the cycle, if it still stands, is found again).
   */
  static boolean dropStale(Runner r) {
    if (r.signal != null || r.group != null) {
      return false;
    }
    Frame top = r.top;
    if (top != null && top.cycle != null) {
      return false;
    }
    r.unwind = null;
    return true;
  }

  private static Frame bottom(Runner y) {
    Frame f = y.top;
    if (f == null) {
      return null;
    }
    while (f.parent != null) {
      f = f.parent;
    }
    return f;
  }
}
