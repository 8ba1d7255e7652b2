package dev.weft.query;

import java.util.List;

/**
 * A query body threw: the cause is the original exception; the message is the query path from the query
 * that threw to the one that was asked for, then the cause, e.g.
 * {@code typeOf(Foo) <- check(main): java.lang.IllegalStateException: no such type}. Failures are memoized
 * like values, so every caller and every waiter of the failed query (and of queries that let the failure
 * propagate) gets one.
 */
public final class QueryFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient List<QueryCall> path;

  QueryFailedException(List<QueryCall> path, Throwable cause) {
    super(render(path) + ": " + describe(cause), cause);
    this.path = path;
  }

  /** The query path: the query whose body threw first, then each query that read it, up to the one asked. */
  public List<QueryCall> path() {
    return path;
  }

  /** The cause's class and message; its class alone if its {@code toString} throws. */
  private static String describe(Throwable cause) {
    try {
      return String.valueOf(cause);
    } catch (RuntimeException | Error e) {
      return cause.getClass().getName();
    }
  }

  static String render(List<QueryCall> path) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < path.size(); i++) {
      if (i > 0) {
        sb.append(" <- ");
      }
      sb.append(path.get(i));
    }
    return sb.toString();
  }
}
