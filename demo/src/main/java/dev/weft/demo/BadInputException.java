package dev.weft.demo;

/** The input cannot be analysed at all (missing path, no Java sources, unknown module). Exit code 3. */
final class BadInputException extends Exception {
  private static final long serialVersionUID = 1L;

  BadInputException(String message) {
    super(message);
  }

  BadInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
