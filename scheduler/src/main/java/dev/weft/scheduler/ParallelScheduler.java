package dev.weft.scheduler;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Virtual threads on a {@link ForkJoinPool} of a fixed number of carriers owned by this scheduler, or, as a
 * GNU make jobserver client, on {@link JobserverCarriers} that run only while they hold a job token.
 *
 * <p>The pool runs in async (FIFO) mode like the JDK's own virtual-thread scheduler. {@code execute} is
 * called by the JDK from any thread, pinned virtual threads included, and a fork-join pool's {@code execute}
 * is thread-safe and never blocks (so is the jobserver carriers'). Timed parks on these threads use the pool's
 * own delay scheduler (the JDK's shared one for the jobserver carriers). A carrier runs what it submits itself
 * before what comes from outside; every {@link #SHARED_EVERY} continuations it takes one task from the shared
 * queues, so that work from outside never waits behind its own without end ({@link CarrierPool}).
 *
 * <p>Carriers start with work, as the pool starts workers, except that the first spawn from outside the pool
 * also starts the ones not yet started, on the spawning thread while the first runs the task ({@link #start}).
 *
 * <p>Without {@link Scheduler#ADD_OPENS} the JDK's default scheduler is used instead (one warning logged,
 * and a jobserver is ignored: the JDK's carriers cannot be made to wait for tokens).
 */
final class ParallelScheduler extends AbstractScheduler {
  private final CarrierPool pool;
  private final JobserverCarriers jobserverCarriers;
  /** What the virtual threads submit to: the pool, or with a watchdog a wrapper counting submissions. */
  private final Executor executor;
  private final int carriers;

  ParallelScheduler(String name, int carriers, boolean watched, Jobserver jobserver) {
    super(name, watched);
    if (VirtualThreads.available() && jobserver.isPresent()) {
      this.pool = null;
      this.jobserverCarriers = new JobserverCarriers(name, carriers, jobserver, () -> {
        if (idleHooks) {
          runIdleHooks();
        }
      });
      this.carriers = carriers;
      JobserverCarriers j = jobserverCarriers;
      this.executor = watched ? r -> {
        progress.increment();
        j.execute(r);
      } : j;
      threads(VirtualThreads.factory(executor));
    } else if (VirtualThreads.available()) {
      this.jobserverCarriers = null;
      AtomicInteger index = new AtomicInteger();
      this.pool = new CarrierPool(carriers, p -> {
        ForkJoinWorkerThread t = new Carrier(p, this);
        t.setName(name + "-carrier-" + index.getAndIncrement());
        t.setDaemon(true);
        return t;
      });
      this.carriers = carriers;
      // With a watchdog, every submission (start, unpark, yield) counts as progress. Every continuation runs
      // through a wrapper that, when it leaves the carrier with nothing queued, runs the idle hooks.
      ForkJoinPool p = pool;
      this.executor = watched ? r -> {
        progress.increment();
        p.execute(new Hooked(r));
      } : r -> p.execute(new Hooked(r));
      threads(VirtualThreads.factory(executor));
    } else {
      VirtualThreads.warnFallback(name);
      this.jobserverCarriers = null;
      this.pool = null;
      this.executor = null;
      this.carriers = Runtime.getRuntime().availableProcessors();
      threads(Thread.ofVirtual().factory());
    }
  }

  /**
   * The fork-join pool of the carriers, which lets a carrier take a task from the shared queues. The pool
   * pushes what a carrier submits (a wakeup, a spawn, a yield) on that carrier's own queue, and a carrier
   * empties its own queue, and then keeps taking from the queue it last took from, before it looks at the other
   * shared ones, where submissions from outside the pool wait (a root read from a platform thread, a timed
   * park's wakeup). Two threads handing work back and forth, or one that yields in a loop, would keep those
   * waiting forever on a single carrier; so every {@link #SHARED_EVERY} continuations a carrier takes one from
   * a shared queue picked at random ({@link Hooked}).
   */
  private static final class CarrierPool extends ForkJoinPool {
    CarrierPool(int carriers, ForkJoinWorkerThreadFactory factory) {
      super(carriers, factory, null, true, 0, carriers, 1, null, 30, TimeUnit.SECONDS);
    }

    ForkJoinTask<?> takeSubmission() {
      return pollSubmission();
    }
  }

  /** How many continuations a carrier runs between two looks at the pool's shared queues. */
  static final int SHARED_EVERY = 64;

  /**
   * A continuation run that, when it yields the carrier with nothing else queued, runs the idle hooks. A plain
   * Runnable on purpose: the pool wraps it in its interruptible task, which clears the carrier's interrupt and
   * makes a push signal an idle carrier; a bare {@code ForkJoinTask} gets neither (the pool expects its
   * joiner to run it), and a continuation queued behind a busy carrier then waits while another idles.
   */
  private final class Hooked implements Runnable {
    private final Runnable continuation;

    Hooked(Runnable continuation) {
      this.continuation = continuation;
    }

    @Override
    public void run() {
      Carrier c = Thread.currentThread() instanceof Carrier x ? x : null;
      if (c != null) {
        Carrier.BUSY.setOpaque(c, true);
      }
      try {
        continuation.run();
      } finally {
        if (c != null) {
          Carrier.BUSY.setOpaque(c, false);
        }
      }
      if (c != null && ++c.runs >= SHARED_EVERY) {
        c.runs = 0;
        ForkJoinTask<?> waiting = pool.takeSubmission();
        if (waiting != null) {
          waiting.quietlyInvoke(); // a continuation wrapped by the pool: it runs here, and never throws
        }
      }
      if (idleHooks && pool.getQueuedSubmissionCount() == 0 && pool.getQueuedTaskCount() == 0) {
        runIdleHooks();
      }
    }
  }

  /**
   * A carrier of the pool, which says whether it runs a continuation now ({@code busy}, written by itself
   * only, with opaque stores: a hint others read racily). The pool's own active count also counts a worker
   * that is only looking for work, which is exactly a carrier that could take a new task.
   */
  private static final class Carrier extends ForkJoinWorkerThread {
    static final VarHandle BUSY;

    static {
      try {
        BUSY = MethodHandles.lookup().findVarHandle(Carrier.class, "busy", boolean.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final ParallelScheduler owner;
    @SuppressWarnings("unused") // through BUSY
    private boolean busy;
    /** Continuations run since this carrier last looked at the shared queues; its own thread's only. */
    int runs;

    Carrier(ForkJoinPool pool, ParallelScheduler owner) {
      super(pool);
      this.owner = owner;
    }

    @Override
    protected void onStart() {
      super.onStart();
      owner.carrierStarted(this);
    }

    @Override
    protected void onTermination(Throwable exception) {
      owner.carrierEnded(this);
      super.onTermination(exception);
    }
  }

  /** The pool's carriers alive; replaced whole, under {@code carrierLock}, when one starts or ends. */
  private volatile Carrier[] carrierThreads = new Carrier[0];
  private final Object carrierLock = new Object();

  private void carrierStarted(Carrier c) {
    synchronized (carrierLock) {
      Carrier[] now = java.util.Arrays.copyOf(carrierThreads, carrierThreads.length + 1);
      now[now.length - 1] = c;
      carrierThreads = now;
    }
  }

  private void carrierEnded(Carrier c) {
    synchronized (carrierLock) {
      carrierThreads = java.util.Arrays.stream(carrierThreads).filter(x -> x != c).toArray(Carrier[]::new);
    }
  }

  /** Set once a spawn from outside the pool has started the carriers not yet started. */
  private final AtomicBoolean carriersStarted = new AtomicBoolean();

  /**
   * Starts a task's thread; the first spawn from outside the pool (a root read, typically, whose caller waits
   * next) then starts the carriers the pool has not started yet, on the caller's thread while the first
   * carrier runs the task. Otherwise the pool starts one when a task first fans out, and that task's carrier
   * pays the thread's start (a few hundred microseconds on a small machine) in the middle of its work.
   */
  @Override
  void start(Thread thread) {
    thread.start();
    if (pool != null && carrierThreads.length < carriers && !carriersStarted.get()
        && !owns(Thread.currentThread()) && carriersStarted.compareAndSet(false, true)) {
      try {
        for (int i = pool.getPoolSize(); i < carriers; i++) {
          pool.execute(new Hooked(() -> {})); // a pool starts a worker for queued work while none is idle
        }
      } catch (RejectedExecutionException closedMeanwhile) {
        // the task has run and the scheduler was closed since: it needs no more carriers, and the task's start
        // must not be reported as failed
      }
    }
  }

  @Override
  public boolean mayHaveIdleCarrier() {
    if (pool == null) {
      return true;
    }
    Carrier[] cs = carrierThreads;
    if (cs.length < carriers) {
      return true; // a carrier not started yet (or ended after its keep-alive): new work starts one
    }
    for (Carrier c : cs) {
      if (!(boolean) Carrier.BUSY.getOpaque(c)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void sleep(Duration duration) {
    sleepReal(duration);
  }

  @Override
  public Instant now() {
    return Instant.now();
  }

  @Override
  public boolean owns(Thread thread) {
    if (executor == null) {
      return thread.isVirtual();
    }
    return VirtualThreads.schedulerOf(thread) == executor;
  }

  @Override
  public boolean isDeterministic() {
    return false;
  }

  @Override
  public SchedulerStats stats() {
    long spawned = this.spawned.get();
    long completed = this.completed.get();
    if (executor == null) {
      return new SchedulerStats(carriers, spawned, completed, 0, 0, 0, 0, false, false);
    }
    int running;
    long queued;
    if (jobserverCarriers != null) {
      running = jobserverCarriers.running();
      queued = jobserverCarriers.queued();
    } else {
      running = pool.getActiveThreadCount();
      queued = pool.getQueuedSubmissionCount() + pool.getQueuedTaskCount();
    }
    long alive = spawned - completed;
    int blocked = (int) Math.max(0, alive - running - queued);
    return new SchedulerStats(carriers, spawned, completed, running, (int) queued, blocked, 0, false, true);
  }

  @Override
  void stopCarriers() {
    if (pool != null) {
      pool.shutdown();
    }
    if (jobserverCarriers != null) {
      jobserverCarriers.shutdown(); // waits until every token is returned
    }
  }
}
