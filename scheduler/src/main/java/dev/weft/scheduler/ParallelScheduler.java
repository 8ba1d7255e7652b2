package dev.weft.scheduler;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Virtual threads on a {@link ForkJoinPool} of a fixed number of carriers owned by this scheduler.
 *
 * <p>The pool runs in async (FIFO) mode like the JDK's own virtual-thread scheduler. {@code execute} is
 * called by the JDK from any thread, pinned virtual threads included, and a fork-join pool's {@code execute}
 * is thread-safe and never blocks. Timed parks on these threads use the pool's own delay scheduler.
 *
 * <p>Without {@link Scheduler#ADD_OPENS} the JDK's default scheduler is used instead (one warning logged).
 */
final class ParallelScheduler extends AbstractScheduler {
  private final ForkJoinPool pool;
  /** What the virtual threads submit to: the pool, or with a watchdog a wrapper counting submissions. */
  private final Executor executor;
  private final int carriers;

  ParallelScheduler(String name, int carriers, boolean watched) {
    super(name, watched);
    if (VirtualThreads.available()) {
      AtomicInteger index = new AtomicInteger();
      this.pool = new ForkJoinPool(carriers, p -> {
        ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
        t.setName(name + "-carrier-" + index.getAndIncrement());
        t.setDaemon(true);
        return t;
      }, null, true, 0, carriers, 1, null, 30, TimeUnit.SECONDS);
      this.carriers = carriers;
      // With a watchdog, every submission (start, unpark, yield) counts as progress.
      ForkJoinPool p = pool;
      this.executor = watched ? r -> {
        progress.increment();
        p.execute(r);
      } : pool;
      threads(VirtualThreads.factory(executor));
    } else {
      VirtualThreads.warnFallback(name);
      this.pool = null;
      this.executor = null;
      this.carriers = Runtime.getRuntime().availableProcessors();
      threads(Thread.ofVirtual().factory());
    }
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
    if (pool == null) {
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
    if (pool == null) {
      return new SchedulerStats(carriers, spawned, completed, 0, 0, 0, 0, false, false);
    }
    int running = pool.getActiveThreadCount();
    long queued = pool.getQueuedSubmissionCount() + pool.getQueuedTaskCount();
    long alive = spawned - completed;
    int blocked = (int) Math.max(0, alive - running - queued);
    return new SchedulerStats(carriers, spawned, completed, running, (int) queued, blocked, 0, false, true);
  }

  @Override
  void stopCarriers() {
    if (pool != null) {
      pool.shutdown();
    }
  }
}
