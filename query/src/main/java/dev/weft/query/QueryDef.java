package dev.weft.query;

import java.util.Objects;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * The one implementation of {@link Query}: an immutable definition plus a racy cache of its table in the
 * engine that used it last, so the memo-hit path finds the table without a map lookup.
 */
sealed class QueryDef<K, V> implements Query<K, V> permits QueryDef.InputDef {
  static final BiPredicate<Object, Object> EQUALS = Objects::equals;
  static final int DEFAULT_MAX_ROUNDS = 100;

  final String name;
  final QueryFunction<K, V> fn;
  final CycleFallback<K, V> fallback;
  final BiPredicate<? super V, ? super V> cutoff;
  final int lru;
  /** The starting value of a fixpoint member, or null when the query does not iterate. */
  final Function<? super K, ? extends V> initial;
  final int maxRounds;
  /**
   * The table of the engine that used this query last, unless the query has an LRU. Plain on purpose: a racy
   * read sees null, a stale table or a fully constructed one, because every field a reader uses is final; a
   * stale table only costs a miss, since its memos never carry the reading engine's revision stamp.
   */
  Table table;

  QueryDef(String name, QueryFunction<K, V> fn, CycleFallback<K, V> fallback,
      BiPredicate<? super V, ? super V> cutoff, int lru) {
    this(name, fn, fallback, cutoff, lru, null, 0);
  }

  QueryDef(String name, QueryFunction<K, V> fn, CycleFallback<K, V> fallback,
      BiPredicate<? super V, ? super V> cutoff, int lru, Function<? super K, ? extends V> initial, int maxRounds) {
    this.name = name;
    this.fn = fn;
    this.fallback = fallback;
    this.cutoff = cutoff;
    this.lru = lru;
    this.initial = initial;
    this.maxRounds = maxRounds;
  }

  static String checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("query name must not be blank");
    }
    return name;
  }

  boolean isInput() {
    return false;
  }

  @SuppressWarnings("unchecked")
  boolean same(Object a, Object b) {
    BiPredicate<Object, Object> c = cutoff == null ? EQUALS : (BiPredicate<Object, Object>) cutoff;
    return c.test(a, b);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Query<K, V> withCycleFallback(CycleFallback<K, V> fallback) {
    return new QueryDef<>(name, fn, Objects.requireNonNull(fallback, "fallback"), cutoff, lru, initial, maxRounds);
  }

  @Override
  public Query<K, V> withCutoff(BiPredicate<? super V, ? super V> same) {
    return new QueryDef<>(name, fn, fallback, Objects.requireNonNull(same, "same"), lru, initial, maxRounds);
  }

  @Override
  public Query<K, V> withLru(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("LRU capacity of query '" + name + "' must be >= 0, got " + capacity);
    }
    return new QueryDef<>(name, fn, fallback, cutoff, capacity, initial, maxRounds);
  }

  @Override
  public Query<K, V> withFixpoint(Function<? super K, ? extends V> initial) {
    return withFixpoint(initial, DEFAULT_MAX_ROUNDS);
  }

  @Override
  public Query<K, V> withFixpoint(Function<? super K, ? extends V> initial, int maxRounds) {
    Objects.requireNonNull(initial, "initial");
    if (maxRounds < 1) {
      throw new IllegalArgumentException("maxRounds of query '" + name + "' must be >= 1, got " + maxRounds);
    }
    return new QueryDef<>(name, fn, fallback, cutoff, lru, initial, maxRounds);
  }

  @Override
  public String toString() {
    return (isInput() ? "Input[" : "Query[") + name + "]";
  }

  /** An input: no body; values come from {@link QueryEngine#set}. */
  static final class InputDef<K, V> extends QueryDef<K, V> implements Input<K, V> {
    InputDef(String name, BiPredicate<? super V, ? super V> cutoff) {
      super(name, null, null, cutoff, -1);
    }

    @Override
    boolean isInput() {
      return true;
    }

    @Override
    public Input<K, V> withCycleFallback(CycleFallback<K, V> fallback) {
      Objects.requireNonNull(fallback, "fallback");
      return new InputDef<>(name, cutoff);
    }

    @Override
    public Input<K, V> withCutoff(BiPredicate<? super V, ? super V> same) {
      return new InputDef<>(name, Objects.requireNonNull(same, "same"));
    }

    @Override
    public Input<K, V> withFixpoint(Function<? super K, ? extends V> initial) {
      Objects.requireNonNull(initial, "initial");
      return this;
    }

    @Override
    public Input<K, V> withFixpoint(Function<? super K, ? extends V> initial, int maxRounds) {
      Objects.requireNonNull(initial, "initial");
      return this;
    }

    @Override
    public Input<K, V> withLru(int capacity) {
      if (capacity < 0) {
        throw new IllegalArgumentException("LRU capacity of input '" + name + "' must be >= 0, got " + capacity);
      }
      return new InputDef<>(name, cutoff);
    }
  }
}
