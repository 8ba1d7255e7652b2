package dev.weft.srctest.query;

import dev.weft.query.CycleException;
import dev.weft.query.Query;
import dev.weft.query.QueryContext;
import java.util.HashMap;
import java.util.Map;

/**
 * Small named query networks for scenarios: a query's body reads other queries of the network by name (so
 * cycles can be written down before every query exists) and returns its base plus the sum of what it read.
 */
final class Net {
  /** A body step run before the reads; lets a scenario signal or wait at a chosen point. */
  @FunctionalInterface
  interface Hook {
    void run(QueryContext ctx, Integer key) throws Exception;
  }

  private final Map<String, Query<Integer, Integer>> queries = new HashMap<>();

  Query<Integer, Integer> add(String name, Integer fallback, int base, String... reads) {
    return add(name, fallback, base, (ctx, key) -> { }, reads);
  }

  Query<Integer, Integer> add(String name, Integer fallback, int base, Hook before, String... reads) {
    Query<Integer, Integer> q = Query.of(name, (ctx, key) -> {
      before.run(ctx, key);
      int acc = base;
      for (String r : reads) {
        acc += ctx.get(get(r), key);
      }
      return acc;
    });
    if (fallback != null) {
      int value = fallback;
      q = q.withCycleFallback((key, cycle) -> value);
    }
    queries.put(name, q);
    return q;
  }

  /** Registers a query built elsewhere under its name. */
  <Q extends Query<Integer, Integer>> Q put(Q query) {
    queries.put(query.name(), query);
    return query;
  }

  Query<Integer, Integer> get(String name) {
    Query<Integer, Integer> q = queries.get(name);
    if (q == null) {
      throw new IllegalArgumentException("no query " + name);
    }
    return q;
  }

  /** The message of a {@link CycleException} over {@code calls}, already in canonical rotation. */
  static String cycle(String... calls) {
    StringBuilder sb = new StringBuilder("cycle detected when computing ").append(calls[0]);
    for (int i = 1; i < calls.length; i++) {
      sb.append("\n  ...which requires computing ").append(calls[i]);
    }
    return sb.append("\n  ...which again requires computing ").append(calls[0]).append(", completing the cycle")
        .toString();
  }
}
