package dev.weft.flow;

/**
 * The output of a pipeline stage ({@link Pipeline#generate}, {@link Pipeline#flatMap},
 * {@link Pipeline#transform}).
 *
 * <ul>
 *   <li>{@link #push} appends an item for the next stage; it blocks while the buffer into the next stage is
 *       full (backpressure).</li>
 *   <li>Items are handed over in chunks: when a chunk is full, when the next stage is idle waiting for input,
 *       when this stage is about to wait for its own input, and when the stage body returns. Nothing has to be
 *       flushed by hand.</li>
 *   <li>When the pipeline is cancelled or another stage fails, {@code push} throws
 *       {@link java.util.concurrent.CancellationException}; let it propagate. If every consumer downstream has
 *       stopped reading (a {@code transform} returned early), {@code push} throws it too and the stage ends
 *       normally.</li>
 *   <li>An outbox belongs to one stage worker; do not share it with other threads.</li>
 * </ul>
 *
 * @param <T> the item type
 */
public interface Outbox<T> {
  /**
   * Sends {@code item} to the next stage, blocking while its buffer is full.
   *
   * @throws NullPointerException if {@code item} is null (pipelines carry no nulls)
   */
  void push(T item);
}
