package dev.weft.query;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * The two ways a declaration refers to what it declares: {@link SelfBound}, the body of a recursive query
 * bound to the query object it belongs to, and {@link Knot}, the handle {@link Query#recursive(
 * java.util.function.Function)} gives a group of mutually recursive definitions.
 */
final class Recursion {
  private Recursion() {}

  /**
   * A {@link RecursiveFunction} as a {@link QueryFunction}: {@code self} is the query whose constructor bound
   * it ({@link QueryDef} rebinds it in every copy, so a {@code withX} copy reads itself, not its original).
   */
  record SelfBound<K, V>(RecursiveFunction<K, V> body, Query<K, V> self) implements QueryFunction<K, V> {
    SelfBound {
      Objects.requireNonNull(body, "fn");
    }

    SelfBound<K, V> bind(Query<K, V> query) {
      return new SelfBound<>(body, query);
    }

    @Override
    public V compute(QueryContext ctx, K key) throws Exception {
      return body.compute(self, ctx, key);
    }
  }

  /**
   * The result of a group of definitions, handed to the definitions before it exists and filled in once they
   * return. Volatile: the result may reach a body's thread by any means, racy ones included.
   */
  static final class Knot<T> implements Supplier<T> {
    private volatile T tied;

    void tie(T value) {
      tied = Objects.requireNonNull(value, "the definitions passed to Query.recursive returned null");
    }

    @Override
    public T get() {
      T t = tied;
      if (t == null) {
        throw new IllegalStateException("the definitions passed to Query.recursive read their own result"
            + " while being built; read it only inside query bodies, which run after it is complete");
      }
      return t;
    }

    @Override
    public String toString() {
      return tied == null ? "Query.recursive[being built]" : "Query.recursive[" + tied + "]";
    }
  }
}
