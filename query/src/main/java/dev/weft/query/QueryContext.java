package dev.weft.query;

import dev.weft.scheduler.Scheduler;
import java.util.List;

/**
 * What a query body reads through: its own frame in the engine. Every read is recorded as a dependency in
 * program order, and reports are buffered in the same sequence, so the engine can verify the query in a
 * later revision and replay its diagnostics in sequential order.
 *
 * <ul>
 *   <li>A context is valid only on the thread running the body and only while the body runs; using it
 *       elsewhere throws {@link IllegalStateException}. For parallel reads use {@link #getAll}.</li>
 *   <li>Every method throws {@link CancelledException} once the evaluation has been cancelled (an input was
 *       set, the engine closed, or the thread interrupted).</li>
 * </ul>
 */
public interface QueryContext {
  /**
   * Reads {@code query} at {@code key}: a memo hit, an inline execution, or a wait for the task computing it.
   *
   * @throws QueryFailedException if that query failed (cause = its exception, message = the query path)
   * @throws CycleException if the read closes a dependency cycle and the query has no cycle fallback
   * @throws MissingInputException if {@code query} is an input without a value for {@code key}
   */
  <K, V> V get(Query<K, V> query, K key);

  /**
   * Reads {@code query} at every key concurrently (each key nobody is computing gets its own virtual thread)
   * and returns the values in key order. Waits for every key, then throws the first failure in key order.
   */
  <K, V> List<V> getAll(Query<K, V> query, List<? extends K> keys);

  /** Buffers {@code diagnostic} with this query's memo, after the reads made so far. */
  void report(Diagnostic diagnostic);

  /** Throws {@link CancelledException} if this evaluation has been cancelled; call it in long loops. */
  void checkCancelled();

  /** The engine's scheduler. */
  Scheduler scheduler();
}
