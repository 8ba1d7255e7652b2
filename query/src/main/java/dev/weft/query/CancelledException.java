package dev.weft.query;

/**
 * An evaluation was cancelled: an input was {@link QueryEngine#set set} (or the engine closed) while it ran,
 * or its thread was interrupted (the interrupt flag is then restored). Nothing it computed after the
 * cancellation is memoized.
 */
public final class CancelledException extends RuntimeException {
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
