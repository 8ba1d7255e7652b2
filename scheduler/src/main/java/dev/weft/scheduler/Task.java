package dev.weft.scheduler;

/**
 * A computation running on a virtual thread of a {@link Scheduler}.
 *
 * <ul>
 *   <li>{@link #join} waits for the body and returns its value. An unchecked exception thrown by the body is
 *       rethrown as is; a checked one is wrapped in {@link java.util.concurrent.CompletionException}.</li>
 *   <li>{@link #cancel} interrupts the task's thread; if the body ends because of it (or never started),
 *       {@code join} throws {@link java.util.concurrent.CancellationException}.</li>
 *   <li>A thread interrupted while joining gets {@link java.util.concurrent.CancellationException} with its
 *       interrupt flag restored.</li>
 *   <li>{@code join} works from any thread, platform threads included.</li>
 * </ul>
 */
public interface Task<T> {
  /** The name given at {@link Scheduler#spawn}. */
  String name();

  /** Waits for the task and returns its value, or rethrows its exception. */
  T join();

  /** Whether the task has finished (normally, exceptionally or by cancellation). */
  boolean isDone();

  /** Requests cancellation by interrupting the task's thread; no effect once done. */
  void cancel();
}
