package dev.weft.query;

import java.util.Objects;

/**
 * A message reported by a query body through {@link QueryContext#report}. Diagnostics are buffered with the
 * query's memo and come out of {@link QueryEngine#evaluate} in sequential order.
 */
public interface Diagnostic {
  /** How serious a diagnostic is. */
  enum Severity { ERROR, WARNING, INFO }

  /** The severity. */
  Severity severity();

  /** The message. */
  String message();

  /** An error diagnostic. */
  static Diagnostic error(String message) {
    return new SimpleDiagnostic(Severity.ERROR, message);
  }

  /** A warning diagnostic. */
  static Diagnostic warning(String message) {
    return new SimpleDiagnostic(Severity.WARNING, message);
  }

  /** An informational diagnostic. */
  static Diagnostic info(String message) {
    return new SimpleDiagnostic(Severity.INFO, message);
  }
}

/** The diagnostic behind the static factories; equal when severity and message are equal. */
record SimpleDiagnostic(Diagnostic.Severity severity, String message) implements Diagnostic {
  SimpleDiagnostic {
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return severity.name().toLowerCase(java.util.Locale.ROOT) + ": " + message;
  }
}
