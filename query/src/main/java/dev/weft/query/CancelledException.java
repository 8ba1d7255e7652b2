package dev.weft.query;

/**
 * An evaluation was cancelled, or its caller stopped waiting for it. Thrown to a reader when:
 * <ul>
 *   <li>a write ({@link QueryEngine#set set} and the like) or {@link QueryEngine#close close} cancelled the
 *       evaluation while it ran;</li>
 *   <li>the reader's thread was interrupted while it read (the interrupt flag is then restored); the
 *       evaluation it waited for is cancelled too unless another reader waits for it;</li>
 *   <li>a timed read's timeout passed: the subclass {@link QueryTimeoutException}.</li>
 * </ul>
 * Inside a body, the context's methods throw it when the evaluation must stop (see
 * {@link QueryContext#checkCancelled}). Nothing an evaluation computed after its cancellation is memoized.
 */
public sealed class CancelledException extends RuntimeException permits QueryTimeoutException {
  private static final long serialVersionUID = 1L;

  /** @param message what was cancelled and why */
  public CancelledException(String message) {
    super(message);
  }

  /** @param message what was cancelled and why; @param cause the interruption, if any */
  public CancelledException(String message, Throwable cause) {
    super(message, cause);
  }
}
