package dev.weft.srctest.support;

import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waiting for a scheduler's tasks from a test's thread. A deterministic scheduler runs tasks spawned from
 * outside only while a thread outside it waits on it ({@code Task.join}, {@code close}); these helpers always
 * wait that way, so a strict deterministic run sees no wakeup from outside and replays from its seed.
 */
public final class Waits {
  private Waits() {}

  /** Returns once {@code condition} holds, checked by a task of {@code s} that yields between checks. */
  public static void until(Scheduler s, BooleanSupplier condition) {
    s.spawn("until", () -> {
      while (!condition.getAsBoolean()) {
        Thread.yield();
      }
      return null;
    }).join();
  }

  /**
   * Joins {@code task}; if it does not end within {@code timeout}, fails with {@code describe}'s text (read
   * while the task is still stuck, for the wait-for graph or the stacks).
   */
  public static <T> T join(Task<T> task, Duration timeout, Supplier<String> describe) {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicReference<T> value = new AtomicReference<>();
    Thread joiner = Thread.ofPlatform().daemon(true).name("join-" + task.name()).start(() -> {
      try {
        value.set(task.join());
      } catch (Throwable t) {
        failure.set(t);
      }
    });
    boolean ended;
    try {
      ended = joiner.join(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while joining " + task.name(), e);
    }
    if (!ended) {
      throw new AssertionError(task.name() + " did not end within " + timeout + ": " + describe.get());
    }
    Throwable t = failure.get();
    if (t instanceof RuntimeException re) {
      throw re;
    }
    if (t instanceof Error err) {
      throw err;
    }
    return value.get();
  }

  /** Waits, within {@code timeout}, for {@code latch}: through a task of {@code s} that awaits it. */
  public static void await(Scheduler s, CountDownLatch latch, Duration timeout, Supplier<String> describe) {
    join(s.spawn("await-latch", () -> {
      latch.await();
      return null;
    }), timeout, describe);
  }
}
