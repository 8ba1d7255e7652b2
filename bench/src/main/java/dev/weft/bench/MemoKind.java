package dev.weft.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.HashMap;
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
      case CONCURRENT_HASH_MAP -> new ChmLookup(keys);
      case HASH_MAP -> new HashMapLookup(keys);
      case CAFFEINE_UNBOUNDED -> new CaffeineLookup(Caffeine.newBuilder().build(), keys);
      case CAFFEINE_BOUNDED -> new BoundedCaffeineLookup(Caffeine.newBuilder().maximumSize(10_000).build(), keys);
    };
  }

  /**
   * A lookup of a key known to be present. Each implementation has its own copy of the measuring loop
   * ({@link #loop}), so the call inside the loop sees one receiver class and the JIT can inline it, as it
   * would in a program that uses only one of these structures. A loop shared by all kinds would make that
   * call megamorphic and add the same virtual-call cost to every row, compressing the ratios.
   */
  interface Lookup extends AutoCloseable {
    Object get(Long key);

    /** {@code n} lookups round-robin over {@code keys}; returns nanoseconds. */
    long loop(Long[] keys, long n);

    @Override
    default void close() {}
  }

  /** Keeps the loops' results alive. */
  static long sink;

  private static final class ChmLookup implements Lookup {
    private final ConcurrentHashMap<Long, Long> map = new ConcurrentHashMap<>();

    ChmLookup(Long[] keys) {
      for (Long k : keys) {
        map.put(k, valueOf(k));
      }
    }

    @Override
    public Object get(Long key) {
      return map.get(key);
    }

    @Override
    public long loop(Long[] keys, long n) {
      int mask = keys.length - 1;
      long s = 0;
      long t0 = System.nanoTime();
      for (long i = 0; i < n; i++) {
        s += map.get(keys[(int) i & mask]);
      }
      long t = System.nanoTime() - t0;
      sink += s;
      return t;
    }
  }

  private static final class HashMapLookup implements Lookup {
    private final HashMap<Long, Long> map = new HashMap<>();

    HashMapLookup(Long[] keys) {
      for (Long k : keys) {
        map.put(k, valueOf(k));
      }
    }

    @Override
    public Object get(Long key) {
      return map.get(key);
    }

    @Override
    public long loop(Long[] keys, long n) {
      int mask = keys.length - 1;
      long s = 0;
      long t0 = System.nanoTime();
      for (long i = 0; i < n; i++) {
        s += map.get(keys[(int) i & mask]);
      }
      long t = System.nanoTime() - t0;
      sink += s;
      return t;
    }
  }

  private static final class CaffeineLookup implements Lookup {
    private final Cache<Long, Long> cache;

    CaffeineLookup(Cache<Long, Long> cache, Long[] keys) {
      this.cache = cache;
      for (Long k : keys) {
        cache.put(k, valueOf(k));
      }
    }

    @Override
    public Object get(Long key) {
      return cache.getIfPresent(key);
    }

    @Override
    public long loop(Long[] keys, long n) {
      int mask = keys.length - 1;
      long s = 0;
      long t0 = System.nanoTime();
      for (long i = 0; i < n; i++) {
        s += cache.getIfPresent(keys[(int) i & mask]);
      }
      long t = System.nanoTime() - t0;
      sink += s;
      return t;
    }
  }

  /** The same as {@link CaffeineLookup}, as its own class so that its loop sees one cache class. */
  private static final class BoundedCaffeineLookup implements Lookup {
    private final Cache<Long, Long> cache;

    BoundedCaffeineLookup(Cache<Long, Long> cache, Long[] keys) {
      this.cache = cache;
      for (Long k : keys) {
        cache.put(k, valueOf(k));
      }
    }

    @Override
    public Object get(Long key) {
      return cache.getIfPresent(key);
    }

    @Override
    public long loop(Long[] keys, long n) {
      int mask = keys.length - 1;
      long s = 0;
      long t0 = System.nanoTime();
      for (long i = 0; i < n; i++) {
        s += cache.getIfPresent(keys[(int) i & mask]);
      }
      long t = System.nanoTime() - t0;
      sink += s;
      return t;
    }
  }
}
