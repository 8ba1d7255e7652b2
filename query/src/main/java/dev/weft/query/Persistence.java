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
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An engine's link to its {@link MemoStore}: reusing memos by verifying traces, and writing checkpoints
 * (DESIGN.md section 9).
 *
 * <p><b>Implementation overview.</b>
 * <ul>
 *   <li><b>Reuse</b> ({@link #reuse}). A memo of a kept query ({@link Query#withCodec}) that has never completed
 *       in this engine asks the store for its traces, newest first, before its body would run. The claimant
 *       brings each recorded dependency up to date in read order (a getAll group through {@link FanOut}),
 *       resolving it by query name (a query this engine has used, or one registered with
 *       {@link QueryEngine.Builder#queries}) and decoding its key with that query's codec, and compares the
 *       fingerprint of its value now with the recorded one; the first mismatch moves to the next trace. A
 *       trace whose every dependency matches gives the value (its bytes checked against the trace's
 *       fingerprint, then decoded by the query's own codec) and its diagnostics; the memo completes with the
 *       resolved dependencies as its record, so later revisions verify it like any other. Because a body is
 *       deterministic, the dependencies fetched before a mismatch are the ones the body would have read
 *       itself: reuse never computes more than execution would.</li>
 *   <li><b>Fingerprints</b> are computed lazily and cached per memo ({@link Memo#kept}) together with the
 *       value they belong to (by identity) and the encoded key; an input's fingerprint is that of the value set
 *       in this process. Comparing fingerprints, not revisions, is what makes early cutoff work across
 *       processes.</li>
 *   <li><b>Checkpoint</b> ({@link #checkpoint}). Under the gate's lock (no revision change meanwhile), every
 *       memo of a kept query that is current, holds a value (not a failure), is not a cycle member and read
 *       only kept queries gives a trace: unchanged since the last checkpoint (same value and record objects) it
 *       is passed as <em>used</em>, else built afresh as <em>added</em>. Failures, cancellations and cycle
 *       outcomes are not kept; inputs are not traced (their values come from the caller). The new traces are
 *       built in two passes over the memos in scan order: first each value is encoded once (its bytes kept for
 *       the trace, its fingerprint cached), then each trace's steps are made from its dependencies' cached
 *       fingerprints (an input's computed on first use). Both passes run in chunks on the caller and on
 *       {@code carriers - 1} helper tasks of the engine's scheduler ({@link Chunks}): tasks, not threads of
 *       their own, so that a checkpoint uses the processors the engine was given (its carriers, a make
 *       jobserver's tokens) and no more; none on a deterministic scheduler, which has one carrier to give and
 *       whose schedule stays the program's. The helpers neither lock nor wait, so the gate's lock held
 *       meanwhile cannot deadlock them, and the caller does every chunk no helper has claimed. Each memo has its
 *       own slot in the passes' arrays, whichever thread fills it; the store then gets the added and the used
 *       traces sorted by id (query, version, key), not in scan order, which follows how the memos arrived in
 *       their tables: equal engines write equal checkpoints, and a local store the same bytes.</li>
 *   <li><b>Faults.</b> A codec that throws or reads garbage, a trace whose bytes do not match its
 *       fingerprint, a trace naming an unknown query: the trace is not reused (the memo computes), and the
 *       first occurrence per query is logged. An encoding that differs for equal values is detected when a
 *       memo re-executes to a value equal by its cutoff but with another fingerprint, and logged once.</li>
 * </ul>
 */
final class Persistence {
  private static final System.Logger LOG = System.getLogger("dev.weft.query");
  /** Traces by query name, version and encoded key (unsigned); the namespace is the engine's for all. */
  private static final Comparator<Trace> BY_ID = Persistence::compareIds;
  /** Memos a checkpoint's thread claims at a time. */
  private static final int CHUNK = 32;
  /** Fewer new memos than this are traced on the calling thread alone. */
  private static final int PARALLEL_MIN = 4 * CHUNK;

  private final QueryEngine engine;
  final MemoStore store;
  /** Query names a warning was logged for, so each problem is logged once per query. */
  private final Set<String> warned = ConcurrentHashMap.newKeySet();

  /** The cached fingerprint of one memo's value, and its encoded key. */
  static final class Kept {
    final Object value;
    final Fingerprint fingerprint;
    final byte[] key;
    /** The trace last written or reused for this memo, and the record and value it was made from. */
    Trace trace;
    Object[] deps;

    Kept(Object value, Fingerprint fingerprint, byte[] key) {
      this.value = value;
      this.fingerprint = fingerprint;
      this.key = key;
    }
  }

  /** A reused memo's outcome: its decoded value and the record resolved from its trace. */
  record Reused(Object value, Object[] deps, boolean reported, Trace trace, Fingerprint fingerprint) {}

  Persistence(QueryEngine engine, MemoStore store) {
    this.engine = engine;
    this.store = store;
  }

  // --------------------------------------------------------------------------------------------- reuse

  /**
   * Tries to complete the memo {@code f} claims from a stored trace; returns the reused outcome, or null when
   * no trace matches (the caller executes). May fetch dependencies, so it may throw what a read throws.
   */
  Reused reuse(Frame f) {
    Runner r = f.runner;
    Memo m = f.memo;
    QueryDef<?, ?> q = m.table.query;
    EngineCounters counters = engine.counters;
    byte[] key = keyBytes(m);
    if (key == null) {
      return null;
    }
    counters.tracesLookedUp.increment();
    List<Trace> traces = store.traces(new MemoId(engine.name(), q.name, q.version, key));
    for (Trace t : traces) {
      Reused out = tryTrace(r, m, q, t);
      if (out != null) {
        counters.tracesReused.increment();
        Kept k = new Kept(out.value, out.fingerprint, key);
        k.trace = t;
        k.deps = out.deps;
        m.kept = k;
        return out;
      }
      counters.tracesMismatched.increment();
    }
    return null;
  }

  private Reused tryTrace(Runner r, Memo m, QueryDef<?, ?> q, Trace t) {
    List<Step> steps = t.steps();
    Object[] deps = new Object[steps.size()];
    boolean reported = false;
    for (int i = 0; i < deps.length; i++) {
      switch (steps.get(i)) {
        case Dep d -> {
          Memo dm = resolve(d.query(), d.key());
          if (dm == null || !matches(dm, Fetch.fetch(r, dm, true), d.fingerprint())) {
            return null;
          }
          deps[i] = dm;
        }
        case Group g -> {
          List<Dep> ds = g.deps();
          Memo[] ms = new Memo[ds.size()];
          for (int j = 0; j < ms.length; j++) {
            ms[j] = resolve(ds.get(j).query(), ds.get(j).key());
            if (ms[j] == null) {
              return null;
            }
          }
          Object[] values = FanOut.run(r, ms, true);
          for (int j = 0; j < ms.length; j++) {
            Object v = ms[j].table.input ? ms[j].result : values[j];
            if (!matches(ms[j], v, ds.get(j).fingerprint())) {
              return null;
            }
          }
          deps[i] = ms;
        }
        case Report rep -> {
          try {
            deps[i] = Codecs.decode(Codecs.DIAGNOSTIC, rep.diagnostic());
            reported = true;
          } catch (IOException | RuntimeException e) {
            warnOnce(q.name, "a stored diagnostic of query '" + q.name + "' could not be read (" + e
                + "); its memos are computed instead");
            return null;
          }
        }
      }
    }
    byte[] bytes = t.loadValue();
    if (bytes == null) {
      return null;
    }
    Fingerprint fp = MemoStore.Fingerprint.of(bytes);
    if (!fp.equals(t.value())) {
      warnOnce(q.name, "a stored value of query '" + q.name + "' does not match its fingerprint; its memos are"
          + " computed instead");
      return null;
    }
    Object value;
    try {
      @SuppressWarnings("unchecked")
      Codec<Object> codec = (Codec<Object>) q.valueCodec;
      value = Codecs.decode(codec, bytes);
    } catch (IOException | RuntimeException e) {
      warnOnce(q.name, "the codec of query '" + q.name + "' could not read a stored value (" + e + "); its"
          + " memos are computed instead");
      return null;
    }
    if (value == null) {
      return null;
    }
    engine.counters.valuesLoaded.increment();
    return new Reused(value, deps, reported, t, fp);
  }

  /** Whether {@code dm}, whose outcome now is {@code v}, has the fingerprint {@code recorded}. */
  private boolean matches(Memo dm, Object v, Fingerprint recorded) {
    if (v == null || v instanceof Failure) {
      return false;
    }
    Kept k = fingerprint(dm, v);
    return k != null && k.fingerprint.equals(recorded);
  }

  /** The memo of query {@code name} at the key {@code key} encodes, or null when it cannot be resolved. */
  private Memo resolve(String name, byte[] key) {
    QueryDef<?, ?> d = engine.queryNamed(name);
    if (d == null || d.keyCodec == null || d.valueCodec == null) {
      return null;
    }
    Object k;
    try {
      k = Codecs.decode(d.keyCodec, key);
    } catch (IOException | RuntimeException e) {
      warnOnce(name, "the key codec of query '" + name + "' could not read a stored key (" + e + ")");
      return null;
    }
    if (k == null) {
      return null;
    }
    return engine.table(d).memo(k);
  }

  // ------------------------------------------------------------------------------------- fingerprints

  /** The encoded key of {@code m}, or null when its codec fails. */
  private byte[] keyBytes(Memo m) {
    Kept k = m.kept;
    if (k != null) {
      return k.key;
    }
    @SuppressWarnings("unchecked")
    Codec<Object> codec = (Codec<Object>) m.table.query.keyCodec;
    try {
      return Codecs.encode(codec, m.key);
    } catch (IOException | RuntimeException e) {
      warnOnce(m.table.query.name, "the key codec of query '" + m.table.query.name + "' failed on " + m + " ("
          + e + "); its memos are not kept");
      return null;
    }
  }

  /** {@code m}'s fingerprint for its value {@code v} (cached by identity), or null when the codec fails. */
  Kept fingerprint(Memo m, Object v) {
    Kept k = m.kept;
    if (k != null && k.value == v) {
      return k;
    }
    QueryDef<?, ?> q = m.table.query;
    byte[] key = keyBytes(m);
    if (key == null || q.valueCodec == null) {
      return null;
    }
    Fingerprint fp;
    try {
      @SuppressWarnings("unchecked")
      Codec<Object> codec = (Codec<Object>) q.valueCodec;
      fp = CodecSupport.fingerprint(codec, v);
    } catch (IOException | RuntimeException e) {
      warnOnce(q.name, "the value codec of query '" + q.name + "' failed on " + m + " (" + e + "); its memos"
          + " are not kept");
      return null;
    }
    return remember(m, k, v, fp, key);
  }

  /** Caches {@code fp} as the fingerprint of {@code m}'s value {@code v}; {@code k} is what was cached before. */
  private Kept remember(Memo m, Kept k, Object v, Fingerprint fp, byte[] key) {
    QueryDef<?, ?> q = m.table.query;
    Kept fresh = new Kept(v, fp, key);
    if (k != null && k.value != null && !k.fingerprint.equals(fresh.fingerprint) && sameValue(q, k.value, v)) {
      warnOnce(q.name, "query '" + q.name + "' encodes equal values to different bytes (" + m + "): its encoding"
          + " is not deterministic, so its stored memos are rarely reused; sort sets and maps (see Codec)");
    }
    m.kept = fresh; // racy: every thread computes the same
    return fresh;
  }

  /**
   * The encoding of {@code m}'s value {@code v}, its fingerprint cached from these very bytes (one encoding
   * serves the trace's value and its fingerprint); null when it cannot be kept (the failure logged once, as
   * {@link #fingerprint} does).
   */
  private byte[] encodeValue(Memo m, Object v) {
    QueryDef<?, ?> q = m.table.query;
    @SuppressWarnings("unchecked")
    Codec<Object> codec = (Codec<Object>) q.valueCodec;
    Kept k = m.kept;
    if (k != null && k.value == v) {
      return encodeQuietly(codec, v); // fingerprinted already (a dependent's trace, a reuse)
    }
    byte[] key = keyBytes(m);
    if (key == null || codec == null) {
      return null;
    }
    byte[] bytes;
    try {
      bytes = Codecs.encode(codec, v);
    } catch (IOException | RuntimeException e) {
      warnOnce(q.name, "the value codec of query '" + q.name + "' failed on " + m + " (" + e + "); its memos"
          + " are not kept");
      return null;
    }
    remember(m, k, v, MemoStore.Fingerprint.of(bytes), key);
    return bytes;
  }

  private static boolean sameValue(QueryDef<?, ?> q, Object a, Object b) {
    try {
      return q.same(a, b);
    } catch (RuntimeException e) {
      return false;
    }
  }

  // ------------------------------------------------------------------------------------- checkpoint

  /**
   * Writes the traces of every kept memo current in revision {@code rev} (the caller holds the gate's lock).
   *
   * @throws java.io.UncheckedIOException as {@link MemoStore#write} does
   */
  void checkpoint(Iterable<Table> tables, long rev) {
    long t0 = System.nanoTime();
    List<Trace> used = new ArrayList<>();
    List<Memo> fresh = new ArrayList<>();
    List<Object> values = new ArrayList<>();
    List<Object[]> records = new ArrayList<>();
    for (Table t : tables) {
      QueryDef<?, ?> q = t.query;
      if (t.input || !q.kept()) {
        continue;
      }
      for (Memo m : t.memos()) {
        if (m.verifiedAt != rev || m.cycle != null) {
          continue;
        }
        Object v = m.result;
        Object[] deps = m.deps;
        if (v == null || v instanceof Failure || deps == null) {
          continue;
        }
        Kept k = m.kept;
        if (k != null && k.trace != null && k.value == v && k.deps == deps) {
          used.add(k.trace);
          continue;
        }
        fresh.add(m);
        values.add(v);
        records.add(deps);
      }
    }
    int n = fresh.size();
    byte[][] bytes = new byte[n][];
    Trace[] traces = new Trace[n];
    Scheduler s = engine.scheduler();
    int helpers = n < PARALLEL_MIN || s.isDeterministic() ? 0 : s.stats().carriers() - 1;
    // Every value is encoded before any trace is built, so that a trace finds its dependencies' fingerprints
    // cached and each value is encoded once. Each index has one slot: the order is the scan's, whoever ran it.
    Chunks.run(s, helpers, n, CHUNK, i -> bytes[i] = encodeValue(fresh.get(i), values.get(i)));
    Chunks.run(s, helpers, n, CHUNK, i -> {
      if (bytes[i] != null) {
        traces[i] = trace(fresh.get(i), values.get(i), records.get(i), bytes[i]);
        bytes[i] = null;
      }
    });
    // In the order of their ids, not of the scan (which follows how each table's memos arrived, a matter of
    // scheduling): equal engines write equal checkpoints, so a local store's files are the same bytes.
    List<Trace> added = new ArrayList<>(n);
    Map<Trace, Memo> addedMemos = new IdentityHashMap<>(2 * n);
    for (int i = 0; i < n; i++) {
      if (traces[i] != null) {
        added.add(traces[i]);
        addedMemos.put(traces[i], fresh.get(i));
      }
    }
    added.sort(BY_ID);
    used.sort(BY_ID);
    try {
      store.write(added, used);
    } finally {
      engine.counters.checkpointNanos.add(System.nanoTime() - t0);
    }
    engine.counters.tracesStored.add(added.size());
    for (Trace tr : added) {
      Memo m = addedMemos.get(tr);
      Kept k = m.kept;
      Object v = k.value;
      @SuppressWarnings("unchecked")
      Codec<Object> codec = (Codec<Object>) m.table.query.valueCodec;
      // keep the trace without its bytes: a later store write of it as "used" needs no value
      k.trace = new Trace(tr.id(), tr.value(), tr.steps(), () -> encodeQuietly(codec, v), tr.digest());
      k.deps = m.deps;
    }
    Events.checkpoint(engine.name(), added.size(), used.size(), System.nanoTime() - t0);
  }

  /**
   * The trace of {@code m} (value {@code v} encoded as {@code bytes}, record {@code deps}), or null when it
   * cannot be kept.
   */
  private Trace trace(Memo m, Object v, Object[] deps, byte[] bytes) {
    Kept self = fingerprint(m, v); // cached by encodeValue
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
    Trace t = new Trace(new MemoId(engine.name(), q.name, q.version, self.key), self.fingerprint, steps,
        () -> bytes);
    t.digest(); // computed here, on the checkpoint's threads, and kept: the store compares traces by digest
    return t;
  }

  private static int compareIds(Trace a, Trace b) {
    MemoId x = a.id();
    MemoId y = b.id();
    int c = x.query().compareTo(y.query());
    if (c == 0) {
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
    Kept k = fingerprint(dm, dv);
    return k == null ? null : new Dep(dq.name, k.key, k.fingerprint);
  }

  private static byte[] encodeQuietly(Codec<Object> codec, Object v) {
    try {
      return Codecs.encode(codec, v);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private void warnOnce(String query, String message) {
    if (warned.add(query + "\u0000" + message.substring(0, Math.min(40, message.length())))) {
      LOG.log(System.Logger.Level.WARNING, "engine '" + engine.name() + "': " + message);
    }
  }

  @Override
  public String toString() {
    return "Persistence[" + store + ", " + Arrays.asList(engine.name()) + "]";
  }
}
