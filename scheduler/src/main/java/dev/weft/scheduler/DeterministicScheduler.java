package dev.weft.scheduler;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.PriorityQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

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
 * When the ready list is empty the carrier advances {@link #now} to the earliest deadline and wakes every
 * timer due then, in registration order. Time therefore moves only when no task can run.
 *
 * <p><b>Entry points.</b> A task spawned from outside the scheduler (a test's main thread, a platform thread
 * calling a query engine) is an entry point, not a foreign wakeup. Its position relative to tasks already
 * running depends on when it arrives, so a run is exactly reproducible when it is started by one entry
 * point (or by several while the scheduler is idle) and everything else is spawned from inside.
 *
 * <p><b>Foreign wakeups.</b> A continuation submitted by a thread other than the carrier (the JDK's timer
 * threads after a timed {@code Thread.sleep}, the monitor unblocker, I/O pollers) arrives at a moment the
 * program does not control. It is still run (dropping it would hang the task), but it is counted, warned
 * about once, and in strict mode recorded as a failure reported by {@link Task#join} and {@link #close}.
 *
 * <p><b>Invariants.</b> {@code ready} and {@code timers} are guarded by {@code lock}. The carrier never runs
 * a continuation while holding {@code lock}, so a continuation may call {@link #execute} or {@link #sleep}.
 * Code on the carrier (the loop, or a task mounted on it) never queues for {@code lock}: it barges with
 * {@code tryLock} and spins ({@link #acquire}). Queueing would deadlock when a platform thread holds the lock:
 * a task parked in the lock's queue unmounts, the loop queues behind it, and the release wakes only the task,
 * which needs the loop to run. Spinning also keeps such contention from reordering tasks. Holders never
 * park, so the spin is as short as the outside holder's critical section.
 * The carrier waits on {@code work} only when the ready list and the timers are both empty; it is signalled
 * by foreign submissions and by {@link #stopCarriers}.
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
  // written under lock, read racily by stats()
  private volatile long nowNanos;
  private volatile long foreignWakeups;
  private volatile int running;
  private volatile IllegalStateException strictFailure;
  private boolean warned;
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
    while (true) {
      Runnable next;
      acquire();
      try {
        while (true) {
          if (size() > 0) {
            next = pick();
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
        }
        running = 1;
      } finally {
        lock.unlock();
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
    if (duration.isNegative() || duration.isZero()) {
      if (owns(Thread.currentThread())) {
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
      work.signal(); // a platform thread sleeping on the virtual clock may be the only waiter
    } finally {
      lock.unlock();
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
        acquire();
        try {
          if (!fired[0]) {
            timers.remove(timer);
          }
        } finally {
          lock.unlock();
        }
        Thread.currentThread().interrupt();
        throw new CancellationException("interrupted while sleeping on the virtual clock");
      }
    }
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
