package dev.weft.query;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A memoized failure. {@code error} is the user's exception with {@code path} (the query that threw, then the
 * queries that let it propagate) for a {@link QueryFailedException}, or one of the engine's own exceptions
 * ({@link CycleException}, {@link MissingInputException}) that pass through query bodies unchanged.
 */
final class Failure {
  final Throwable error;
  final List<QueryCall> path; // null for pass-through exceptions

  Failure(Throwable error, List<QueryCall> path) {
    this.error = error;
    this.path = path;
  }

  /** The exception a reader gets: a fresh {@link QueryFailedException}, or the pass-through exception. */
  RuntimeException toException() {
    if (path != null) {
      return new QueryFailedException(path, error);
    }
    return (RuntimeException) error;
  }

  /** The failure of {@code self} whose body threw {@code t}. */
  static Failure of(Throwable t, QueryCall self) {
    if (t instanceof QueryFailedException q) {
      List<QueryCall> p = new ArrayList<>(q.path().size() + 1);
      p.addAll(q.path());
      p.add(self);
      return new Failure(q.getCause(), List.copyOf(p));
    }
    if (t instanceof CycleException || t instanceof MissingInputException) {
      return new Failure(t, null);
    }
    return new Failure(t, List.of(self));
  }

  /** This failure as it reaches {@code reader}: its path extended by the reader (pass-through failures as they are). */
  Failure extended(QueryCall reader) {
    if (path == null) {
      return this;
    }
    List<QueryCall> p = new ArrayList<>(path.size() + 1);
    p.addAll(path);
    p.add(reader);
    return new Failure(error, List.copyOf(p));
  }

  /** Failures are the same (for early cutoff) when they would read the same to every caller. */
  boolean same(Failure o) {
    if (error == o.error) {
      return Objects.equals(path, o.path);
    }
    if (error.getClass() != o.error.getClass() || !Objects.equals(path, o.path)) {
      return false;
    }
    if (error instanceof CycleException c) {
      return c.cycle().equals(((CycleException) o.error).cycle());
    }
    return Objects.equals(error.getMessage(), o.error.getMessage());
  }

  @Override
  public String toString() {
    return "Failure[" + error + (path == null ? "" : " at " + path) + "]";
  }
}
