package dev.weft.query;

/** How names and keys appear in messages, logs and events: cut, so that one stays one line. */
final class Shown {
  private Shown() {}

  /** The most characters {@link #cut} keeps, its ellipsis included. */
  static final int MAX = 200;

  /** {@code s}, or its first {@link #MAX} - 1 characters and an ellipsis, never half a surrogate pair. */
  static String cut(String s) {
    if (s.length() <= MAX) {
      return s;
    }
    int end = MAX - 1;
    if (Character.isHighSurrogate(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(0, end) + "…";
  }
}
