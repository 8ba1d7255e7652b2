package dev.weft.scheduler;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * One carrier, one ready queue, a seeded choice of the next task, and a virtual clock.
 *
 * <p><b>Scheduling.</b> The JDK submits a virtual thread's continuation to {@link #execute} whenever the thread
 * becomes runnable (start, unpark, yield). The continuation joins the ready list; the carrier loop removes
 * one, chosen by {@link #pick} ({@code seed == 0}: the oldest; otherwise a SplitMix64 stream seeded with the
 * seed picks an index), and runs it until it parks, yields or ends. Only the carrier runs continuations, so
 * at most one task runs at a time and the interleaving is a function of the seed and the program.
 *
 * <p><b>Virtual clock.</b> {@link #sleep} registers a timer (deadline, then registration order) and parks.
 * When the gate (below) is open and the ready list is empty, the carrier advances {@link #now} to the earliest
 * deadline and wakes every timer due then, in registration order. Time therefore moves only when no task can
 * run.
 *
 * <p><b>Entry points and the gate.</b> A task spawned from outside the scheduler (a test's main thread, a
 * platform thread calling a query engine) is an entry point, not a foreign wakeup. So that the moment of its
 * arrival never matters, the carrier runs continuations only while the gate is open: while at least one
 * thread outside the scheduler waits on it ({@link Task#join}, {@link #close}, {@link #sleep}), or after the
 * stall fallback below. An outside thread therefore never runs at the same time as the tasks: it spawns
 * (continuations only queue), then waits (the gate opens), and when its wait is satisfied the carrier
 * resumes it and stops before running anything else. Whether a wait is satisfied is checked by the carrier
 * between two continuations ({@link #resumeSatisfied}), so the point where the outside thread takes over is
 * a function of the seed too. Several outside threads at once keep the gate open while any of them waits;
 * their relative timing is theirs, and only one outside thread at a time replays exactly.
 *
 * <p><b>Stall fallback.</b> An outside thread that spawns tasks and then blocks on something else (a latch,
 * {@code Future.get}, a polling loop) would wait forever for tasks that cannot start. While the gate is
 * closed with work pending, the idle carrier polls the states of the outside threads it knows (those that
 * spawned or waited); when none of them has been runnable for {@link #STALL_GRACE_NANOS}, it opens the gate
 * anyway, logs a warning naming each outside thread and where it is blocked (in full the first time), and
 * counts the release as a foreign wakeup (a strict scheduler fails the run with the same description). The
 * next outside wait closes the gate again. The moment of the release does not change the interleaving (no
 * task ran while the gate was closed); what follows may, since the outside thread, once woken, runs
 * alongside the tasks.
 *
 * <p><b>Foreign wakeups.</b> A continuation submitted by a thread other than the carrier (the JDK's timer
 * threads after a timed {@code Thread.sleep}, the monitor unblocker, I/O pollers) arrives at a moment the
 * program does not control. It is still run (dropping it would hang the task), but it is counted, warned
 * about once, and in strict mode recorded as a failure reported by {@link Task#join} and {@link #close}.
 *
 * <p><b>Invariants.</b> {@code ready}, {@code timers}, {@code waits}, {@code outsiders} and
 * {@code released} are guarded by {@code lock}. The carrier never runs
 * a continuation while holding {@code lock}, so a continuation may call {@link #execute} or {@link #sleep}.
 * Code on the carrier (the loop, or a task mounted on it) never queues for {@code lock}: it barges with
 * {@code tryLock} and spins ({@link #acquire}). Queueing would deadlock when a platform thread holds the lock:
 * a task parked in the lock's queue unmounts, the loop queues behind it, and the release wakes only the task,
 * which needs the loop to run. Spinning also keeps such contention from reordering tasks. Holders never
 * park, so the spin is as short as the outside holder's critical section.
 * The carrier waits on {@code work} when the gate is closed or nothing is runnable; it is signalled by
 * submissions from outside, by new outside waits and by {@link #stopCarriers}. {@code running} is cleared
 * before the carrier looks for satisfied waits, so a resumed outside thread reads exact {@link #stats()}.
 *
 * <p><b>Limits.</b> A virtual thread that parks while pinned to the carrier (inside a native frame or a class
 * initializer) blocks the only carrier; nothing else can run until a foreign thread wakes it.
 */
final class DeterministicScheduler extends AbstractScheduler implements Executor {
  private static final System.Logger LOG = System.getLogger("dev.weft.scheduler");

  private final long seed;
  private final boolean strict;
  private final Thread carrier;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  // guarded by lock
  private final ArrayList<Runnable> ready = new ArrayList<>();
  private int head; // FIFO mode: index of the oldest entry in ready
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private long timerSequence;
  private long state; // SplitMix64 state
  private boolean stopping;
  private final ArrayList<OutsideWait> waits = new ArrayList<>(); // registration order
  private final ArrayList<Thread> outsiders = new ArrayList<>(); // outside threads that spawned or waited
  private boolean released; // the stall fallback opened the gate; cleared by the next outside wait
  /** The idle hooks ran since the last task was picked: run them once per idle period. Carrier only. */
  private boolean idleRan;
  // written under lock, read racily by stats()
  private volatile long nowNanos;
  private volatile long foreignWakeups;
  private volatile int running;
  private volatile IllegalStateException strictFailure;
  private boolean warned;
  private boolean stallWarned; // carrier only
  private volatile long carrierSpins; // contended acquisitions on the carrier, for tests

  DeterministicScheduler(String name, long seed, boolean strict, boolean watched) {
    super(name, watched);
    if (!VirtualThreads.available()) {
      throw new IllegalStateException("Scheduler.deterministic needs Weft's own carrier: "
          + VirtualThreads.unavailableReason());
    }
    this.seed = seed;
    this.strict = strict;
    this.state = seed;
    this.carrier = Thread.ofPlatform().name(name + "-deterministic-carrier").daemon(true).unstarted(this::loop);
    threads(VirtualThreads.factory(this));
    carrier.start();
  }

  /** How long every known outside thread must stay blocked elsewhere before the gate opens without a wait. */
  static final long STALL_GRACE_NANOS = 1_000_000_000L;
  private static final long STALL_POLL_NANOS = 10_000_000L;

  /** A thread outside the scheduler waiting for {@code done}; the carrier sets {@code resumed} and unparks it. */
  private static final class OutsideWait {
    final Thread thread;
    final BooleanSupplier done;
    volatile boolean resumed;

    OutsideWait(Thread thread, BooleanSupplier done) {
      this.thread = thread;
      this.done = done;
    }
  }

  private record Timer(long deadline, long sequence, Thread thread, boolean[] fired) implements Comparable<Timer> {
    @Override
    public int compareTo(Timer o) {
      int c = Long.compare(deadline, o.deadline);
      return c != 0 ? c : Long.compare(sequence, o.sequence);
    }
  }

  /** Set while a thread outside the scheduler starts a task: that submission is an entry point. */
  private static final ThreadLocal<Boolean> STARTING = new ThreadLocal<>();

  @Override
  void start(Thread thread) {
    if (VirtualThreads.currentCarrier() == carrier) {
      thread.start();
      return;
    }
    STARTING.set(Boolean.TRUE);
    try {
      thread.start();
    } finally {
      STARTING.remove();
    }
  }

  /** Called by the JDK, from any thread, to make a continuation runnable. Never blocks for long. */
  @Override
  public void execute(Runnable continuation) {
    boolean outside = VirtualThreads.currentCarrier() != carrier;
    boolean foreign = outside && STARTING.get() == null;
    boolean warn = false;
    acquire();
    try {
      if (foreign) {
        // Recorded before the continuation becomes runnable, so the woken task cannot finish unnoticed.
        foreignWakeups++;
        if (strict && strictFailure == null) {
          strictFailure = new IllegalStateException("deterministic scheduler '" + name
              + "' (strict): a task was woken from outside the scheduler by " + Thread.currentThread()
              + "; use Scheduler.sleep instead of Thread.sleep, and avoid contended monitors and blocking I/O");
        }
        warn = !strict && !warned;
        warned = true;
      }
      if (outside && !foreign) {
        noteOutsider(Thread.currentThread());
      }
      if (stopping) {
        // Only reachable through a foreign wakeup of a thread that outlived close(); let it run to its end.
        Thread.ofPlatform().daemon(true).start(continuation);
        return;
      }
      ready.add(continuation);
      if (progress != null) {
        progress.increment();
      }
      if (outside) {
        work.signal();
      }
    } finally {
      lock.unlock();
    }
    if (warn) {
      LOG.log(System.Logger.Level.WARNING,
          "Deterministic scheduler ''{0}'' (seed {1}): a task was woken from outside the scheduler by {2}. "
              + "Such wakeups (timed Thread.sleep, contended monitors, I/O) break replay; see "
              + "SchedulerStats.foreignWakeups(). Warned once.", name, seed, Thread.currentThread());
    }
  }

  /** Takes {@code lock}; on the carrier by barging and spinning, never by queueing (see the class comment). */
  private void acquire() {
    if (lock.tryLock()) {
      return;
    }
    if (VirtualThreads.currentCarrier() != carrier) {
      lock.lock(); // platform threads outside: parking is fine, the releaser wakes them directly
      return;
    }
    carrierSpins++;
    while (!lock.tryLock()) {
      Thread.onSpinWait();
    }
  }

  long carrierSpins() {
    return carrierSpins;
  }

  /** The scheduler's lock, for tests that contend for it from outside. */
  ReentrantLock lock() {
    return lock;
  }

  private void loop() {
    long blockedSince = -1L; // nanoTime since which every outside thread was seen blocked, or -1
    while (true) {
      Runnable next = null;
      List<Thread> resume;
      String stall = null;
      boolean runHooks = false;
      acquire();
      try {
        while (true) {
          resume = resumeSatisfied();
          if (resume != null) {
            break;
          }
          if (stopping || released || !waits.isEmpty()) { // the gate is open
            blockedSince = -1L;
            if (size() > 0) {
              next = pick();
              running = 1;
              idleRan = false;
              break;
            }
            if (idleHooks && !idleRan) { // nothing ready: let a client start held-back work, then look again
              idleRan = true;
              runHooks = true;
              break;
            }
            if (!timers.isEmpty()) {
              advanceClock();
              continue;
            }
            if (stopping) {
              return;
            }
            work.awaitUninterruptibly();
          } else if (size() == 0 && timers.isEmpty()) {
            blockedSince = -1L;
            work.awaitUninterruptibly();
          } else {
            // Closed with work pending: only the stall fallback can open it without an outside wait.
            long now = System.nanoTime();
            if (!outsidersBlocked()) {
              blockedSince = -1L;
            } else if (blockedSince == -1L) {
              blockedSince = now;
            } else if (now - blockedSince >= STALL_GRACE_NANOS) {
              blockedSince = -1L;
              stall = release();
              break;
            }
            awaitWork(STALL_POLL_NANOS);
          }
        }
      } finally {
        lock.unlock();
      }
      if (resume != null) {
        for (Thread t : resume) {
          LockSupport.unpark(t);
        }
        continue;
      }
      if (runHooks) {
        runIdleHooks();
        continue;
      }
      if (stall != null) {
        // Warned in full once per scheduler; every release is counted in foreignWakeups.
        LOG.log(stallWarned ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING, stall);
        stallWarned = true;
        continue;
      }
      try {
        next.run();
      } catch (Throwable t) {
        // A continuation does not throw; if the JDK ever does, keep the carrier alive for the other tasks.
        LOG.log(System.Logger.Level.ERROR, "continuation failed on deterministic carrier", t);
      } finally {
        running = 0;
      }
    }
  }

  private void awaitWork(long nanos) {
    try {
      work.awaitNanos(nanos);
    } catch (InterruptedException e) {
      // The carrier is never interrupted by Weft; a stray interrupt only shortens this poll.
    }
  }

  /**
   * Removes the outside waits whose condition holds, in registration order, marks them resumed and returns
   * their threads to unpark (outside the lock), or null if none. Holds the lock.
   */
  private List<Thread> resumeSatisfied() {
    List<Thread> resume = null;
    for (int i = 0; i < waits.size(); ) {
      OutsideWait w = waits.get(i);
      if (w.done.getAsBoolean()) {
        waits.remove(i);
        w.resumed = true;
        if (resume == null) {
          resume = new ArrayList<>(1);
        }
        resume.add(w.thread);
      } else {
        i++;
      }
    }
    return resume;
  }

  /** Remembers an outside thread for the stall fallback; forgets ended ones. Holds the lock. */
  private void noteOutsider(Thread t) {
    for (int i = 0; i < outsiders.size(); i++) {
      if (outsiders.get(i) == t) {
        return;
      }
    }
    outsiders.removeIf(o -> o.getState() == Thread.State.TERMINATED);
    outsiders.add(t);
  }

  /** Whether no known outside thread is runnable (each is blocked, waiting or ended). Holds the lock. */
  private boolean outsidersBlocked() {
    for (Thread t : outsiders) {
      if (t.getState() == Thread.State.RUNNABLE || t.getState() == Thread.State.NEW) {
        return false;
      }
    }
    return true;
  }

  /** Opens the gate for the stall fallback, counts it and returns the warning. Holds the lock. */
  private String release() {
    released = true;
    foreignWakeups++;
    StringBuilder sb = new StringBuilder();
    sb.append("Deterministic scheduler '").append(name).append("' (seed ").append(seed).append("): ")
        .append(size()).append(" continuation(s) ready and ").append(timers.size())
        .append(" timer(s) pending, but no thread outside the scheduler waits on it, and every outside thread")
        .append(" it knows has been blocked elsewhere for ").append(STALL_GRACE_NANOS / 1_000_000L)
        .append(" ms:");
    for (Thread t : outsiders) {
      sb.append("\n  \"").append(t.getName()).append("\" ").append(t.getState());
      Object blocker = LockSupport.getBlocker(t);
      if (blocker != null) {
        sb.append(" on ").append(blocker.getClass().getName());
      }
      StackTraceElement[] stack = t.getStackTrace();
      for (int i = 0; i < Math.min(stack.length, 8); i++) {
        sb.append("\n      at ").append(stack[i]);
      }
    }
    if (outsiders.isEmpty()) {
      sb.append("\n  (no outside thread is alive)");
    }
    sb.append("\nTasks spawned from outside run only while an outside thread waits on the scheduler")
        .append(" (Task.join, Scheduler.close, Scheduler.sleep, a QueryEngine read). Running them now,")
        .append(" without that wait: this run may not replay from its seed.");
    String message = sb.toString();
    if (strict && strictFailure == null) {
      strictFailure = new IllegalStateException(message);
    }
    outsiders.removeIf(o -> o.getState() == Thread.State.TERMINATED);
    return message;
  }

  /**
   * Waits, on a thread outside the scheduler, until {@code done} holds, running tasks meanwhile. Returns
   * false if interrupted first (the interrupt status is then set and the wait withdrawn).
   */
  private boolean awaitOutside(BooleanSupplier done) {
    Thread me = Thread.currentThread();
    OutsideWait w = new OutsideWait(me, done);
    acquire();
    try {
      noteOutsider(me);
      if (done.getAsBoolean()) {
        return true;
      }
      waits.add(w);
      released = false; // an exact wait again: the gate closes when it is satisfied
      work.signal();
    } finally {
      lock.unlock();
    }
    boolean interrupted = false;
    try {
      while (!w.resumed) {
        LockSupport.park(this);
        if (Thread.interrupted()) {
          interrupted = true;
          acquire();
          try {
            if (!w.resumed) {
              waits.remove(w);
              return false;
            }
          } finally {
            lock.unlock();
          }
        }
      }
      return true;
    } finally {
      if (interrupted) {
        me.interrupt();
      }
    }
  }

  @Override
  boolean awaitJoin(TaskImpl<?> task) {
    return owns(Thread.currentThread()) || awaitOutside(task::isDone);
  }

  @Override
  boolean awaitNoTasks() {
    boolean interrupted = false;
    while (!awaitOutside(() -> alive() == 0)) {
      Thread.interrupted();
      interrupted = true;
    }
    return interrupted;
  }

  private int size() {
    return ready.size() - head;
  }

  private Runnable pick() {
    Runnable r;
    if (seed == 0) {
      r = ready.set(head, null);
      head++;
      if (head == ready.size()) {
        ready.clear();
        head = 0;
      }
      return r;
    }
    int i = (int) Long.remainderUnsigned(nextRandom(), ready.size());
    int last = ready.size() - 1;
    r = ready.get(i);
    ready.set(i, ready.get(last));
    ready.remove(last);
    return r;
  }

  private long nextRandom() {
    long z = (state += 0x9E3779B97F4A7C15L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private void advanceClock() {
    long deadline = timers.peek().deadline;
    nowNanos = Math.max(nowNanos, deadline);
    while (!timers.isEmpty() && timers.peek().deadline == deadline) {
      Timer t = timers.poll();
      t.fired[0] = true;
      if (!owns(t.thread)) {
        continue; // an outside sleeper: resumeSatisfied() wakes it, after the tasks due now are queued
      }
      // Unparking from the carrier itself submits through execute() as a local (non-foreign) wakeup.
      lock.unlock();
      try {
        LockSupport.unpark(t.thread);
      } finally {
        acquire();
      }
    }
  }

  @Override
  public void sleep(Duration duration) {
    boolean inside = owns(Thread.currentThread());
    if (duration.isNegative() || duration.isZero()) {
      if (inside) {
        Thread.yield();
      }
      return;
    }
    long nanos = saturatedNanos(duration);
    boolean[] fired = new boolean[1];
    Timer timer;
    acquire();
    try {
      long deadline = nowNanos + nanos < nowNanos ? Long.MAX_VALUE : nowNanos + nanos;
      timer = new Timer(deadline, timerSequence++, Thread.currentThread(), fired);
      timers.add(timer);
    } finally {
      lock.unlock();
    }
    if (!inside) {
      // An outside sleeper waits through the gate: the tasks run, and the clock moves when none can.
      if (!awaitOutside(() -> fired[0])) {
        cancelTimer(timer);
      }
      return;
    }
    while (true) {
      acquire();
      try {
        if (fired[0]) {
          return;
        }
      } finally {
        lock.unlock();
      }
      LockSupport.park(this);
      if (Thread.interrupted()) {
        cancelTimer(timer);
      }
    }
  }

  /** Withdraws an interrupted sleep's timer unless it fired, and throws. */
  private void cancelTimer(Timer timer) {
    acquire();
    try {
      if (!timer.fired[0]) {
        timers.remove(timer);
      }
    } finally {
      lock.unlock();
    }
    Thread.currentThread().interrupt();
    throw new CancellationException("interrupted while sleeping on the virtual clock");
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  @Override
  public Instant now() {
    long n = nowNanos;
    return Instant.ofEpochSecond(n / 1_000_000_000L, n % 1_000_000_000L);
  }

  @Override
  public boolean owns(Thread thread) {
    return VirtualThreads.schedulerOf(thread) == this;
  }

  @Override
  public boolean isDeterministic() {
    return true;
  }

  @Override
  public SchedulerStats stats() {
    long spawned = this.spawned.get();
    long completed = this.completed.get();
    int queued;
    acquire();
    try {
      queued = size();
    } finally {
      lock.unlock();
    }
    int run = running;
    long alive = spawned - completed;
    int blocked = (int) Math.max(0, alive - run - queued);
    return new SchedulerStats(1, spawned, completed, run, queued, blocked, foreignWakeups, true, true);
  }

  @Override
  void stopCarriers() {
    acquire();
    try {
      stopping = true;
      work.signalAll();
    } finally {
      lock.unlock();
    }
    if (Thread.currentThread() != carrier) {
      try {
        carrier.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  void checkStrict() {
    IllegalStateException failure = strictFailure;
    if (failure != null) {
      throw new IllegalStateException(failure.getMessage(), failure);
    }
  }
}
