package dev.weft.query;

import dev.weft.scheduler.Scheduler;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * Runs an action for every index of {@code [0, n)} on the calling thread and on a few helper tasks of a
 * scheduler, in chunks claimed from a shared counter; returns when every claimed chunk is done. A
 * {@link Persistence#checkpoint checkpoint} builds its traces with it.
 *
 * <p><b>Implementation overview.</b> {@code next} is the first index not yet claimed; {@code done} counts the
 * chunks not yet finished (one count per chunk of {@code [0, n)}). Whoever claims a chunk (the caller or a
 * helper) finishes it, running the action or, after a failure, skipping it, and counts it down. The caller
 * claims chunks until none is left, so it never waits for a chunk that nobody has claimed: the work completes
 * even if no helper ever starts (a scheduler busy with evaluations, or closed), and the caller then waits only
 * for chunks that helpers are running. The actions do not block (encoding and hashing), so those finish. A
 * helper that starts late finds nothing to claim and ends. The first throwable of an action stops further
 * actions and is rethrown to the caller as it was thrown, after the claimed chunks are done, so that nothing
 * runs on behalf of a call that has returned.
 */
final class Chunks {
  private final int n;
  private final int chunk;
  private final IntConsumer action;
  private final AtomicInteger next = new AtomicInteger();
  private final CountDownLatch done;
  private final AtomicReference<Throwable> failure = new AtomicReference<>();

  private Chunks(int n, int chunk, IntConsumer action) {
    this.n = n;
    this.chunk = chunk;
    this.action = action;
    this.done = new CountDownLatch((int) ((n + (long) chunk - 1) / chunk));
  }

  /**
   * Runs {@code action} for each index of {@code [0, n)}, on this thread and on at most {@code helpers} tasks
   * spawned on {@code scheduler}, {@code chunk} indexes at a time.
   *
   * @throws RuntimeException or {@link Error}: the first one an action threw (the other indexes may or may
   *     not have run)
   */
  static void run(Scheduler scheduler, int helpers, int n, int chunk, IntConsumer action) {
    Chunks c = new Chunks(n, chunk, action);
    int useful = (int) Math.min(helpers, (n + (long) chunk - 1) / chunk - 1);
    for (int i = 0; i < useful; i++) {
      try {
        scheduler.spawn("weft-checkpoint-" + i, () -> {
          c.work();
          return null;
        });
      } catch (RuntimeException e) {
        break; // closed, or refusing tasks: the caller does the rest
      }
    }
    c.work();
    c.awaitClaimed();
    Throwable t = c.failure.get();
    if (t instanceof RuntimeException r) {
      throw r;
    }
    if (t instanceof Error e) {
      throw e;
    }
  }

  private void work() {
    for (int from; (from = claim()) < n; ) {
      try {
        if (failure.get() == null) {
          int to = (int) Math.min(n, (long) from + chunk);
          for (int i = from; i < to; i++) {
            action.accept(i);
          }
        }
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
      } finally {
        done.countDown();
      }
    }
  }

  private int claim() {
    int from = next.get();
    while (from < n && !next.compareAndSet(from, (int) Math.min(n, (long) from + chunk))) {
      from = next.get();
    }
    return from;
  }

  /** Waits for the chunks helpers claimed; an interrupt is kept for the caller, not acted on. */
  private void awaitClaimed() {
    boolean interrupted = false;
    while (true) {
      try {
        done.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
