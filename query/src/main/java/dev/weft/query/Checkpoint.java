package dev.weft.query;

import dev.weft.query.MemoStore.Dep;
import dev.weft.query.MemoStore.Group;
import dev.weft.query.MemoStore.MemoId;
import dev.weft.query.MemoStore.Report;
import dev.weft.query.MemoStore.Step;
import dev.weft.query.MemoStore.Trace;
import dev.weft.scheduler.Scheduler;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * One checkpoint of an engine's {@link Persistence}: the traces of the kept memos current in a revision,
 * written to the store. The rules (what is kept, the two passes on the engine's carriers, the order the store
 * gets) are in the implementation overview of {@link Persistence}.
 */
final class Checkpoint {
  /** Traces by query name, version and encoded key (unsigned); the namespace is the engine's for all. */
  private static final Comparator<Trace> BY_ID = Checkpoint::compareIds;
  /** Memos a checkpoint's thread claims at a time. */
  private static final int CHUNK = 32;
  /** Fewer new memos than this are traced on the calling thread alone. */
  private static final int PARALLEL_MIN = 4 * CHUNK;

  private final Persistence link;

  Checkpoint(Persistence link) {
    this.link = link;
  }

  /**
   * Writes the traces of every kept memo current in revision {@code rev} (the caller holds the gate's lock).
   *
   * @throws java.io.UncheckedIOException as {@link MemoStore#write} does
   */
  void write(Iterable<Table> tables, long rev) {
    QueryEngine engine = link.engine;
    long t0 = System.nanoTime();
    Scan scan = new Scan(rev);
    for (Table t : tables) {
      QueryDef<?, ?> q = t.query;
      if (t.input || !q.kept()) {
        continue;
      }
      for (Memo m : t.memos()) {
        scan.add(m);
      }
    }
    List<Trace> used = scan.used;
    List<Memo> fresh = scan.fresh;
    List<Object> values = scan.values;
    List<Object[]> records = scan.records;
    int n = fresh.size();
    byte[][] bytes = new byte[n][];
    Trace[] traces = new Trace[n];
    Scheduler s = engine.scheduler();
    int helpers = n < PARALLEL_MIN || s.isDeterministic() ? 0 : s.stats().carriers() - 1;
    // Every value is encoded before any trace is built, so that a trace finds its dependencies' fingerprints
    // cached and each value is encoded once. Each index has one slot: the order is the scan's, whoever ran it.
    Chunks.run(s, helpers, n, CHUNK, i -> bytes[i] = link.encodeValue(fresh.get(i), values.get(i)));
    Chunks.run(s, helpers, n, CHUNK, i -> {
      if (bytes[i] != null) {
        traces[i] = trace(fresh.get(i), values.get(i), records.get(i), bytes[i]);
        bytes[i] = null;
      }
    });
    // In the order of their ids, not of the scan (which follows how each table's memos arrived, a matter of
    // scheduling): equal engines write equal checkpoints, so a local store's files are the same bytes.
    List<Written> written = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      if (traces[i] != null) {
        written.add(new Written(traces[i], fresh.get(i)));
      }
    }
    written.sort((x, y) -> compareIds(x.trace, y.trace));
    List<Trace> added = new ArrayList<>(written.size());
    for (Written w : written) {
      added.add(w.trace);
    }
    used.sort(BY_ID);
    try {
      link.store.write(added, used);
    } finally {
      engine.counters.checkpointNanos.add(System.nanoTime() - t0);
    }
    engine.counters.tracesStored.add(added.size());
    for (Written w : written) {
      w.keep();
    }
    Events.checkpoint(engine.name(), added.size(), used.size(), System.nanoTime() - t0);
  }

  /** A trace to write and its memo. */
  private record Written(Trace trace, Memo memo) {
    /** Keeps the trace, once written, without its bytes: a later write of it as used needs no value. */
    void keep() {
      Persistence.Kept k = memo.kept;
      Object v = k.value;
      @SuppressWarnings("unchecked")
      Codec<Object> codec = (Codec<Object>) memo.table.query.valueCodec;
      k.trace = new Trace(trace.id(), trace.value(), trace.steps(), () -> Persistence.encodeQuietly(codec, v),
          trace.digest());
      k.deps = memo.deps;
    }
  }

  /**
   * The memos of a checkpoint's scan: those whose trace was written before ({@code used}) and those to trace.
   * One call per memo, so that the JIT compiles it (a loop run once per process stays interpreted).
   */
  private static final class Scan {
    final long rev;
    final List<Trace> used = new ArrayList<>();
    final List<Memo> fresh = new ArrayList<>();
    final List<Object> values = new ArrayList<>();
    final List<Object[]> records = new ArrayList<>();

    Scan(long rev) {
      this.rev = rev;
    }

    void add(Memo m) {
      if (m.verifiedAt != rev || m.cycle != null) {
        return;
      }
      Object v = m.result;
      Object[] deps = m.deps;
      if (v == null || v instanceof Failure || deps == null) {
        return;
      }
      Persistence.Kept k = m.kept;
      if (k != null && k.trace != null && k.value == v && k.deps == deps) {
        used.add(k.trace);
        return;
      }
      fresh.add(m);
      values.add(v);
      records.add(deps);
    }
  }

  /**
   * The trace of {@code m} (value {@code v} encoded as {@code bytes}, record {@code deps}), or null when it
   * cannot be kept.
   */
  private Trace trace(Memo m, Object v, Object[] deps, byte[] bytes) {
    Persistence.Kept self = link.fingerprint(m, v); // cached by encodeValue
    if (self == null) {
      return null;
    }
    List<Step> steps = new ArrayList<>(deps.length);
    for (Object d : deps) {
      if (d instanceof Memo dm) {
        Dep dep = dep(dm);
        if (dep == null) {
          return null;
        }
        steps.add(dep);
      } else if (d instanceof Memo[] group) {
        List<Dep> ds = new ArrayList<>(group.length);
        for (Memo g : group) {
          Dep dep = dep(g);
          if (dep == null) {
            return null;
          }
          ds.add(dep);
        }
        steps.add(new Group(ds));
      } else {
        try {
          steps.add(new Report(Codecs.encode(Codecs.DIAGNOSTIC, (Diagnostic) d)));
        } catch (IOException | RuntimeException e) {
          return null;
        }
      }
    }
    QueryDef<?, ?> q = m.table.query;
    self.deps = deps;
    Trace t = new Trace(new MemoId(link.engine.name(), q.name, q.version, self.key), self.fingerprint, steps,
        () -> bytes);
    t.digest(); // computed here, on the checkpoint's threads, and kept: the store compares traces by digest
    return t;
  }

  private static int compareIds(Trace a, Trace b) {
    MemoId x = a.id();
    MemoId y = b.id();
    // Names are mostly the same instances (a query's name and version): skip comparing them char by char.
    int c = x.query() == y.query() ? 0 : x.query().compareTo(y.query());
    if (c == 0 && x.version() != y.version()) {
      c = x.version().compareTo(y.version());
    }
    return c != 0 ? c : Arrays.compareUnsigned(x.key(), y.key());
  }

  private Dep dep(Memo dm) {
    QueryDef<?, ?> dq = dm.table.query;
    Object dv = dm.result;
    if (!dq.kept() || dq.keyCodec == null || dv == null || dv instanceof Failure || dm.cycle != null) {
      return null;
    }
    Persistence.Kept k = link.fingerprint(dm, dv);
    return k == null ? null : new Dep(dq.name, k.key, k.fingerprint);
  }
}
