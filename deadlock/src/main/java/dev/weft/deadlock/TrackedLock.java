package dev.weft.deadlock;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A reentrant mutual-exclusion {@link Lock} that refuses to deadlock: when a wait would close a wait-for
 * cycle, one party of the cycle gets {@link DeadlockException} instead of every party blocking forever.
 *
 * {@snippet :
 * first.lock();
 * try {
 *   second.lock(); // throws DeadlockException if this thread is the party refused
 *   try {
 *     transfer();
 *   } finally {
 *     second.unlock();
 *   }
 * } finally {
 *   first.unlock();
 * }
 * }
 * A caller that catches the exception outside both {@code try} blocks holds nothing any more and may retry
 * (from {@code DocSnippetsTest}); <b>Progress</b> below says what retrying guarantees.
 *
 * <p><b>Detection.</b> All tracked locks share one {@link WaitForGraph} of threads (read-only through
 * {@link #waitForGraph()}). A thread that has to wait for a lock adds the edge <i>waiter → current owner</i>
 * before it parks. When that edge would close a cycle, exactly one party of the cycle is refused, in the same
 * atomic step that finds the cycle: the party whose transaction is the youngest (below), among the closing
 * thread and the cycle's threads parked in {@link #lock}, {@link #lockInterruptibly} or timed
 * {@link #tryLock(long, TimeUnit)}. If that is the closing thread, its call throws at once; otherwise the
 * closing thread waits as usual and the refused thread's pending call stops waiting and throws. Either way the
 * refused thread does not get the lock it asked for and keeps every lock it already holds; once it releases
 * them (normally in the {@code finally} blocks the exception unwinds through), the other parties proceed.
 * Every cycle is refused exactly once, and only a cycle of current waits is ever refused. Under a
 * deterministic scheduler the refused party, and its message, are the same in every run with the same seed.
 * This works for virtual and platform threads alike (the JDK's own deadlock detection ignores virtual
 * threads).
 *
 * <p><b>Progress.</b> A thread's <i>transaction</i> starts when it takes a tracked lock while holding none
 * and ends when it holds none again. Transactions are aged by their start, and a
 * refused thread keeps its transaction's age for its next transaction, the retry, so a retry is never
 * younger than the transactions it gave way to (the wait-die rule of database lock managers, applied only to
 * real cycles). The oldest transaction in progress is therefore never refused, except when every other
 * party of its cycle is re-acquiring a lock after a condition wait (which is never refused, see
 * <b>Conditions</b>); lock hand-off is first-in first-out, so it completes as long as critical sections end,
 * and then another transaction is the oldest. Threads that, when refused, release every tracked lock and
 * retry therefore all complete: the retry loop cannot livelock. Tested with three tasks taking three locks
 * in the orders L0,L2,L1 / L2,L1,L0 / L1,L2,L0 under deterministic seeds 0 to 1,000, with 2 to 8 tasks taking
 * three locks in random orders on two carriers, 10,000 times, and with random programs of 3 to 5 tasks over
 * four locks under deterministic exploration, where every refusal was checked to hit the youngest
 * transaction of its cycle.
 *
 * <p><b>State.</b> Guarded by a per-lock {@link ReentrantLock} {@code mutex}: the {@code owner} thread (null
 * when free), its {@code holds} count, and the FIFO of parked {@code waiters}. The lock is fair: a release
 * hands it directly to the longest waiter that was not refused. Transitions:
 * <ul>
 *   <li><i>free → held</i>: a caller finds {@code owner == null} (then nobody is queued) and takes it.</li>
 *   <li><i>held → held</i>: the owner re-enters ({@code holds + 1}); or another thread queues with an edge to
 *       the owner, or is refused because that edge would close a cycle; or a queued thread leaves after a
 *       timeout, an interrupt or a refusal and removes its node.</li>
 *   <li><i>hand-off</i>: the owner's last {@link #unlock} with threads queued makes the first of them that
 *       was not refused the owner ({@code granted}), removes its edge and points every other waiter's edge at
 *       it, then unparks it. Refused nodes met on the way are dropped.</li>
 *   <li><i>held → free</i>: the owner's last {@code unlock} with nobody (else than refused nodes) queued.</li>
 * </ul>
 *
 * <p><b>Invariants.</b> (1) {@code owner == null} implies no thread is queued; (2) every queued waiter that
 * was not refused has an edge to {@code owner}, and a refused one has none and is never granted; (3) every
 * edge change for this lock's waiters happens under {@code mutex}, together with the owner change it follows,
 * except the removal of a refused party's edge, which happens under the graph's lock and only removes. From
 * (2) a thread parked behind a tracked lock is always visible in the graph, so a real cycle is refused when
 * its last edge is added, and nothing hangs unseen. From (3) an edge can name a former owner only while that
 * owner is inside {@code unlock} (between changing the owner and updating the edges, under the mutex); such
 * a thread has no edge of its own, so no cycle can pass through it, and a reported cycle always consists of
 * current waits: a refusal is never a false positive. Edges are only ever pointed at a thread that waits for
 * nobody (the new owner, or a signalling owner), which cannot close a cycle. A thread's node in
 * {@code WAITING} is registered before its edge is added and removed after its edge is removed, so the party
 * chooser always finds the node of a party on a cycle.
 *
 * <p><b>Why hand-off, and why ages.</b> With barging (a released lock free for whoever comes first), a
 * refused party that retries at once re-takes its lock before the party it unblocked has run, and closes the
 * same cycle again. Handing the lock to the queue makes the retry wait behind the parties it unblocked. That
 * is not enough with three or more locks: the refused party also releases locks nobody was queued for, takes
 * the free one again at once and can close a cycle with the same parties, indefinitely. Refusing always the
 * closing party (simpler: no parked thread is ever woken to be refused) livelocked that way. The price of
 * hand-off is throughput under heavy contention: the next owner must be scheduled before the lock is used
 * again; the price of ages is one thread-local counter update per first acquisition and last release.
 *
 * <p><b>Conditions.</b> {@link #newCondition()} returns a {@link Condition} with the usual contract (the lock
 * must be held; {@code await} releases it fully and re-acquires it with the same hold count before
 * returning). A thread waiting on a condition has no edge, since no particular thread is expected to signal
 * it; its release of the lock updates the lock's waiters like {@code unlock}, so they never see a stale owner.
 * {@code signal} moves the waiter to the lock's queue with an edge to the signalling owner (which is running,
 * so this cannot close a cycle). A condition wait that ends by timeout or interrupt re-acquires the lock as a
 * new waiter; if that wait would close a cycle and its thread is the party chosen, {@code await} throws
 * {@code DeadlockException} and, as the only exit that does so, returns <em>without</em> holding the lock (the
 * exception message says so; check {@link #isHeldByCurrentThread()} before unlocking in a {@code finally}).
 * Re-acquisition, after a signal or not, is never refused while parked: a cycle through it refuses another
 * party.
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
 * @implNote Uncontended {@code lock}/{@code unlock} cost one acquisition of the per-lock mutex each, plus a
 *     thread-local update on a thread's first lock and last release, and never touch the graph. A hand-off
 *     updates the edges of all queued waiters under one acquisition of the graph's lock, so its cost grows
 *     with the number of waiters. Under heavy contention the lock behaves like a fair {@code ReentrantLock}:
 *     every hand-off waits for the next owner to be scheduled. Hold counts are limited to
 *     {@link Integer#MAX_VALUE}.
 */
public final class TrackedLock implements Lock {
  static final WaitForGraph<Thread> GRAPH = new WaitForGraph<>(Comparator.comparingLong(Thread::threadId));
  private static final WaitForGraph.View<Thread> VIEW = GRAPH.view();
  // The node of every thread that is inside a lock wait (not a condition wait); used to choose and render.
  static final ConcurrentHashMap<Thread, Node> WAITING = new ConcurrentHashMap<>();
  private static final AtomicLong SEQUENCE = new AtomicLong();
  private static final AtomicLong AGES = new AtomicLong();
  private static final ThreadLocal<Transaction> TRANSACTION = ThreadLocal.withInitial(Transaction::new);

  final String name;
  final ReentrantLock mutex = new ReentrantLock();
  // guarded by mutex; volatile so that isLocked and toString can read it without the mutex
  volatile Thread owner;
  // guarded by mutex
  int holds;
  final ArrayDeque<Node> waiters = new ArrayDeque<>();

  /** A thread queued for a lock, or waiting on one of its conditions. */
  static final class Node {
    final Thread thread;
    final TrackedLock lock;
    final int holds; // the hold count to take when the lock is acquired
    final long age; // the thread's transaction age when it queued
    final boolean refusable; // a lock wait; false for a condition's re-acquisition
    volatile boolean transferred; // condition wait only: moved to the lock's queue by a signal
    volatile boolean granted; // made the owner by a hand-off; set under the mutex
    volatile boolean refused; // chosen as a cycle's victim while parked; the graph holds the refusal

    Node(Thread thread, TrackedLock lock, int holds, long age, boolean refusable) {
      this.thread = thread;
      this.lock = lock;
      this.holds = holds;
      this.age = age;
      this.refusable = refusable;
    }
  }

  /** A thread's transaction: how many tracked locks it holds, and its age (0: none yet). Thread-confined. */
  private static final class Transaction {
    int held;
    long age;
    boolean refused; // refused since its last start: keep the age for the retry
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
   * The wait-for graph shared by all tracked locks, read-only: an edge for every thread parked behind a held
   * tracked lock, pointing at the owner. Pass it to {@link Watchdog.Builder#graph} to include it in stall
   * reports.
   */
  public static WaitForGraph.View<Thread> waitForGraph() {
    return VIEW;
  }

  /** This lock's name. */
  public String name() {
    return name;
  }

  /**
   * Acquires the lock, waiting if another thread holds it.
   *
   * @throws DeadlockException if this thread is refused to break a wait-for cycle; the lock is not acquired
   *     and the caller still holds every lock it held before
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
   * @throws DeadlockException if this thread is refused to break a wait-for cycle (also if that happens at
   *     the moment of an interrupt, whose status then stays set); the lock is not acquired
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
    boolean first = false;
    mutex.lock();
    try {
      if (owner == null) {
        take(me, 1);
        first = true;
      } else if (owner == me) {
        incrementHolds();
      } else {
        return false;
      }
    } finally {
      mutex.unlock();
    }
    if (first) {
      took();
    }
    return true;
  }

  /**
   * Acquires the lock, waiting at most {@code time}. A non-positive time never waits and is never refused.
   *
   * @return whether the lock was acquired
   * @throws InterruptedException if interrupted before or while waiting
   * @throws DeadlockException if this thread is refused to break a wait-for cycle (a refusal at the moment of
   *     the timeout wins); the lock is not acquired
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
    Thread me = Thread.currentThread();
    Thread next;
    boolean last;
    mutex.lock();
    try {
      last = owner == me && holds == 1;
      next = release(me);
    } finally {
      mutex.unlock();
    }
    if (last) {
      released();
    }
    if (next != null) {
      LockSupport.unpark(next);
    }
  }

  /** A new condition bound to this lock; see the class documentation for its interaction with detection. */
  @Override
  public Condition newCondition() {
    return new TrackedCondition(this);
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

  // ---- transactions -------------------------------------------------------------------------------------

  /** The current thread took a lock it did not hold. */
  static void took() {
    Transaction t = TRANSACTION.get();
    if (t.held++ == 0 && t.age == 0) {
      t.age = AGES.incrementAndGet();
    }
  }

  /** The current thread released a lock fully. */
  static void released() {
    Transaction t = TRANSACTION.get();
    if (--t.held == 0) {
      if (t.refused) {
        t.refused = false; // the retry keeps the age
      } else {
        t.age = 0;
      }
    }
  }

  /** The current thread was refused: its next transaction keeps this one's age. */
  static void refused() {
    TRANSACTION.get().refused = true;
  }

  /**
   * The current thread's transaction age; 0 if it holds no tracked lock and was not refused, in which case
   * nobody waits for it and it cannot be on a cycle.
   */
  static long age() {
    return TRANSACTION.get().age;
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
    Refusal refusal;
    mutex.lock();
    try {
      Thread o = owner;
      if (o == null) {
        take(me, 1);
        node = null;
        refusal = null;
      } else if (o == me) {
        incrementHolds();
        return true;
      } else if (nanos == 0L) {
        return false;
      } else {
        node = new Node(me, this, 1, age(), true);
        refusal = enqueue(node, o);
      }
    } finally {
      mutex.unlock();
    }
    if (node == null) {
      took();
      return true;
    }
    if (refusal != null) {
      if (refusal.parked() == null) {
        refused();
        throw deadlock(me, refusal.of(), false);
      }
      refusal.wake();
    }
    if (awaitTurn(node, interruptible, nanos)) {
      took();
      return true;
    }
    return false;
  }

  /**
   * A cycle's refusal as {@link #enqueue} decided it: {@code parked} is the refused party's node when that
   * party is parked (the closing thread then queued normally), or null when the closing thread is refused.
   */
  record Refusal(WaitForGraph.Refusal<Thread> of, Node parked) {
    /** Wakes the refused parked party; it takes the refusal from the graph and throws (see awaitTurn). */
    void wake() {
      parked.refused = true; // if it left meanwhile (a timeout), the node is dead and the flag unread
      LockSupport.unpark(parked.thread);
    }
  }

  /**
   * Queues {@code node} behind {@code currentOwner} unless its edge would close a cycle; then the youngest
   * refusable party of the cycle is refused. Returns null (queued, no cycle) or the refusal: of this thread
   * (not queued, nothing changed), or of a parked party (this thread queued; the caller must wake that party
   * after releasing the mutex). Must hold the mutex, with {@code owner == currentOwner != node.thread}.
   */
  Refusal enqueue(Node node, Thread currentOwner) {
    // Registered before the edge so that the chooser and a renderer find this thread's wait.
    WAITING.put(node.thread, node);
    Node[] parked = new Node[1];
    WaitForGraph.Refusal<Thread> r =
        GRAPH.waitOrRefuse(node.thread, currentOwner, cycle -> youngest(cycle, node, parked));
    if (r == null) {
      waiters.addLast(node);
      return null;
    }
    if (parked[0] == null) {
      WAITING.remove(node.thread, node);
    } else {
      waiters.addLast(node);
    }
    return new Refusal(r, parked[0]);
  }

  /**
   * The party of {@code cycle} to refuse: the youngest transaction among the closing thread (whose node is
   * {@code closing}) and the refusable waits; a parked victim's node goes to {@code parked[0]}. Called under
   * the graph's lock, where every other party of the cycle has an edge and therefore its current node in
   * {@code WAITING}.
   */
  private static Thread youngest(List<Thread> cycle, Node closing, Node[] parked) {
    Thread victim = closing.thread;
    long youngest = closing.age;
    parked[0] = null;
    for (Thread t : cycle) {
      Node n = t == closing.thread ? null : WAITING.get(t);
      if (n != null && n.refusable && n.age > youngest) {
        victim = t;
        youngest = n.age;
        parked[0] = n;
      }
    }
    return victim;
  }

  /**
   * Parks a queued node until the lock is handed to it (true), it times out (false), it is refused
   * ({@link DeadlockException}) or, if interruptible, it is interrupted. A non-interruptible wait restores the
   * interrupt status it absorbed. A hand-off that races with a timeout or an interrupt wins: the caller then
   * owns the lock; a refusal that races with them wins too.
   */
  boolean awaitTurn(Node node, boolean interruptible, long nanos) throws InterruptedException {
    boolean interrupted = false;
    long deadline = nanos > 0L ? System.nanoTime() + nanos : 0L;
    try {
      while (!node.granted) {
        if (node.refused && leave(node)) {
          return true; // unreachable: a refused party is never granted; leave throws the refusal
        }
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
          interrupted = true;
          if (interruptible) {
            if (leave(node)) {
              return true; // granted meanwhile: keep the lock, report the interrupt by the flag
            }
            interrupted = false;
            throw new InterruptedException();
          }
        }
      }
      return true;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Takes a queued node out of the queue after a timeout, an interrupt or a refusal. Returns true if the lock
   * was handed to it first; throws {@link DeadlockException} if it was refused; false otherwise.
   */
  private boolean leave(Node node) {
    WaitForGraph.Refusal<Thread> r;
    mutex.lock();
    try {
      if (node.granted) {
        return true;
      }
      r = GRAPH.leave(node.thread); // the edge goes before the node, see the invariants
      waiters.remove(node);
      WAITING.remove(node.thread, node);
    } finally {
      mutex.unlock();
    }
    if (r != null) {
      refused();
      throw deadlock(node.thread, r, false);
    }
    if (node.refused) {
      throw new IllegalStateException(describe(node.thread) + " was marked refused without a refusal");
    }
    return false;
  }

  /** Makes {@code thread}, which waits for nobody, the owner of a free lock. Holds the mutex. */
  void take(Thread thread, int holdCount) {
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
   * Releases one hold of {@code thread}; on the last, hands the lock to the first waiter that was not
   * refused and returns it to unpark, or frees the lock and returns null. Holds the mutex.
   */
  Thread release(Thread thread) {
    if (owner != thread) {
      throw new IllegalMonitorStateException(describe(thread) + " does not hold " + this);
    }
    if (--holds > 0) {
      return null;
    }
    Node next;
    while ((next = waiters.pollFirst()) != null) {
      if (GRAPH.handOff(next.thread, threadsOf(waiters))) {
        owner = next.thread;
        holds = next.holds;
        WAITING.remove(next.thread, next);
        next.granted = true;
        return next.thread;
      }
      // Refused while parked: it leaves on its own and must not own the lock.
    }
    owner = null;
    return null;
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
   * The exception for {@code victim}, refused on this lock by {@code r}. Other parties are parked in a real
   * cycle, so their nodes are stable; one that left meanwhile (a timed wait) renders as an unknown lock.
   */
  DeadlockException deadlock(Thread victim, WaitForGraph.Refusal<Thread> r, boolean afterConditionWait) {
    List<Thread> cycle = r.cycle();
    StringBuilder sb = new StringBuilder();
    int at = cycle.indexOf(victim);
    Thread victimOwner = cycle.get((at + 1) % cycle.size());
    String size = cycle.size() + (cycle.size() == 1 ? " thread:" : " threads:");
    if (r.closer() == victim) {
      sb.append("deadlock: ").append(describe(victim)).append(" would wait for ").append(name)
          .append(" held by ").append(describe(victimOwner)).append(", closing a wait cycle of ").append(size);
    } else {
      sb.append("deadlock: ").append(describe(victim)).append(" waiting for ").append(name)
          .append(" held by ").append(describe(victimOwner)).append(" is refused: ")
          .append(describe(r.closer())).append(" closed a wait cycle of ").append(size);
    }
    for (int i = 0; i < cycle.size(); i++) {
      Thread t = cycle.get(i);
      Thread next = cycle.get((i + 1) % cycle.size());
      String wanted;
      if (t == victim) {
        wanted = name;
      } else {
        Node n = WAITING.get(t);
        wanted = n == null ? "?" : n.lock.name;
      }
      sb.append("\n  ").append(describe(t)).append(" waits for ").append(wanted).append(" held by ")
          .append(describe(next));
      if (t == victim) {
        sb.append("  <- refused");
      } else if (t == r.closer()) {
        sb.append("  <- closed the cycle");
      }
    }
    if (r.closer() != victim) {
      sb.append("\nthe party refused is the one whose transaction started last; a retry keeps its age");
    }
    if (afterConditionWait) {
      sb.append("\nthe wait was the re-acquisition after a timed-out or interrupted condition wait; ")
          .append(name).append(" is not held by ").append(describe(victim));
    }
    return new DeadlockException(sb.toString(), cycle);
  }

  static String describe(Thread t) {
    String n = t.getName();
    return n.isEmpty() ? t.toString() : "\"" + n + "\"";
  }
}
