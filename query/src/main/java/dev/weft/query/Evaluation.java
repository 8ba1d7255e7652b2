package dev.weft.query;

import java.util.List;
import java.util.Optional;

/**
 * The outcome of {@link QueryEngine#evaluate}: a value or a failure, plus the diagnostics of the query and
 * of everything it read, in sequential order.
 *
 * {@snippet :
 * Evaluation<Integer> e = engine.evaluate(lines, "A.java");
 * e.diagnostics().forEach(System.out::println);   // reported whether or not it failed
 * int n = e.valueOr(0);                           // or: if (e.isOk()) ..., e.orElseThrow()
 * }
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

  /** Whether the evaluation succeeded: {@link #value()} returns and {@link #failure()} is empty. Never throws. */
  default boolean isOk() {
    return failure().isEmpty();
  }

  /**
   * The value, or {@code other} if the evaluation failed. Never throws.
   *
   * @param other returned on failure; may be null
   */
  default V valueOr(V other) {
    return isOk() ? value() : other;
  }

  /**
   * The value, or else the failure thrown: the same as {@link #value()}, named as {@link Optional#orElseThrow()}
   * is, for code that reads {@code evaluate(...).orElseThrow()} beside {@link #isOk()} and {@link #valueOr}.
   *
   * @throws QueryFailedException if a body failed (cause = the body's exception, message = the query path)
   * @throws CycleException if the query, or one it read, is on a cycle without a fallback
   * @throws MissingInputException if an input it read was never set
   */
  default V orElseThrow() {
    return value();
  }
}
