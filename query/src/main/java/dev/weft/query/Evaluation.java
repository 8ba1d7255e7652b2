package dev.weft.query;

import java.util.List;
import java.util.Optional;

/**
 * The outcome of {@link QueryEngine#evaluate}: a value or a failure, plus the diagnostics of the query and
 * of everything it read, in sequential order.
 *
 * @param <V> value type
 */
public interface Evaluation<V> {
  /**
   * The value.
   *
   * @throws QueryFailedException or {@link CycleException} or {@link MissingInputException}: the failure,
   *     as {@link QueryEngine#get} would have thrown it, if the evaluation failed
   */
  V value();

  /** The failure (the exception {@link QueryEngine#get} would have thrown), or empty on success. */
  Optional<Throwable> failure();

  /** The diagnostics in sequential order (see {@link QueryEngine#evaluate}); immutable. */
  List<Diagnostic> diagnostics();
}
