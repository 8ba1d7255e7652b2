package dev.weft.query;

import dev.weft.query.MemoStore.Dep;
import dev.weft.query.MemoStore.Fingerprint;
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
import java.util.function.Function;

/**
 * One checkpoint of an engine's {@link Persistence}: the traces of the kept memos current in a revision,
 * written to the store. The rules (what is kept, the two passes on the engine's carriers, the order the store
 * gets) are in the implementation overview of {@link Persistence}.
 */
final class Checkpoint {
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
      scan.table(t);
      for (Memo m : t.memos()) {
        scan.add(m);
      }
    }
    scan.table(null);
    List<Memo> fresh = scan.fresh;
    List<Object> values = scan.values;
    List<Object[]> records = scan.records;
    int n = fresh.size();
    byte[][] bytes = new byte[n][];
    Written[] written = new Written[n];
    Scheduler s = engine.scheduler();
    int helpers = n < PARALLEL_MIN || s.isDeterministic() ? 0 : s.stats().carriers() - 1;
    // Every value is encoded before any trace is built, so that a trace finds its dependencies' fingerprints
    // cached and each value is encoded once. Each index has one slot: the order is the scan's, whoever ran it.
    Chunks.run(s, helpers, n, CHUNK, i -> bytes[i] = link.encodeValue(fresh.get(i), values.get(i)));
    Chunks.run(s, helpers, n, CHUNK, i -> {
      if (bytes[i] != null) {
        written[i] = trace(fresh.get(i), values.get(i), records.get(i), bytes[i]);
        bytes[i] = null;
      }
    });
    // In the order of their ids, not of the scan (which follows how each table's memos arrived, a matter of
    // scheduling): equal engines write equal checkpoints, so a local store's files are the same bytes.
    Written[] sorted = sortById(s, helpers, written, scan.freshRuns(), Written::id);
    Trace[] usedSorted = sortById(s, helpers, scan.used.toArray(Trace[]::new), scan.usedRuns(), Trace::id);
    List<Trace> added = new ArrayList<>(sorted.length);
    for (Written w : sorted) {
      added.add(w.trace);
    }
    List<Trace> used = Arrays.asList(usedSorted);
    try {
      link.store.write(added, used);
    } finally {
      engine.counters.checkpointNanos.add(System.nanoTime() - t0);
    }
    engine.counters.tracesStored.add(added.size());
    for (Written w : sorted) {
      w.keep();
    }
    Events.checkpoint(engine.name(), added.size(), used.size(), System.nanoTime() - t0);
  }

  /**
   * The non-null elements of {@code items} in the order of their ids (query name, version, key unsigned; the
   * namespace is the engine's for all). The scan lists each table's memos together, at the {@code runs} of
   * {@code items}: the runs are put in the order of their query's name and version, and each is sorted by key
   * alone (one query's memos share their name and version), the runs on the checkpoint's threads.
   */
  private static <T> T[] sortById(Scheduler s, int helpers, T[] items, Run[] runs, Function<T, MemoId> id) {
    Arrays.sort(runs, Run.BY_QUERY);
    Object[][] parts = new Object[runs.length][];
    Chunks.run(s, Math.min(helpers, runs.length - 1), runs.length, 1, r -> {
      T[] part = compact(items, runs[r].from(), runs[r].to());
      byte[][] keys = new byte[part.length][];
      for (int i = 0; i < keys.length; i++) {
        keys[i] = id.apply(part[i]).key();
      }
      KeySort.sort(part, keys);
      parts[r] = part;
    });
    int size = 0;
    for (Object[] part : parts) {
      size += part.length;
    }
    T[] out = Arrays.copyOf(items, size);
    int at = 0;
    for (Object[] part : parts) {
      System.arraycopy(part, 0, out, at, part.length);
      at += part.length;
    }
    return out;
  }

  /** The non-null elements of {@code items[from, to)}. */
  private static <T> T[] compact(T[] items, int from, int to) {
    int k = 0;
    for (int i = from; i < to; i++) {
      k += items[i] == null ? 0 : 1;
    }
    T[] out = Arrays.copyOf(items, k);
    k = 0;
    for (int i = from; i < to; i++) {
      if (items[i] != null) {
        out[k++] = items[i];
      }
    }
    return out;
  }

  /** One table's memos in a list of the scan: indexes {@code [from, to)}. */
  private record Run(QueryDef<?, ?> query, int from, int to) {
    static final Comparator<Run> BY_QUERY = Comparator.<Run, String>comparing(r -> r.query.name)
        .thenComparing(r -> r.query.version);
  }

  /** A trace to write, its memo, and the trace the memo keeps once it is written. */
  private record Written(Trace trace, Memo memo, Trace kept) {
    MemoId id() {
      return trace.id();
    }

    /** Keeps the trace, once written, without its bytes: a later write of it as used needs no value. */
    void keep() {
      Persistence.Kept k = memo.kept;
      k.trace = kept;
      k.deps = memo.deps;
    }
  }

  /**
   * The memos of a checkpoint's scan: those whose trace was written before ({@code used}) and those to trace,
   * each table's together (its {@link Run}s). One call per memo, so that the JIT compiles it (a loop run once
   * per process stays interpreted).
   */
  private static final class Scan {
    final long rev;
    final List<Trace> used = new ArrayList<>();
    final List<Memo> fresh = new ArrayList<>();
    final List<Object> values = new ArrayList<>();
    final List<Object[]> records = new ArrayList<>();
    private final List<Run> freshRuns = new ArrayList<>();
    private final List<Run> usedRuns = new ArrayList<>();
    private QueryDef<?, ?> query;
    private int freshFrom;
    private int usedFrom;

    Scan(long rev) {
      this.rev = rev;
    }

    /** Starts the memos of table {@code t} (null: the end of the scan). */
    void table(Table t) {
      if (query != null) {
        freshRuns.add(new Run(query, freshFrom, fresh.size()));
        usedRuns.add(new Run(query, usedFrom, used.size()));
      }
      query = t == null ? null : t.query;
      freshFrom = fresh.size();
      usedFrom = used.size();
    }

    Run[] freshRuns() {
      return freshRuns.toArray(Run[]::new);
    }

    Run[] usedRuns() {
      return usedRuns.toArray(Run[]::new);
    }

    void add(Memo m) {
      if (m.verifiedAt != rev || m.cycle != null) {
        return;
      }
      Object v = m.result;
      Object[] deps = m.deps;
      Persistence.Kept k = m.kept;
      if (v == null && k != null && k.value == Persistence.UNREAD) {
        v = Persistence.UNREAD; // reused and never read: its trace, below, is still its record
      }
      if (v == null || v instanceof Failure || deps == null) {
        return;
      }
      if (k != null && k.trace != null && k.value == v && k.deps == deps) {
        used.add(k.trace);
      } else if (v != Persistence.UNREAD) {
        fresh.add(m);
        values.add(v);
        records.add(deps);
      }
    }
  }

  /**
   * The trace of {@code m} (value {@code v} encoded as {@code bytes}, record {@code deps}), or null when it
   * cannot be kept.
   */
  private Written trace(Memo m, Object v, Object[] deps, byte[] bytes) {
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
    Fingerprint digest = t.digest(); // computed here, on the checkpoint's threads: the store compares digests
    @SuppressWarnings("unchecked")
    Codec<Object> codec = (Codec<Object>) q.valueCodec;
    return new Written(t, m, new Trace(t.id(), t.value(), t.steps(), () -> Persistence.encodeQuietly(codec, v),
        digest));
  }

  private Dep dep(Memo dm) {
    QueryDef<?, ?> dq = dm.table.query;
    Object dv = dm.result;
    Persistence.Kept k = dm.kept;
    if (dv == null && k != null && k.value == Persistence.UNREAD) {
      return new Dep(dq.name, k.key, k.fingerprint); // reused and never read: its trace's fingerprint
    }
    if (!dq.kept() || dq.keyCodec == null || dv == null || dv instanceof Failure || dm.cycle != null) {
      return null;
    }
    k = link.fingerprint(dm, dv);
    return k == null ? null : new Dep(dq.name, k.key, k.fingerprint);
  }
}
