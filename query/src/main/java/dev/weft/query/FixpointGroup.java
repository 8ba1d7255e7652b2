package dev.weft.query;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A strongly connected group being iterated by {@link Fixpoint}: the claim frame that holds every member's
 * claim for the group, the memos handed over to it since its driver last looked, and the driver's own state.
 *
 * <p><b>Implementation overview.</b> Two kinds of state. What other runners touch ({@link #take}: a member
 * frame handing its claim over; {@link #mergedInto}: a detector merging groups) is guarded by {@code lock}
 * or volatile; once {@code closed}, nothing can be handed over, so a claim is either the group's to complete
 * or abandon, or it stays with the frame that holds it. Everything else (members, rounds, the cycle) is the
 * driver's and touched only on its thread.
 */
final class FixpointGroup {
  /** One member's state in the driver's iteration. */
  static final class Member {
    final Memo memo;
    Object value;
    boolean valued;
    /** The round in which it last executed; -1 before. */
    int round = -1;
    boolean running;
    Object[] deps;
    boolean reported;

    Member(Memo memo) {
      this.memo = memo;
    }
  }

  final Runner driver;
  /** The frame that claims every member for the group: runner = the driver, no memo of its own. */
  final Frame claim;
  private final ReentrantLock lock = new ReentrantLock();
  /** Memos handed over to {@link #claim} since the driver last looked; guarded by {@code lock}. */
  private final ArrayList<Memo> joined = new ArrayList<>();
  /** Set once the group completed or was abandoned: nothing can be handed over to it any more. */
  private boolean closed;
  /** The group this one was merged into, set by a detector; the driver then hands everything over. */
  volatile FixpointGroup mergedInto;
  // The driver's own state, touched only by its thread.
  final ArrayList<Member> members = new ArrayList<>();
  final IdentityHashMap<Memo, Member> state = new IdentityHashMap<>();
  /** The frame under the iteration on the driver's stack while it drives (its base frame's parent). */
  Frame under;
  boolean driving;
  int round;
  Cycle cycle;

  FixpointGroup(Runner driver) {
    this.driver = driver;
    this.claim = new Frame(driver, null, null);
    this.claim.claimOf(this);
  }

  /**
   * Moves the claim of {@code m} from {@code from} to this group's claim frame, making {@code m} a member from
   * the next restart on; false (nothing moved) when the group has already completed or been abandoned.
   */
  boolean take(Memo m, Frame from) {
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      joined.add(m);
      m.handOver(from, claim);
      return true;
    } finally {
      lock.unlock();
    }
  }

  List<Memo> takeJoined() {
    lock.lock();
    try {
      List<Memo> out = new ArrayList<>(joined);
      joined.clear();
      return out;
    } finally {
      lock.unlock();
    }
  }

  /** Closes the group unless memos joined since the driver last looked (then it must restart). */
  boolean close() {
    lock.lock();
    try {
      if (!joined.isEmpty()) {
        return false;
      }
      closed = true;
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Closes the group for good and returns what joined meanwhile. */
  List<Memo> closeAll() {
    lock.lock();
    try {
      closed = true;
      List<Memo> out = new ArrayList<>(joined);
      joined.clear();
      return out;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "FixpointGroup[driver " + driver + ", " + state.size() + " members]";
  }

  // The geometry of nested iterations on a driver's stack.

  /**
   * The group whose iteration {@code g}'s iteration runs in, on the same driver (the iteration frame nearest
   * under {@code g}'s base), or null.
   */
  static FixpointGroup enclosing(FixpointGroup g) {
    for (Frame f = g.under; f != null; f = f.parent) {
      if (f.iterating() != null) {
        return f.iterating();
      }
    }
    return null;
  }

  /** The outermost of {@code a} and {@code b} when one runs inside the other's iteration, else {@code a}. */
  static FixpointGroup outer(FixpointGroup a, FixpointGroup b) {
    for (FixpointGroup x = enclosing(a); x != null; x = enclosing(x)) {
      if (x == b) {
        return b;
      }
    }
    return a;
  }

  /**
   * Whether {@code o} lies between {@code inner}'s iteration and the iteration of {@code around} that encloses
   * it on the same driver (a frame above {@code around}'s iteration frame and under {@code inner}'s base).
   */
  static boolean between(FixpointGroup inner, FixpointGroup around, Frame o) {
    for (Frame f = inner.under; f != null && f.iterating() != around; f = f.parent) {
      if (f == o) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code o} is a frame of {@code g}'s driver under the iteration (the reads that led into it). */
  static boolean isBelow(FixpointGroup g, Frame o) {
    for (Frame f = g.under; f != null; f = f.parent) {
      if (f == o) {
        return true;
      }
    }
    return false;
  }
}
