package dev.weft.query;

/**
 * The body of a derived query: computes the value for {@code key}, reading other queries through
 * {@code ctx}. It may throw any exception; the exception is memoized as the query's failure.
 *
 * @param <K> key type
 * @param <V> value type
 */
@FunctionalInterface
public interface QueryFunction<K, V> {
  /** Computes the value for {@code key}; must not return {@code null}. */
  V compute(QueryContext ctx, K key) throws Exception;
}
