package dev.weft.flow;

import java.util.List;

/**
 * A running pipeline, returned by {@link Pipeline#start}.
 *
 * <ul>
 *   <li>{@link #join} waits until every stage has finished. It returns normally if every item reached the
 *       sink, throws {@link PipelineException} if a stage failed, and
 *       {@link java.util.concurrent.CancellationException} if {@link #cancel} was called first (an interrupt
 *       of the joining thread also ends the wait with {@code CancellationException}, interrupt flag restored,
 *       without stopping the pipeline).</li>
 *   <li>{@link #cancel} stops every stage: blocked channel operations fail at once and every stage thread is
 *       interrupted. Code that neither blocks nor checks interruption runs to the end of its current item.
 *       Idempotent; no effect once the pipeline has finished.</li>
 *   <li>When {@code join} returns or throws (other than for an interrupt of the joiner), no task of the
 *       pipeline is running any more.</li>
 *   <li>{@link #stats} may be called at any time, also while running.</li>
 * </ul>
 */
public interface PipelineRun {
  /** Waits for the pipeline to finish; rethrows the first stage failure. */
  void join();

  /** Stops every stage promptly. */
  void cancel();

  /** Whether every stage has finished. */
  boolean isDone();

  /** Per-stage counters in pipeline order (source first, sink last, fork branches after their fork). */
  List<StageStats> stats();
}
