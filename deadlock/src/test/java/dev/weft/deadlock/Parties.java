package dev.weft.deadlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntFunction;

/**
 * Runs a group of test threads and joins them all: a failure in any thread reaches the test, and a thread
 * that does not finish in time fails the test with the stacks of every thread of the group.
 */
final class Parties {
  /** Upper bound for one group; scale with {@code -Dweft.test.timeoutScale}. */
  static final Duration JOIN_TIMEOUT =
      Duration.ofSeconds(20).multipliedBy(Long.getLong("weft.test.timeoutScale", 1L));

  enum Kind {
    VIRTUAL,
    PLATFORM,
    /** Even parties virtual, odd ones platform. */
    MIXED;

    Thread.Builder builder(int i) {
      boolean virtual = this == VIRTUAL || (this == MIXED && i % 2 == 0);
      return virtual ? Thread.ofVirtual() : Thread.ofPlatform().daemon(true);
    }
  }

  private Parties() {}

  /** Starts {@code n} threads named {@code prefix-i} running {@code body.apply(i)} and returns their results. */
  static <T> List<T> run(Kind kind, String prefix, int n, IntFunction<Callable<T>> body) {
    List<Thread> threads = new ArrayList<>(n);
    AtomicReferenceArray<T> results = new AtomicReferenceArray<>(n);
    AtomicReferenceArray<Throwable> failures = new AtomicReferenceArray<>(n);
    for (int i = 0; i < n; i++) {
      int index = i;
      Callable<T> c = body.apply(i);
      threads.add(kind.builder(i).name(prefix + "-" + i).unstarted(() -> {
        try {
          results.set(index, c.call());
        } catch (Throwable t) {
          failures.set(index, t);
        }
      }));
    }
    threads.forEach(Thread::start);
    joinAll(threads);
    AssertionError failure = null;
    for (int i = 0; i < n; i++) {
      Throwable t = failures.get(i);
      if (t != null) {
        if (failure == null) {
          failure = new AssertionError(prefix + "-" + i + " failed", t);
        } else {
          failure.addSuppressed(t);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
    List<T> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(results.get(i));
    }
    return out;
  }

  /** Joins every thread within {@link #JOIN_TIMEOUT}; on timeout fails with all their stacks. */
  static void joinAll(List<Thread> threads) {
    long deadline = System.nanoTime() + JOIN_TIMEOUT.toNanos();
    for (Thread t : threads) {
      long remaining = deadline - System.nanoTime();
      try {
        if (remaining <= 0 || !t.join(Duration.ofNanos(remaining))) {
          throw new AssertionError("threads did not finish in " + JOIN_TIMEOUT + ":\n" + dump(threads));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while joining", e);
      }
    }
  }

  static String dump(List<Thread> threads) {
    StringBuilder sb = new StringBuilder();
    for (Thread t : threads) {
      sb.append('"').append(t.getName()).append("\" ").append(t.getState());
      Object blocker = java.util.concurrent.locks.LockSupport.getBlocker(t);
      if (blocker != null) {
        sb.append(" on ").append(blocker);
      }
      sb.append('\n');
      for (StackTraceElement e : t.getStackTrace()) {
        sb.append("    at ").append(e).append('\n');
      }
    }
    sb.append("wait-for graph: ").append(TrackedLock.waitForGraph().edges());
    return sb.toString();
  }
}
