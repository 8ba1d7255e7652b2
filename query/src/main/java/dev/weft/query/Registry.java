package dev.weft.query;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The queries an engine knows: a {@link Table} per query object it has used, and the query object behind each
 * name, used or registered with {@link QueryEngine.Builder#queries}.
 *
 * <p><b>Implementation overview.</b> Both maps only grow while the engine is open. A name maps to exactly one
 * query object for the engine's life: a second object under a taken name is refused, which is what makes a
 * stored trace's query names resolvable ({@link Persistence}). The engine's hit path does not come here: a
 * query object caches the table of the last engine that used it ({@link QueryDef#table}), and only a miss of
 * that cache calls {@link #table}. Close {@link #detach detaches} those caches so the query objects, often
 * static, keep no closed engine reachable.
 */
final class Registry {
  private final QueryEngine engine;
  private final ConcurrentHashMap<QueryDef<?, ?>, Table> tables = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, QueryDef<?, ?>> names = new ConcurrentHashMap<>();

  /** {@code registered} was checked by the builder: no two objects share a name. */
  Registry(QueryEngine engine, List<QueryDef<?, ?>> registered) {
    this.engine = engine;
    for (QueryDef<?, ?> d : registered) {
      names.putIfAbsent(d.name, d);
    }
  }

  /** The table of {@code d}, created on first use; caches it in {@code d} while the engine is open. */
  Table table(QueryDef<?, ?> d) {
    Table t = tables.get(d);
    if (t == null) {
      if (engine.gate.closed()) {
        throw new IllegalStateException("engine '" + engine.name() + "' is closed; cannot use query '" + d.name
            + "'");
      }
      QueryDef<?, ?> prev = names.putIfAbsent(d.name, d);
      if (prev != null && prev != d) {
        String copy = d.copiedAt() != null ? d.copiedAt() : prev.copiedAt();
        throw new IllegalArgumentException("engine '" + engine.name() + "' already uses a different query named '"
            + d.name + "'" + (copy == null ? "" : " (a configured copy of one of them was made by " + copy + ")")
            + "; each query object is its own identity (withX returns a new one), so give each a distinct name"
            + " or use the same object");
      }
      t = tables.computeIfAbsent(d, k -> new Table(engine, k));
    }
    d.warnIfCopied(engine.name());
    if (!engine.gate.closed()) {
      d.table = t;
    }
    return t;
  }

  /** The query known by {@code name} (used or registered), or null. */
  QueryDef<?, ?> named(String name) {
    return names.get(name);
  }

  /** Every table, for snapshots and checkpoints. */
  Collection<Table> tables() {
    return tables.values();
  }

  /** After close: clears the table caches of the query objects that still point at this engine's tables. */
  void detach() {
    for (QueryDef<?, ?> d : tables.keySet()) {
      Table cached = d.table;
      if (cached != null && cached.engine == engine) {
        d.table = null; // racy with another engine caching its own table there: that one then misses once
      }
    }
  }
}
