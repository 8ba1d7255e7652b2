package dev.weft.srctest.query;

import dev.weft.query.CycleException;
import dev.weft.query.MissingInputException;
import dev.weft.query.QueryFailedException;

/**
 * The observable result of reading a query, normalized so that the engine and the reference evaluator can be
 * compared: a value, a failure named by the user's exception (class and message), or a cycle named by the
 * {@link CycleException} message. Wrapping by {@link QueryFailedException} (whose message is a path) is
 * looked through.
 */
sealed interface Outcome {
  record Value(Object value) implements Outcome {}

  record Failed(String exception) implements Outcome {}

  record Cycle(String message) implements Outcome {}

  default boolean isValue() {
    return this instanceof Value;
  }

  /** The outcome an exception thrown by {@code get} or returned by {@code evaluate} stands for. */
  static Outcome of(Throwable t) {
    Throwable c = t;
    while (c instanceof QueryFailedException && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof CycleException) {
      return new Cycle(c.getMessage());
    }
    if (c instanceof MissingInputException) {
      return new Failed("MissingInputException"); // the message's wording is the engine's
    }
    return new Failed(c.getClass().getSimpleName() + ": " + c.getMessage());
  }
}
