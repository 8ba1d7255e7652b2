package dev.weft.flow;

/**
 * The input of a {@link Pipeline#transform} stage.
 *
 * <ul>
 *   <li>{@link #take} blocks until the next item arrives and returns {@code null} once the input is exhausted
 *       (items are never {@code null}); after that it keeps returning {@code null}.</li>
 *   <li>Iterating visits the remaining items in order, with the same blocking.</li>
 *   <li>Before blocking for input, the stage's pending output is handed to the next stage, so downstream
 *       never waits for items this stage already produced.</li>
 *   <li>When the pipeline is cancelled or another stage fails, a blocked or later {@code take} throws
 *       {@link java.util.concurrent.CancellationException}; let it propagate.</li>
 *   <li>Returning from the stage body without draining the inbox is allowed: the upstream stages then stop
 *       (their remaining items are discarded), like a reader closing a pipe.</li>
 *   <li>An inbox belongs to one stage worker; do not share it with other threads.</li>
 * </ul>
 *
 * @param <T> the item type
 */
public interface Inbox<T> extends Iterable<T> {
  /** The next item, blocking while none is available; {@code null} once the input is exhausted. */
  T take();
}
