package dev.weft.query;

/**
 * The one key of a singleton: a query or input that holds a single value, such as the configuration of a
 * whole build. {@link Query#singleton} makes an input keyed by {@code Unit}; any query whose key type is
 * {@code Unit} can be read without a key ({@link QueryEngine#get(Query)}, {@link QueryContext#get(Query)})
 * and set without one ({@link QueryEngine#set(Input, Object)}, {@link Updates#set(Input, Object)}).
 *
 * <p>It renders as the empty string, so a singleton appears as {@code config()} in messages and query paths.
 */
public enum Unit {
  /** The key of every singleton. */
  VALUE;

  /** The empty string: {@code config(VALUE)} would read as a key named "VALUE". */
  @Override
  public String toString() {
    return "";
  }
}
