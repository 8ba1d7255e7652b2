package dev.weft.query;

import dev.weft.scheduler.Task;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * Revisions, cancellation and quiescence of one engine: the gate every evaluation passes and every write
 * closes.
 *
 * <p><b>Implementation overview.</b> An evaluation (a root read, a child runner of a getAll or a hop) is
 * counted in {@code active} by {@link #enter} and out by {@link #leave}. A write ({@code set},
 * {@code update}, {@code close}) takes {@code setLock}, raises {@code cancelling}, wakes every runner parked in
 * an engine wait, and waits until {@code active} is zero; evaluations observe the flag at their next context
 * call or wait and unwind with {@link CancelledException}. Only then are inputs written and the revision
 * advanced. Hence:
 * <ul>
 *   <li>The revision is constant while any evaluation runs; so a memo claimed in one revision is completed
 *       in that revision, and nothing computed from old inputs is published in a new one.</li>
 *   <li>{@link #enter} blocks while a write is in progress (on {@code setLock}), and re-checks the flag after
 *       counting itself in, so a write never misses an evaluation that slipped in.</li>
 *   <li>The last evaluation to leave unparks the writer; a runner that parks in an engine wait registers in
 *       {@code parked} first, so the writer's wake-up cannot be missed.</li>
 * </ul>
 *
 * <p><b>Stamps.</b> Memos record the stamp of the revision they were verified and changed in. Stamps come
 * from one counter shared by every engine, so a stamp names one revision of one engine: a memo current in
 * another engine never carries this engine's stamp, and the hit path needs no engine check on the table a
 * query object caches. Within an engine stamps grow with its revisions, which is all verification compares.
 * The public revision number counts this engine's revisions from 1.
 */
final class RevisionGate {
  /** The stamp the hit path compares with after close: no memo carries it. */
  static final long CLOSED = -2;
  private static final AtomicLong STAMPS = new AtomicLong();

  private final QueryEngine engine;
  /** The current revision's stamp; only {@link #advance} changes it. */
  private volatile long stamp = STAMPS.incrementAndGet();
  /** The public revision number: 1 at creation, one more per {@link #advance}. */
  private volatile long revisions = 1;
  private volatile boolean closed;
  /** Raised by a write while it waits for evaluations; observed by every evaluation at its next step. */
  volatile boolean cancelling;
  /** Why evaluations are being cancelled, for their exceptions' messages; rendered only when one is. */
  private volatile Supplier<String> cancelCause = () -> "";
  private final AtomicInteger active = new AtomicInteger();
  private final ReentrantLock setLock = new ReentrantLock();
  private volatile Thread setter;
  /** What the recent revisions changed; replaced by {@link #advance} before the revision is published. */
  private volatile Changes changes = Changes.NONE;
  /** Runners parked in an engine wait (memo, child): a write wakes them; the stall check counts them. */
  final Set<Runner> parked = ConcurrentHashMap.newKeySet();

  RevisionGate(QueryEngine engine) {
    this.engine = engine;
  }

  long stamp() {
    return stamp;
  }

  long revisions() {
    return revisions;
  }

  Changes changes() {
    return changes;
  }

  boolean closed() {
    return closed;
  }

  int active() {
    return active.get();
  }

  void lock() {
    setLock.lock();
  }

  void unlock() {
    setLock.unlock();
  }

  /**
   * Caller holds the lock: cancels and waits for running evaluations, then runs {@code write} with the new
   * revision's stamp and publishes the revision to readers. {@code changedBits} and {@code durability}: the
   * union of the input filter bits of the inputs the write changes, and the highest durability among them
   * (see {@link Changes}).
   */
  void advance(Supplier<String> cause, long changedBits, int durability, LongConsumer write) {
    quiesce(cause);
    try {
      long next = STAMPS.incrementAndGet();
      write.accept(next);
      changes = changes.next(next, changedBits, durability);
      stamp = next;
      revisions++; // only written here, under setLock
      engine.current = next; // release: publishes the writes and the new revision to the hit path
    } finally {
      cancelling = false;
      setter = null;
    }
  }

  /** Caller holds the lock: cancels and waits for running evaluations, then refuses new ones for good. */
  void close() {
    quiesce(() -> "engine '" + engine.name() + "' closed");
    closed = true;
    engine.current = CLOSED;
    // `cancelling` stays raised: any straggler unwinds at once.
  }

  /** Counts an evaluation in; blocks while a write is in progress. */
  void enter() {
    for (;;) {
      if (cancelling) {
        if (closed) {
          throw new IllegalStateException("engine '" + engine.name() + "' is closed");
        }
        setLock.lock(); // waits for the write in progress
        setLock.unlock();
        continue;
      }
      active.incrementAndGet();
      if (!cancelling) {
        return;
      }
      leave();
    }
  }

  /** Counts an evaluation in that is started by one already counted (a child runner). */
  void enterChild() {
    active.incrementAndGet();
  }

  void leave() {
    int left = active.decrementAndGet();
    if (left == 0 && cancelling) {
      Thread s = setter;
      if (s != null) {
        LockSupport.unpark(s);
      }
    } else if (left > 0 && !parked.isEmpty() && parked.size() >= left) {
      // Every remaining evaluation may be parked: let one of them run the stall check.
      for (Runner p : parked) {
        LockSupport.unpark(p.thread);
        break;
      }
    }
  }

  /** The exception of an evaluation that observed the cancellation (or its thread's interrupt). */
  CancelledException cancelled(Memo at) {
    String why = Thread.currentThread().isInterrupted() ? "evaluation interrupted"
        : closed || cancelling ? "evaluation cancelled: " + cancelCause.get() : "evaluation cancelled";
    return new CancelledException(why + (at == null ? "" : " (at " + at + ")"));
  }

  /**
   * Raises the cancellation flag and waits until no evaluation runs. Caller holds setLock. A caller outside the
   * engine's scheduler waits through a task it joins, so that a deterministic scheduler sees the wait (its tasks
   * run only while an outside thread waits on it) and the run stays replayable.
   */
  private void quiesce(Supplier<String> cause) {
    cancelCause = cause;
    cancelling = true;
    if (active.get() != 0 && !engine.scheduler().owns(Thread.currentThread())) {
      Task<Object> waiter;
      try {
        waiter = engine.scheduler().spawn("weft-query:quiesce", () -> {
          awaitQuiescence();
          return null;
        });
      } catch (IllegalStateException closing) {
        waiter = null; // the scheduler no longer takes tasks: wait here
      }
      if (waiter != null && joinUninterruptibly(waiter)) {
        return;
      }
    }
    awaitQuiescence();
  }

  /**
   * Joins {@code t} whatever interrupts arrive, as {@link #awaitQuiescence} waits (a write cannot stop halfway);
   * the interrupt status is restored. An interrupted caller (one that just left a read, say) would otherwise
   * see the join end at once and wait where a deterministic scheduler cannot see it. False if the join failed
   * otherwise (a strict deterministic scheduler's failure): the caller then waits itself.
   */
  private static boolean joinUninterruptibly(Task<Object> t) {
    boolean interrupted = Thread.interrupted();
    try {
      for (;;) {
        try {
          t.join();
          return true;
        } catch (CancellationException again) {
          Thread.interrupted();
          interrupted = true;
        } catch (IllegalStateException failed) {
          return false;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void awaitQuiescence() {
    setter = Thread.currentThread();
    if (active.get() == 0) {
      return; // the usual write between evaluations: nothing runs, so nothing is parked to wake
    }
    for (Runner r : parked) {
      LockSupport.unpark(r.thread);
    }
    boolean interrupted = false;
    while (active.get() != 0) {
      LockSupport.park(Waits.AWAITING_EVALUATIONS);
      if (Thread.interrupted()) {
        interrupted = true;
      }
      for (Runner r : parked) {
        LockSupport.unpark(r.thread);
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
