package dev.weft.query;

import java.time.Duration;
import java.util.Objects;

/**
 * A timed read ({@link QueryEngine#get(Query, Object, Duration)} and its siblings) had no outcome within its
 * timeout. The caller has left, exactly as an interrupted caller does: the evaluation it waited for is
 * cancelled unless another reader still waits for it, and the message says which. Nothing is memoized for
 * the read; a later read of the same key starts afresh (or joins the evaluation that went on).
 */
public final class QueryTimeoutException extends CancelledException {
  private static final long serialVersionUID = 1L;

  private final Duration timeout;

  /**
   * @param message what timed out, and what became of its evaluation
   * @param timeout the timeout that passed
   */
  public QueryTimeoutException(String message, Duration timeout) {
    super(message);
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  /** The timeout that passed. */
  public Duration timeout() {
    return timeout;
  }
}
