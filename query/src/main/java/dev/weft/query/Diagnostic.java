package dev.weft.query;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A message reported by a query body through {@link QueryContext#report}. Diagnostics are buffered with the
 * query's memo and come out of {@link QueryEngine#evaluate} in sequential order.
 *
 * <p>Besides its severity and message a diagnostic may carry where it applies ({@link #location()}), a stable
 * code that tools filter on ({@link #code()}, e.g. {@code unused-import}), and related notes, each itself a
 * diagnostic (typically {@link Severity#INFO} with a location of its own):
 *
 * {@snippet :
 * Diagnostic d = Diagnostic.warning("unused import java.util.List")
 *     .at(Diagnostic.Location.of("A.java", 3, 1))
 *     .withCode("unused-import")
 *     .withNote(Diagnostic.info("first declared here").at(Diagnostic.Location.of("A.java", 2, 1)));
 * }
 *
 * <p>The diagnostics the factories build are immutable values, equal when every field is equal, and render
 * as {@code warning[unused-import] A.java:3:1: unused import java.util.List}. A body may report its own
 * implementation of this interface; a {@link MemoStore} keeps such a diagnostic by its fields (severity,
 * message, location, code, notes), so a replay from a store yields the built-in form.
 */
public interface Diagnostic {
  /** How serious a diagnostic is. */
  enum Severity { ERROR, WARNING, INFO }

  /**
   * Where a diagnostic applies: a source name (a file path, a URI, whatever the tool calls its inputs) and an
   * optional span. Lines and columns count from 1; 0 means unknown. A point location has its end equal to its
   * start.
   *
   * @param source the source's name
   * @param line first line, or 0 when unknown
   * @param column first column, or 0 when unknown
   * @param endLine last line ({@code >= line}), or 0 when unknown
   * @param endColumn column after the span on {@code endLine}, or 0 when unknown
   */
  record Location(String source, int line, int column, int endLine, int endColumn) {
    /** @throws IllegalArgumentException for a negative number or an end before the start */
    public Location {
      Objects.requireNonNull(source, "source");
      if (line < 0 || column < 0 || endLine < 0 || endColumn < 0) {
        throw new IllegalArgumentException("negative line or column in location of " + source);
      }
      if (endLine != 0 && endLine < line) {
        throw new IllegalArgumentException("location of " + source + " ends on line " + endLine
            + " before it starts on line " + line);
      }
    }

    /** A whole source, no line. */
    public static Location of(String source) {
      return new Location(source, 0, 0, 0, 0);
    }

    /** A point: one line and column. */
    public static Location of(String source, int line, int column) {
      return new Location(source, line, column, line, column);
    }

    /** A span from ({@code line}, {@code column}) to ({@code endLine}, {@code endColumn}). */
    public static Location span(String source, int line, int column, int endLine, int endColumn) {
      return new Location(source, line, column, endLine, endColumn);
    }

    /** {@code source}, {@code source:line} or {@code source:line:column}. */
    @Override
    public String toString() {
      return line == 0 ? source : column == 0 ? source + ":" + line : source + ":" + line + ":" + column;
    }
  }

  /** The severity. */
  Severity severity();

  /** The message. */
  String message();

  /** Where it applies, if known. */
  default Optional<Location> location() {
    return Optional.empty();
  }

  /** A stable code such as {@code unused-import}, if any. */
  default Optional<String> code() {
    return Optional.empty();
  }

  /** Related notes, in the order they were added; immutable. */
  default List<Diagnostic> notes() {
    return List.of();
  }

  /** A copy of this diagnostic located at {@code location}. */
  @CheckReturnValue
  default Diagnostic at(Location location) {
    Objects.requireNonNull(location, "location");
    return new SimpleDiagnostic(severity(), message(), location, code().orElse(null), notes());
  }

  /**
   * A copy of this diagnostic with code {@code code}.
   *
   * @throws IllegalArgumentException if {@code code} is blank
   */
  @CheckReturnValue
  default Diagnostic withCode(String code) {
    Objects.requireNonNull(code, "code");
    if (code.isBlank()) {
      throw new IllegalArgumentException("diagnostic code must not be blank");
    }
    return new SimpleDiagnostic(severity(), message(), location().orElse(null), code, notes());
  }

  /** A copy of this diagnostic with {@code note} appended to its notes. */
  @CheckReturnValue
  default Diagnostic withNote(Diagnostic note) {
    Objects.requireNonNull(note, "note");
    List<Diagnostic> n = new ArrayList<>(notes());
    n.add(note);
    return new SimpleDiagnostic(severity(), message(), location().orElse(null), code().orElse(null), n);
  }

  /** A copy of this diagnostic with an {@link Severity#INFO} note saying {@code message}. */
  @CheckReturnValue
  default Diagnostic withNote(String message) {
    return withNote(info(message));
  }

  /** An error diagnostic. */
  static Diagnostic error(String message) {
    return of(Severity.ERROR, message);
  }

  /** A warning diagnostic. */
  static Diagnostic warning(String message) {
    return of(Severity.WARNING, message);
  }

  /** An informational diagnostic. */
  static Diagnostic info(String message) {
    return of(Severity.INFO, message);
  }

  /** A diagnostic of {@code severity}. */
  static Diagnostic of(Severity severity, String message) {
    return new SimpleDiagnostic(severity, message, null, null, List.of());
  }
}

/** The diagnostic behind the static factories; equal when every field is equal. */
record SimpleDiagnostic(Diagnostic.Severity severity, String message, Diagnostic.Location where, String codeOrNull,
    List<Diagnostic> notes) implements Diagnostic {
  SimpleDiagnostic {
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(message, "message");
    notes = List.copyOf(notes);
  }

  @Override
  public Optional<Location> location() {
    return Optional.ofNullable(where);
  }

  @Override
  public Optional<String> code() {
    return Optional.ofNullable(codeOrNull);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(severity.name().toLowerCase(Locale.ROOT));
    if (codeOrNull != null) {
      sb.append('[').append(codeOrNull).append(']');
    }
    if (where != null) {
      sb.append(' ').append(where);
    }
    sb.append(": ").append(message);
    for (Diagnostic n : notes) {
      sb.append("\n  = ").append(n);
    }
    return sb.toString();
  }
}
