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
    // Each runner's wait target, and the frame on the next runner where the cycle enters it.
    Frame[] entries = new Frame[n];
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
