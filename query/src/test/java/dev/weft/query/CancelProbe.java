package dev.weft.query;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A query body for cancellation scenarios: its first {@code blocking} executions wait until they are cancelled
 * or released, in one of the ways a body can wait; every later execution returns at once. It records what
 * stopped the waiting executions.
 */
final class CancelProbe {
  /** How a blocking execution waits. */
  enum Wait {
    /**
     * Polls {@link QueryContext#checkCancelled} in a loop. Parallel schedulers only, and no more of them than
     * carriers when other tasks must run meanwhile: it never parks.
     */
    POLLING,
    /** Blocks on a {@link CountDownLatch}, which an interrupt ends. */
    LATCH,
    /** Sleeps an hour on the scheduler's clock, which an interrupt ends. */
    SLEEP
  }

  final Wait how;
  private final int blocking;
  final AtomicInteger calls = new AtomicInteger();
  /** Counted down by each blocking execution once it waits. */
  final CountDownLatch entered;
  /** Counted down by each blocking execution that ended with an exception (it was stopped). */
  final CountDownLatch stopped;
  /** Counted down by each blocking execution that returned normally. */
  final AtomicInteger finished = new AtomicInteger();
  final AtomicReference<Throwable> stoppedBy = new AtomicReference<>();
  /** Lets the blocking executions return normally. */
  final CountDownLatch release = new CountDownLatch(1);

  CancelProbe(Wait how, int blocking) {
    this.how = how;
    this.blocking = blocking;
    this.entered = new CountDownLatch(blocking);
    this.stopped = new CountDownLatch(blocking);
  }

  /** A body returning {@code key * 10}. */
  Query<Integer, Integer> query(String name) {
    return Query.of(name, (ctx, k) -> run(ctx, k * 10));
  }

  Integer run(QueryContext ctx, int value) throws Exception {
    if (calls.incrementAndGet() > blocking) {
      return value;
    }
    entered.countDown();
    try {
      switch (how) {
        case POLLING -> {
          while (release.getCount() > 0) {
            ctx.checkCancelled();
            Thread.yield();
          }
        }
        case LATCH -> release.await();
        case SLEEP -> {
          if (release.getCount() > 0) {
            ctx.scheduler().sleep(Duration.ofHours(1));
          }
        }
      }
      finished.incrementAndGet();
      return value;
    } catch (Exception e) {
      stoppedBy.compareAndSet(null, e);
      stopped.countDown();
      throw e;
    }
  }
}
