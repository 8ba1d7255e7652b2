package dev.weft.demo;

/**
 * The value of the {@code source} input: a file's text, or why it could not be read.
 *
 * @param text the decoded source text ({@code ""} when unreadable)
 * @param readError the reason the file could not be read, or {@code null}
 */
record SourceText(String text, String readError) {
  static SourceText of(String text) {
    return new SourceText(text, null);
  }

  static SourceText unreadable(String reason) {
    return new SourceText("", reason);
  }

  @Override
  public String toString() {
    return readError != null ? "unreadable(" + readError + ")" : text.length() + " chars";
  }
}
