package dev.weft.query;

import java.util.List;

/**
 * The value a query takes when it is found on a dependency cycle, instead of failing with
 * {@link CycleException}.
 *
 * @param <K> key type
 * @param <V> value type
 */
@FunctionalInterface
public interface CycleFallback<K, V> {
  /**
   * @param key the key of the query on the cycle
   * @param cycle the cycle in canonical rotation (see {@link CycleException#cycle()})
   * @return the value to memoize for {@code key}; must not be {@code null}
   */
  V recover(K key, List<QueryCall> cycle);
}
