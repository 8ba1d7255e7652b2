package dev.weft.query;

import java.util.Locale;

/**
 * How one verification or execution of a memo ended, as events and metrics report it (in lower case:
 * {@code computed}, {@code failed}, ...).
 */
enum Outcome {
  /** The body ran and returned a value. */
  COMPUTED,
  /** The body ran and threw; the failure is memoized. */
  FAILED,
  /** No recorded dependency changed: the memo was reused without running the body. */
  VERIFIED,
  /**
   * The memo was current but its value evicted, or reused from a store and not read yet: the value was
   * decoded from its stored bytes, or else the body ran to restore it.
   */
  RESTORED,
  /** The memo was found on a dependency cycle and completed with the cycle's verdict. */
  CYCLE,
  /** The evaluation was cancelled or unwound; nothing was stored. */
  CANCELLED,
  /** The memo was reused from a {@link MemoStore}'s trace: no body ran. */
  REUSED,
  /** A memo hit (only as an event, while a recording asks for it). */
  CACHED;

  /** The outcomes a verification or execution can have, in the order metrics list them (their ordinals). */
  static final Outcome[] RUN = {COMPUTED, FAILED, VERIFIED, RESTORED, CYCLE, CANCELLED, REUSED};

  private final String label = name().toLowerCase(Locale.ROOT);

  /** The name events and metrics use. */
  String label() {
    return label;
  }
}
