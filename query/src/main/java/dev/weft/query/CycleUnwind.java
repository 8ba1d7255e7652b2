package dev.weft.query;

/**
 * Internal signal that unwinds the frames of a detected cycle. It is an {@link Error} so that bodies catching
 * {@code Exception} do not swallow it; a body that catches it anyway still completes with its cycle outcome,
 * because the outcome is decided by the frame's mark, not by the exception.
 */
class CycleUnwind extends Error {
  private static final long serialVersionUID = 1L;

  CycleUnwind() {
    super("query cycle unwinding", null, false, false);
  }
}
