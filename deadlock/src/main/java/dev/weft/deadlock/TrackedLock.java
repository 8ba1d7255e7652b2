package dev.weft.deadlock;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A reentrant mutual-exclusion {@link Lock} that refuses to deadlock: a wait that would close a wait-for
 * cycle throws {@link DeadlockException} instead of blocking forever.
 *
 * {@snippet :
 * first.lock();
 * try {
 *   second.lock(); // throws DeadlockException if this wait would close a cycle
 *   try {
 *     transfer();
 *   } finally {
 *     second.unlock();
 *   }
 * } finally {
 *   first.unlock();
 * }
 * }
 * A caller that catches the exception outside both {@code try} blocks holds nothing any more and may retry;
 * the other parties have proceeded meanwhile (from {@code DocSnippetsTest}).
 *
 * <p><b>Detection.</b> All tracked locks share one {@link WaitForGraph} of threads ({@link #waitForGraph()}).
 * A thread that has to wait for a lock adds the edge <i>waiter → current owner</i> before it parks. If that
 * edge would close a cycle, the edge is refused and the waiting call ({@link #lock}, {@link #lockInterruptibly},
 * timed {@link #tryLock(long, TimeUnit)}) throws {@code DeadlockException} carrying the cycle; the thread
 * keeps every lock it already holds and does not wait. Exactly one party of a cycle is refused: the one whose
 * wait would have closed it. Once it releases its locks (normally in the {@code finally} blocks the exception
 * unwinds through), the other parties proceed. Which party closes a cycle depends on the interleaving; under
 * a deterministic scheduler it is the same party in every run with the same seed. This works for virtual and
 * platform threads alike (the JDK's own deadlock detection ignores virtual threads).
 *
 * <p><b>State.</b> Guarded by a per-lock {@link ReentrantLock} {@code mutex}: the {@code owner} thread (null
 * when free), its {@code holds} count, and the FIFO of parked {@code waiters}. The lock is fair: a release
 * hands it directly to the longest waiter. Transitions:
 * <ul>
 *   <li><i>free → held</i>: a caller finds {@code owner == null} (then nobody is queued) and takes it.</li>
 *   <li><i>held → held</i>: the owner re-enters ({@code holds + 1}); or another thread queues with an edge to
 *       the owner, or is refused because that edge would close a cycle; or a queued thread leaves after a
 *       timeout or interrupt and removes its edge.</li>
 *   <li><i>hand-off</i>: the owner's last {@link #unlock} with threads queued makes the first of them the
 *       owner ({@code granted}), removes its edge and points every other waiter's edge at it, then unparks
 *       it.</li>
 *   <li><i>held → free</i>: the owner's last {@code unlock} with nobody queued.</li>
 * </ul>
 *
 * <p><b>Invariants.</b> (1) {@code owner == null} implies no thread is queued; (2) every queued waiter has an
 * edge to {@code owner}; (3) every edge change for this lock's waiters happens under {@code mutex}, together
 * with the owner change it follows. From (2) a thread parked behind a tracked lock is always visible in the
 * graph, so a real cycle is refused when its last edge is added, and nothing hangs unseen. From (3) an edge
 * can name a former owner only while that owner is inside {@code unlock} (between changing the owner and
 * updating the edges, under the mutex); such a thread has no edge of its own, so no cycle can pass through
 * it, and a reported cycle always consists of current waits: a reported deadlock is real. Edges are only
 * ever pointed at a thread that waits for nobody (the new owner, or a signalling owner), which cannot close a
 * cycle.
 *
 * <p><b>Why hand-off.</b> With barging (a released lock free for whoever comes first), a refused party that
 * retries at once, as the example above does, re-takes its lock before the party it unblocked has run, and
 * closes the same cycle again, possibly many times. Handing the lock to the queue makes the retry wait behind
 * the parties it unblocked. The price is throughput under heavy contention: the next owner must be scheduled
 * before the lock is used again.
 *
 * <p><b>Conditions.</b> {@link #newCondition()} returns a {@link Condition} with the usual contract (the lock
 * must be held; {@code await} releases it fully and re-acquires it with the same hold count before
 * returning). A thread waiting on a condition has no edge, since no particular thread is expected to signal
 * it; its release of the lock updates the lock's waiters like {@code unlock}, so they never see a stale owner.
 * {@code signal} moves the waiter to the lock's queue with an edge to the signalling owner (which is running,
 * so this cannot close a cycle). A condition wait that ends by timeout or interrupt re-acquires the lock as a
 * new waiter; if that wait would close a cycle, {@code await} throws {@code DeadlockException} and, as the
 * only exit that does so, returns <em>without</em> holding the lock (the exception message says so; check
 * {@link #isHeldByCurrentThread()} before unlocking in a {@code finally}). Re-acquisition after a
 * {@code signal} is never refused.
 *
 * <p><b>Order of reported cycles.</b> Cycles are rotated to start at the thread with the smallest
 * {@link Thread#threadId()}. Thread ids are assigned in creation order, so the rotation of a cycle does not
 * depend on which party closed it. The ids themselves differ from run to run (the JVM creates threads of its
 * own), but the relative order of threads that a deterministic program creates does not, so under a
 * deterministic scheduler the same cycle is reported in the same rotation in every run. Messages name threads
 * by name, not id.
 *
 * <p><b>Scheduling.</b> Blocking uses {@link LockSupport#park(Object)} with this lock as the blocker (visible
 * to {@link LockSupport#getBlocker} and in {@link StallReport}s), and the internal mutexes are
 * {@link ReentrantLock}s, never monitors, so under Weft's deterministic scheduler every wakeup comes from
 * another task. Timed waits ({@code tryLock(time, unit)}, timed {@code await}) are woken by the JDK's timer
 * and are foreign wakeups there; prefer the untimed forms in deterministic runs.
 *
 * @implNote Uncontended {@code lock}/{@code unlock} cost one acquisition of the per-lock mutex each and never
 *     touch the graph. A hand-off updates the edges of all queued waiters under one acquisition of the
 *     graph's lock, so its cost grows with the number of waiters. Under heavy contention the lock behaves
 *     like a fair {@code ReentrantLock}: every hand-off waits for the next owner to be scheduled. Hold counts
 *     are limited to {@link Integer#MAX_VALUE}.
 */
public final class TrackedLock implements Lock {
  private static final WaitForGraph<Thread> GRAPH = new WaitForGraph<>(Comparator.comparingLong(Thread::threadId));
  // The node of every thread that is inside a lock wait (not a condition wait); used to render cycles.
  private static final ConcurrentHashMap<Thread, Node> WAITING = new ConcurrentHashMap<>();
  private static final AtomicLong SEQUENCE = new AtomicLong();

  private final String name;
  private final ReentrantLock mutex = new ReentrantLock();
  // guarded by mutex; volatile so that isLocked and toString can read it without the mutex
  private volatile Thread owner;
  // guarded by mutex
  private int holds;
  private final ArrayDeque<Node> waiters = new ArrayDeque<>();

  /** A thread queued for a lock, or waiting on one of its conditions. */
  private static final class Node {
    final Thread thread;
    final TrackedLock lock;
    final int holds; // the hold count to take when the lock is acquired
    volatile boolean transferred; // condition wait only: moved to the lock's queue by a signal
    volatile boolean granted; // made the owner by a hand-off; set under the mutex

    Node(Thread thread, TrackedLock lock, int holds) {
      this.thread = thread;
      this.lock = lock;
      this.holds = holds;
    }
  }

  /** A lock named {@code lock-N}, N counting the tracked locks created so far. */
  public TrackedLock() {
    this("lock-" + SEQUENCE.incrementAndGet());
  }

  /**
   * A lock with a name for messages, {@link #toString()} and stall reports.
   *
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public TrackedLock(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank");
    }
    this.name = name;
  }

  /**
   * The wait-for graph shared by all tracked locks: an edge for every thread parked behind a held tracked
   * lock, pointing at the owner. Pass it to {@link Watchdog.Builder#graph} to include it in stall reports.
   * It is meant to be read; adding or removing edges other than through tracked locks voids the guarantees
   * above.
   */
  public static WaitForGraph<Thread> waitForGraph() {
    return GRAPH;
  }

  /** This lock's name. */
  public String name() {
    return name;
  }

  /**
   * Acquires the lock, waiting if another thread holds it.
   *
   * @throws DeadlockException if waiting would close a wait-for cycle; the lock is not acquired and the
   *     caller still holds every lock it held before
   */
  @Override
  public void lock() {
    try {
      acquire(false, -1L);
    } catch (InterruptedException e) {
      throw new AssertionError(e); // not interruptible
    }
  }

  /**
   * Acquires the lock unless the current thread is interrupted.
   *
   * @throws InterruptedException if interrupted before or while waiting (the interrupt status is cleared);
   *     if the lock is handed over at the moment of the interrupt, it is acquired instead and the interrupt
   *     status stays set
   * @throws DeadlockException if waiting would close a wait-for cycle; the lock is not acquired
   */
  @Override
  public void lockInterruptibly() throws InterruptedException {
    acquire(true, -1L);
  }

  /**
   * Acquires the lock only if it is free or already held by the current thread. Never waits, never throws,
   * and never takes the lock ahead of queued threads (a free lock has none).
   */
  @Override
  public boolean tryLock() {
    Thread me = Thread.currentThread();
    mutex.lock();
    try {
      if (owner == null) {
        take(me, 1);
        return true;
      }
      if (owner == me) {
        incrementHolds();
        return true;
      }
      return false;
    } finally {
      mutex.unlock();
    }
  }

  /**
   * Acquires the lock, waiting at most {@code time}. A non-positive time never waits and is never refused.
   *
   * @return whether the lock was acquired
   * @throws InterruptedException if interrupted before or while waiting
   * @throws DeadlockException if waiting would close a wait-for cycle; the lock is not acquired
   */
  @Override
  public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
    long nanos = unit.toNanos(time);
    return acquire(true, Math.max(0L, nanos));
  }

  /**
   * Releases one hold; the last release frees the lock and wakes the first queued thread.
   *
   * @throws IllegalMonitorStateException if the current thread does not hold the lock
   */
  @Override
  public void unlock() {
    Thread next;
    mutex.lock();
    try {
      next = release(Thread.currentThread());
    } finally {
      mutex.unlock();
    }
    if (next != null) {
      LockSupport.unpark(next);
    }
  }

  /** A new condition bound to this lock; see the class documentation for its interaction with detection. */
  @Override
  public Condition newCondition() {
    return new TrackedCondition();
  }

  /** Whether the current thread holds this lock. */
  public boolean isHeldByCurrentThread() {
    return owner == Thread.currentThread();
  }

  /** Whether any thread holds this lock; a snapshot. */
  public boolean isLocked() {
    return owner != null;
  }

  /** The number of holds the current thread has on this lock (0 if it does not hold it). */
  public int holdCount() {
    mutex.lock();
    try {
      return owner == Thread.currentThread() ? holds : 0;
    } finally {
      mutex.unlock();
    }
  }

  @Override
  public String toString() {
    Thread o = owner;
    return "TrackedLock[" + name + (o == null ? ", unlocked]" : ", held by " + describe(o) + "]");
  }

  // ---- acquisition --------------------------------------------------------------------------------------

  /**
   * @param nanos {@code < 0}: wait without limit; {@code 0}: do not wait; otherwise the longest wait
   * @return whether the lock was acquired (false only on timeout)
   */
  private boolean acquire(boolean interruptible, long nanos) throws InterruptedException {
    if (interruptible && Thread.interrupted()) {
      throw new InterruptedException();
    }
    Thread me = Thread.currentThread();
    Node node;
    List<Thread> cycle;
    mutex.lock();
    try {
      Thread o = owner;
      if (o == null) {
        take(me, 1);
        return true;
      }
      if (o == me) {
        incrementHolds();
        return true;
      }
      if (nanos == 0L) {
        return false;
      }
      node = new Node(me, this, 1);
      cycle = enqueue(node, o);
    } finally {
      mutex.unlock();
    }
    if (cycle != null) {
      throw deadlock(me, cycle, false);
    }
    return awaitTurn(node, interruptible, nanos);
  }

  /**
   * Queues {@code node} behind {@code currentOwner}, or returns the cycle its edge would close (then nothing
   * changes). Must hold the mutex, with {@code owner == currentOwner != node.thread}.
   */
  private List<Thread> enqueue(Node node, Thread currentOwner) {
    // Registered before the edge so that a concurrent closer can render this thread's wanted lock.
    WAITING.put(node.thread, node);
    Optional<List<Thread>> cycle = GRAPH.tryWait(node.thread, currentOwner);
    if (cycle.isPresent()) {
      WAITING.remove(node.thread, node);
      return cycle.get();
    }
    waiters.addLast(node);
    return null;
  }

  /**
   * Parks a queued node until the lock is handed to it (true), it times out (false) or, if interruptible, it
   * is interrupted. A non-interruptible wait restores the interrupt status it absorbed. A hand-off that races
   * with a timeout or an interrupt wins: the caller then owns the lock.
   */
  private boolean awaitTurn(Node node, boolean interruptible, long nanos) throws InterruptedException {
    boolean interrupted = false;
    long deadline = nanos > 0L ? System.nanoTime() + nanos : 0L;
    try {
      while (!node.granted) {
        if (nanos > 0L) {
          long remaining = deadline - System.nanoTime();
          if (remaining <= 0L) {
            return leave(node);
          }
          LockSupport.parkNanos(this, remaining);
        } else {
          LockSupport.park(this);
        }
        if (Thread.interrupted()) {
          if (interruptible) {
            if (leave(node)) {
              interrupted = true; // granted meanwhile: keep the lock, report the interrupt by the flag
              return true;
            }
            throw new InterruptedException();
          }
          interrupted = true;
        }
      }
      return true;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Removes a queued node after a timeout or interrupt; returns true if the lock was handed to it first. */
  private boolean leave(Node node) {
    mutex.lock();
    try {
      if (node.granted) {
        return true;
      }
      waiters.remove(node);
      WAITING.remove(node.thread, node);
      GRAPH.stopWaiting(node.thread);
      return false;
    } finally {
      mutex.unlock();
    }
  }

  /** Makes {@code thread}, which waits for nobody, the owner of a free lock. Holds the mutex. */
  private void take(Thread thread, int holdCount) {
    owner = thread;
    holds = holdCount;
  }

  private void incrementHolds() {
    if (holds == Integer.MAX_VALUE) {
      throw new Error("maximum hold count exceeded on " + this);
    }
    holds++;
  }

  /**
   * Releases one hold of {@code thread}; on the last, hands the lock to the first waiter and returns it to
   * unpark, or frees the lock and returns null. Holds the mutex.
   */
  private Thread release(Thread thread) {
    if (owner != thread) {
      throw new IllegalMonitorStateException(describe(thread) + " does not hold " + this);
    }
    if (--holds > 0) {
      return null;
    }
    Node next = waiters.pollFirst();
    if (next == null) {
      owner = null;
      return null;
    }
    owner = next.thread;
    holds = next.holds;
    WAITING.remove(next.thread, next);
    GRAPH.handOff(next.thread, threadsOf(waiters));
    next.granted = true;
    return next.thread;
  }

  private static List<Thread> threadsOf(ArrayDeque<Node> nodes) {
    List<Thread> threads = new ArrayList<>(nodes.size());
    for (Node n : nodes) {
      threads.add(n.thread);
    }
    return threads;
  }

  // ---- reporting ----------------------------------------------------------------------------------------

  /**
   * The exception for {@code victim}, whose wait for this lock would close {@code cycle}. Other parties are
   * parked in a real deadlock, so their nodes are stable; one that left meanwhile (a timed wait) renders as
   * an unknown lock.
   */
  private DeadlockException deadlock(Thread victim, List<Thread> cycle, boolean afterConditionWait) {
    StringBuilder sb = new StringBuilder();
    int at = cycle.indexOf(victim);
    Thread victimOwner = cycle.get((at + 1) % cycle.size());
    sb.append("deadlock: ").append(describe(victim)).append(" would wait for ").append(this.name)
        .append(" held by ").append(describe(victimOwner)).append(", closing a wait cycle of ")
        .append(cycle.size()).append(cycle.size() == 1 ? " thread:" : " threads:");
    for (int i = 0; i < cycle.size(); i++) {
      Thread t = cycle.get(i);
      Thread next = cycle.get((i + 1) % cycle.size());
      String wanted;
      if (t == victim) {
        wanted = this.name;
      } else {
        Node n = WAITING.get(t);
        wanted = n == null ? "?" : n.lock.name;
      }
      sb.append("\n  ").append(describe(t)).append(" waits for ").append(wanted).append(" held by ")
          .append(describe(next));
      if (t == victim) {
        sb.append("  <- refused");
      }
    }
    if (afterConditionWait) {
      sb.append("\nthe wait was the re-acquisition after a timed-out or interrupted condition wait; ")
          .append(this.name).append(" is not held by ").append(describe(victim));
    }
    return new DeadlockException(sb.toString(), cycle);
  }

  static String describe(Thread t) {
    String n = t.getName();
    return n.isEmpty() ? t.toString() : "\"" + n + "\"";
  }

  // ---- conditions ---------------------------------------------------------------------------------------

  /**
   * A condition of the enclosing lock. Its queue is guarded by the lock's mutex; a node leaves it either by
   * {@code signal} (moved to the lock's queue, {@code transferred} set, under the mutex) or by its own thread
   * after a timeout or interrupt (removed under the mutex if not yet transferred).
   */
  private final class TrackedCondition implements Condition {
    private final ArrayDeque<Node> queue = new ArrayDeque<>(); // guarded by mutex

    @Override
    public void await() throws InterruptedException {
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      doAwait(true, -1L);
    }

    @Override
    public void awaitUninterruptibly() {
      try {
        doAwait(false, -1L);
      } catch (InterruptedException e) {
        throw new AssertionError(e); // not interruptible
      }
    }

    @Override
    public long awaitNanos(long nanosTimeout) throws InterruptedException {
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      long start = System.nanoTime();
      doAwait(true, Math.max(0L, nanosTimeout));
      long elapsed = System.nanoTime() - start;
      return nanosTimeout - elapsed;
    }

    @Override
    public boolean await(long time, TimeUnit unit) throws InterruptedException {
      return awaitNanos(unit.toNanos(time)) > 0L;
    }

    @Override
    public boolean awaitUntil(Date deadline) throws InterruptedException {
      long millis = deadline.getTime() - System.currentTimeMillis();
      return awaitNanos(TimeUnit.MILLISECONDS.toNanos(millis)) > 0L;
    }

    /**
     * Releases the lock fully, waits for a signal (or timeout/interrupt), then re-acquires with the same hold
     * count.
     *
     * @param nanos {@code < 0}: no limit; otherwise the longest wait ({@code 0} only releases and re-acquires)
     */
    private void doAwait(boolean interruptible, long nanos) throws InterruptedException {
      Thread me = Thread.currentThread();
      Node node;
      Thread next;
      mutex.lock();
      try {
        if (owner != me) {
          throw new IllegalMonitorStateException(describe(me) + " does not hold " + TrackedLock.this);
        }
        node = new Node(me, TrackedLock.this, holds);
        queue.addLast(node);
        holds = 1;
        next = release(me);
      } finally {
        mutex.unlock();
      }
      if (next != null) {
        LockSupport.unpark(next);
      }
      boolean interrupted = false;
      long deadline = nanos > 0L ? System.nanoTime() + nanos : 0L;
      while (!node.transferred) {
        if (nanos >= 0L) {
          long remaining = deadline - System.nanoTime();
          if (nanos == 0L || remaining <= 0L) {
            break;
          }
          LockSupport.parkNanos(this, remaining);
        } else {
          LockSupport.park(this);
        }
        if (Thread.interrupted()) {
          interrupted = true;
          if (interruptible) {
            break;
          }
        }
      }
      boolean signalled = true;
      if (!node.transferred) {
        mutex.lock();
        try {
          if (!node.transferred) {
            queue.remove(node);
            signalled = false;
          }
        } finally {
          mutex.unlock();
        }
      }
      if (signalled) {
        awaitTurn(node, false, -1L); // queued for the lock by the signal, with an edge to its owner
      } else {
        try {
          reacquireAsNewWaiter(me, node.holds);
        } catch (DeadlockException e) {
          if (interrupted) {
            me.interrupt(); // the interrupt that ended the wait is not lost behind the refusal
          }
          throw e;
        }
      }
      if (interrupted) {
        if (interruptible && !signalled) {
          throw new InterruptedException();
        }
        me.interrupt();
      }
    }

    private void reacquireAsNewWaiter(Thread me, int holdCount) throws InterruptedException {
      Node node;
      List<Thread> cycle;
      mutex.lock();
      try {
        if (owner == null) {
          take(me, holdCount);
          return;
        }
        node = new Node(me, TrackedLock.this, holdCount);
        cycle = enqueue(node, owner);
      } finally {
        mutex.unlock();
      }
      if (cycle != null) {
        throw deadlock(me, cycle, true);
      }
      awaitTurn(node, false, -1L);
    }

    @Override
    public void signal() {
      mutex.lock();
      try {
        checkOwner();
        Node n = queue.pollFirst();
        if (n != null) {
          transfer(n);
        }
      } finally {
        mutex.unlock();
      }
    }

    @Override
    public void signalAll() {
      mutex.lock();
      try {
        checkOwner();
        Node n;
        while ((n = queue.pollFirst()) != null) {
          transfer(n);
        }
      } finally {
        mutex.unlock();
      }
    }

    private void checkOwner() {
      Thread me = Thread.currentThread();
      if (owner != me) {
        throw new IllegalMonitorStateException(describe(me) + " does not hold " + TrackedLock.this);
      }
    }

    /**
     * Moves a signalled node to the lock's queue with an edge to the signaller, the owner. The node's thread
     * stays parked until the lock's release wakes it as the first waiter. Holds the mutex.
     */
    private void transfer(Node n) {
      WAITING.put(n.thread, n);
      GRAPH.waitAll(List.of(n.thread), owner);
      waiters.addLast(n);
      n.transferred = true;
    }

    @Override
    public String toString() {
      return "Condition of " + TrackedLock.this;
    }
  }
}
