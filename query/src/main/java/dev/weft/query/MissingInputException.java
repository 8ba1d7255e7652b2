package dev.weft.query;

/** An {@link Input} was read for a key that was never {@link QueryEngine#set set}. */
public final class MissingInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** @param message names the input and the key */
  public MissingInputException(String message) {
    super(message);
  }
}
