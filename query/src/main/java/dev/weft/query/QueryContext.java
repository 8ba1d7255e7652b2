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
 *   <li>Every method first checks for cancellation, exactly as {@link #checkCancelled} does, and throws what
 *       it throws.</li>
 *   <li>Values read are shared with every other reader: never mutate them (see {@link Query}).</li>
 * </ul>
 */
public interface QueryContext {
  /**
   * Reads {@code query} at {@code key}: a memo hit, an inline execution, or a wait for the task computing it.
   *
   * @throws QueryFailedException if that query failed (cause = its exception, message = the query path)
   * @throws CycleException if the read closes a dependency cycle and the query has no cycle fallback
   * @throws MissingInputException if {@code query} is an input without a value for {@code key}
   * @throws CancelledException as {@link #checkCancelled}, also while waiting for another task
   * @throws IllegalArgumentException if {@code key} is an array (see {@link Query} on keys)
   */
  <K, V> V get(Query<K, V> query, K key);

  /**
   * Reads the singleton {@code query} (one keyed by {@link Unit}, such as a {@link Query#singleton} input):
   * {@code get(query, Unit.VALUE)}.
   */
  default <V> V get(Query<Unit, V> query) {
    return get(query, Unit.VALUE);
  }

  /**
   * Reads {@code query} at every key concurrently (each key nobody is computing gets its own virtual thread)
   * and returns the values in key order, as an unmodifiable list. Waits for every key, then throws the first
   * failure in key order.
   */
  <K, V> List<V> getAll(Query<K, V> query, List<? extends K> keys);

  /** Buffers {@code diagnostic} with this query's memo, after the reads made so far. */
  void report(Diagnostic diagnostic);

  /**
   * Throws if this evaluation must stop; call it in long loops that make no other context call. It throws
   * {@link CancelledException} exactly when one of these holds at the call:
   * <ul>
   *   <li>a write to the engine is in progress: a {@link QueryEngine#set set}, {@link QueryEngine#setAll
   *       setAll}, {@link QueryEngine#remove remove} or {@link QueryEngine#update update} that changes at
   *       least one value or durability (a write that changes nothing cancels nothing), or
   *       {@link QueryEngine#close close}; the write waits until every running evaluation has unwound;</li>
   *   <li>no reader waits for this evaluation any more: every caller of {@link QueryEngine#get get},
   *       {@link QueryEngine#getAll getAll} or {@link QueryEngine#evaluate evaluate} it was running for has
   *       left (interrupted while waiting, or its timeout passed), and no other reader waits for it: no other
   *       caller of the same query and key, no body reading a query this evaluation is computing, no
   *       {@code getAll} still waiting for it. The flag is set once and stays; the evaluation's thread is also
   *       interrupted, so it throws by the next rule too, and a body blocked in an interruptible call is
   *       woken. An evaluation that runs inline on its caller's thread (a read from a thread of the engine's
   *       scheduler, without a timeout) never gets here: its caller's interrupt is the next rule;</li>
   *   <li>the thread running the body is interrupted ({@link Thread#isInterrupted()}); the interrupt status is
   *       not cleared.</li>
   * </ul>
   * The exception is never memoized: the reader gets it, and a later read computes afresh. A body that throws
   * {@link InterruptedException} (from a blocking call on an interrupted thread) is cancelled the same way:
   * nothing is memoized and its reader gets a {@link CancelledException} with that cause. A body that catches
   * the exception (or the interrupt) and returns a value anyway is cancelled all the same: the value is not
   * memoized. When the engine
   * finds this query on a dependency cycle while it waited, this and every other context method throw an
   * internal {@link Error} that unwinds the body to its cycle outcome; let it propagate (do not catch
   * {@code Throwable} or {@code Error} in a body).
   *
   * @throws IllegalStateException if called from another thread than the body's, or after the body returned
   */
  void checkCancelled();

  /** The engine's scheduler. */
  Scheduler scheduler();
}
