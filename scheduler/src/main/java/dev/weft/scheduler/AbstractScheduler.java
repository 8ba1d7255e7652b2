package dev.weft.scheduler;

import dev.weft.scheduler.internal.IdleHooks;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.weft.deadlock.StallReport;
import dev.weft.deadlock.TrackedLock;
import dev.weft.deadlock.Watchdog;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Task bookkeeping shared by both kinds of scheduler.
 *
 * <p>States: open → closing (spawn refused, waiting for live tasks) → closed (carriers stopped). A task is
 * counted twice on its way out: {@code completed} before its outcome is published (so a joiner sees it in
 * {@link #stats()}), {@code exited} after (so {@link #close} returns only once every task {@link Task#isDone()}).
 * The live count for closing is {@code spawned - exited}; {@link #close} waits until it is zero: it parks and each
 * exiting task unparks the closer, or, in deterministic mode, it waits through the scheduler's gate
 * ({@link #awaitNoTasks}), since the tasks run only while an outside thread waits. Tasks never take a lock here: on the deterministic carrier a task queued behind a
 * lock held by the (platform) closer would be woken by that thread, a foreign wakeup. A task spawned
 * by a task while closing is still accepted: its parent is alive, so the scheduler is not quiet yet, and
 * refusing it would fail work that {@code close} promised to wait for.
 */
abstract class AbstractScheduler implements Scheduler, IdleHooks {
  final String name;
  /** Run by a carrier about to go idle ({@link IdleHooks}); {@code idleHooks} says whether any is registered. */
  private final CopyOnWriteArrayList<Runnable> idle = new CopyOnWriteArrayList<>();
  volatile boolean idleHooks;
  final AtomicLong spawned = new AtomicLong();
  final AtomicLong completed = new AtomicLong();
  // Counted after a task's outcome is published, so exited <= completed.
  private final AtomicLong exited = new AtomicLong();
  private final ReentrantLock lock = new ReentrantLock(); // serializes closers only
  private volatile Thread closer;
  private volatile boolean closing;
  private volatile boolean closed;
  private ThreadFactory threads;
  // Only with a watchdog: live task threads and a counter of starts, ends and wakeups.
  final Set<Thread> live;
  final LongAdder progress;
  private Watchdog watchdog;

  AbstractScheduler(String name, boolean watched) {
    this.name = name;
    this.live = watched ? ConcurrentHashMap.newKeySet() : null;
    this.progress = watched ? new LongAdder() : null;
  }

  final void startWatchdog(Duration quietPeriod,
      Consumer<? super StallReport> listener) {
    watchdog = Watchdog.builder()
        .name(name + "-watchdog")
        .quietPeriod(quietPeriod)
        .threads(() -> live)
        .progress(progress::sum)
        .graph(TrackedLock.waitForGraph())
        .listener(listener)
        .start();
  }

  @Override
  public final AutoCloseable onIdle(Runnable hook) {
    Objects.requireNonNull(hook, "hook");
    idle.add(hook);
    idleHooks = true;
    return () -> {
      idle.remove(hook);
      idleHooks = !idle.isEmpty();
    };
  }

  /** Runs the idle hooks on the calling carrier; a hook that throws is logged and does not stop the carrier. */
  final void runIdleHooks() {
    for (Runnable h : idle) {
      try {
        h.run();
      } catch (RuntimeException | Error e) {
        System.getLogger("dev.weft.scheduler").log(System.Logger.Level.ERROR, "idle hook of scheduler '" + name
            + "' failed", e);
      }
    }
  }

  /** Called once by the subclass constructor when its executor exists. */
  final void threads(ThreadFactory threads) {
    this.threads = threads;
  }

  @Override
  public final <T> Task<T> spawn(String taskName, Callable<T> body) {
    Objects.requireNonNull(taskName, "name");
    Objects.requireNonNull(body, "body");
    if (closing && !owns(Thread.currentThread())) {
      throw new IllegalStateException("scheduler '" + name + "' is closed; cannot spawn '" + taskName + "'");
    }
    TaskImpl<T> task = new TaskImpl<>(taskName, body, this);
    Thread thread = threads.newThread(task::run);
    thread.setName(taskName);
    task.bind(thread);
    if (live != null) {
      live.add(thread);
      progress.increment();
    }
    spawned.incrementAndGet();
    try {
      start(thread);
    } catch (RuntimeException | Error e) {
      if (live != null) {
        live.remove(thread);
      }
      completed.incrementAndGet();
      exited.incrementAndGet();
      throw e;
    }
    return task;
  }

  /** The task's outcome is recorded but not yet published: counted as completed in {@link #stats()}. */
  final void taskCompleting() {
    if (live != null) {
      live.remove(Thread.currentThread());
      progress.increment();
    }
    completed.incrementAndGet();
  }

  /** The task's outcome is published: {@link #close} may stop waiting for it. */
  final void taskExited() {
    exited.incrementAndGet();
    Thread c = closer; // volatile write of exited, then read of closer: pairs with close()
    if (c != null) {
      LockSupport.unpark(c);
    }
  }

  /** Tasks whose outcome is not yet published; {@link #close} waits for this to reach zero. */
  final long alive() {
    return spawned.get() - exited.get();
  }

  @Override
  public final void close() {
    if (closed) {
      return;
    }
    if (owns(Thread.currentThread())) {
      throw new IllegalStateException("scheduler '" + name + "' cannot be closed from one of its own tasks");
    }
    lock.lock();
    try {
      closing = true;
      if (awaitNoTasks()) {
        Thread.currentThread().interrupt();
      }
      if (closed) {
        return;
      }
      closed = true;
    } finally {
      lock.unlock();
    }
    if (watchdog != null) {
      watchdog.close();
    }
    stopCarriers();
    checkStrict();
  }

  /**
   * Parks the closer until every task has exited, ignoring interrupts; returns whether it was interrupted.
   * Deterministic mode waits through its gate instead, so that the tasks run while the closer waits.
   */
  boolean awaitNoTasks() {
    closer = Thread.currentThread();
    boolean interrupted = false;
    while (alive() > 0) {
      LockSupport.park(this);
      if (Thread.interrupted()) {
        interrupted = true;
      }
    }
    closer = null;
    return interrupted;
  }

  /**
   * Called by {@link Task#join} before it waits for {@code task}. Deterministic mode makes a thread outside
   * the scheduler wait here, running tasks until the task is done; returns false if the wait was interrupted
   * (the interrupt status is then set). Other kinds of scheduler return at once.
   */
  boolean awaitJoin(TaskImpl<?> task) {
    return true;
  }

  /** Starts a task's thread; deterministic mode marks starts from outside as entry points, not wakeups. */
  void start(Thread thread) {
    thread.start();
  }

  /** Stops the carrier threads once every task has finished. */
  abstract void stopCarriers();

  /** Throws if a strict deterministic run saw a foreign wakeup. */
  void checkStrict() {}

  static void sleepReal(Duration duration) {
    if (duration.isNegative() || duration.isZero()) {
      return;
    }
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      CancellationException ce = new CancellationException("interrupted while sleeping");
      ce.initCause(e);
      throw ce;
    }
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + name + ", " + stats() + "]";
  }
}
