package dev.weft.query;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Per-query execution counts by outcome and time spent, kept only while a metrics binder is attached to the
 * engine (the engine reads one field per execution when none is). Free of Micrometer so the engine never
 * loads it; {@link QueryEngineMetrics} turns each new query into meters through {@link #addListener}.
 */
final class QueryTimings {
  /** The counters of one query. */
  static final class PerQuery {
    final String query;
    final LongAdder[] byOutcome = new LongAdder[Outcome.RUN.length];
    final LongAdder nanos = new LongAdder();

    PerQuery(String query) {
      this.query = query;
      for (int i = 0; i < byOutcome.length; i++) {
        byOutcome[i] = new LongAdder();
      }
    }

    long count() {
      long n = 0;
      for (LongAdder a : byOutcome) {
        n += a.sum();
      }
      return n;
    }
  }

  private final ConcurrentHashMap<Object, PerQuery> queries = new ConcurrentHashMap<>();
  private final CopyOnWriteArrayList<Consumer<PerQuery>> listeners = new CopyOnWriteArrayList<>();

  /** Calls {@code onNewQuery} for every query seen so far and every query seen later. */
  void addListener(Consumer<PerQuery> onNewQuery) {
    listeners.add(onNewQuery);
    queries.values().forEach(onNewQuery);
  }

  void record(Table table, Outcome outcome, long nanos) {
    PerQuery p = queries.get(table);
    if (p == null) {
      PerQuery fresh = new PerQuery(table.query.name);
      p = queries.putIfAbsent(table, fresh);
      if (p == null) {
        p = fresh;
        for (Consumer<PerQuery> l : listeners) {
          l.accept(p);
        }
      }
    }
    p.byOutcome[outcome.ordinal()].increment(); // Outcome.RUN lists the run outcomes first, in order
    p.nanos.add(nanos);
  }
}
