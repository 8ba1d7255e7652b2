package dev.weft.deadlock;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link Watchdog} saw when it declared a stall: the edges of the wait-for graphs it watches and every
 * blocked thread with its stack. Immutable.
 *
 * @param watchdog the watchdog's name
 * @param time when the stall was declared (wall clock)
 * @param quietFor how long the progress signal had not changed when the stall was declared
 * @param waitsFor the edges of the watched wait-for graphs, waiter to owner, merged (first graph wins if a
 *     party appears in two); empty if no graph is watched or nothing waits in one
 * @param threads the watched threads that were blocked, in the order the thread source gave them
 */
public record StallReport(
    String watchdog, Instant time, Duration quietFor, Map<Object, Object> waitsFor, List<BlockedThread> threads) {

  public StallReport {
    Objects.requireNonNull(watchdog, "watchdog");
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(quietFor, "quietFor");
    waitsFor = Collections.unmodifiableMap(new LinkedHashMap<>(waitsFor));
    threads = List.copyOf(threads);
  }

  /**
   * One blocked thread.
   *
   * @param name the thread's name (may be empty for an unnamed virtual thread)
   * @param threadId the thread's id, valid only within this JVM run
   * @param virtual whether it is a virtual thread
   * @param state its state when inspected ({@code BLOCKED}, {@code WAITING} or {@code TIMED_WAITING})
   * @param blocker {@code toString()} of {@link java.util.concurrent.locks.LockSupport#getBlocker}, or null
   * @param stack its stack, innermost frame first (empty if the JVM could not provide it)
   */
  public record BlockedThread(
      String name, long threadId, boolean virtual, Thread.State state, String blocker, List<StackTraceElement> stack) {

    public BlockedThread {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(state, "state");
      stack = List.copyOf(stack);
    }
  }

  /** The blocked threads' names, in report order. */
  public List<String> threadNames() {
    return threads.stream().map(BlockedThread::name).toList();
  }

  /** A multi-line rendering in the style of a thread dump. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    sb.append("stall in ").append(watchdog).append(": no progress for ").append(quietFor.toMillis())
        .append(" ms, ").append(threads.size()).append(threads.size() == 1 ? " blocked thread" : " blocked threads")
        .append(" (at ").append(time).append(')');
    if (!waitsFor.isEmpty()) {
      sb.append("\nwait-for edges:");
      waitsFor.forEach((w, o) -> sb.append("\n  ").append(party(w)).append(" -> ").append(party(o)));
    }
    for (BlockedThread t : threads) {
      sb.append("\n\"").append(t.name()).append("\" #").append(t.threadId()).append(t.virtual() ? " virtual" : "")
          .append(' ').append(t.state());
      if (t.blocker() != null) {
        sb.append(" on ").append(t.blocker());
      }
      for (StackTraceElement e : t.stack()) {
        sb.append("\n    at ").append(e);
      }
    }
    return sb.toString();
  }

  private static String party(Object p) {
    return p instanceof Thread t ? TrackedLock.describe(t) : String.valueOf(p);
  }
}
