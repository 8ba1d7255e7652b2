package dev.weft.query;

/**
 * The body of a query that reads itself: {@link #compute} receives the query it belongs to, so a recursive
 * declaration needs no reference to the field or variable it is being assigned to (which Java rejects as a
 * "self-reference in initializer"). See {@link Query#recursive(String, RecursiveFunction)}.
 *
 * @param <K> key type
 * @param <V> value type
 */
@FunctionalInterface
public interface RecursiveFunction<K, V> {
  /**
   * Computes the value for {@code key}; must not return {@code null}.
   *
   * @param self the query this body belongs to: the configured copy that is executing, when
   *     {@code withX} copies were made of it
   * @param ctx the context to read through
   * @param key the key
   */
  V compute(Query<K, V> self, QueryContext ctx, K key) throws Exception;
}
