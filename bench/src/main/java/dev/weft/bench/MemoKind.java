package dev.weft.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lookup of an already computed value, as an adapter over the structures compared by the memo-hit workload:
 * Weft's {@code QueryEngine.get} of a computed query and the maps a user would memoize with instead.
 */
public enum MemoKind {
  WEFT("Weft QueryEngine.get (computed)"),
  CONCURRENT_HASH_MAP("ConcurrentHashMap.get"),
  CAFFEINE_UNBOUNDED("Caffeine Cache.getIfPresent (unbounded)"),
  CAFFEINE_BOUNDED("Caffeine Cache.getIfPresent (maximumSize 10k)"),
  HASH_MAP("HashMap.get (single-thread floor)");

  /** Number of distinct keys looked up round-robin; small enough to stay in cache. */
  static final int KEYS = 1024;

  final String label;

  MemoKind(String label) {
    this.label = label;
  }

  /** Keys shared by every kind, boxed once so the lookups allocate nothing. */
  static Long[] keys() {
    Long[] keys = new Long[KEYS];
    for (int i = 0; i < KEYS; i++) {
      keys[i] = (long) i * 31;
    }
    return keys;
  }

  static long valueOf(long key) {
    return key * key;
  }

  /** A structure holding every key's value. */
  Lookup open(Long[] keys) {
    return switch (this) {
      case WEFT -> WeftSide.memoHit(keys);
      case CONCURRENT_HASH_MAP -> map(new ConcurrentHashMap<>(), keys);
      case HASH_MAP -> map(new HashMap<>(), keys);
      case CAFFEINE_UNBOUNDED -> cache(Caffeine.newBuilder().build(), keys);
      case CAFFEINE_BOUNDED -> cache(Caffeine.newBuilder().maximumSize(10_000).build(), keys);
    };
  }

  /** A lookup of a key known to be present. */
  interface Lookup extends AutoCloseable {
    Object get(Long key);

    @Override
    default void close() {}
  }

  private static Lookup map(Map<Long, Long> map, Long[] keys) {
    for (Long k : keys) {
      map.put(k, valueOf(k));
    }
    return map::get;
  }

  private static Lookup cache(Cache<Long, Long> cache, Long[] keys) {
    for (Long k : keys) {
      cache.put(k, valueOf(k));
    }
    return cache::getIfPresent;
  }

  /** {@code n} lookups round-robin over the keys; returns nanoseconds. */
  static long loop(Lookup lookup, Long[] keys, long n) {
    int mask = keys.length - 1;
    long sink = 0;
    long t0 = System.nanoTime();
    for (long i = 0; i < n; i++) {
      sink += lookup.get(keys[(int) i & mask]).hashCode();
    }
    long t = System.nanoTime() - t0;
    if (sink == 42) {
      System.out.print("");
    }
    return t;
  }
}
