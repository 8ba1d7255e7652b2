package dev.weft.query;

import dev.weft.query.MemoStore.Dep;
import dev.weft.query.MemoStore.Fingerprint;
import dev.weft.query.MemoStore.Group;
import dev.weft.query.MemoStore.MemoId;
import dev.weft.query.MemoStore.Report;
import dev.weft.query.MemoStore.Step;
import dev.weft.query.MemoStore.Trace;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
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
 *       getAll group (of a trace, or of a body) first looks up the traces of its keys that will ask the store in
 *       one {@link MemoStore#traces(List)} call ({@link #prefetch}, from {@link FanOut#run}): a remote store
 *       issues them concurrently, and each key's reuse takes its traces from there. A trace whose every
 *       dependency matches gives the diagnostics; the memo completes with the resolved dependencies as its
 *       record, so later revisions verify it like any other. Because a body is deterministic, the
 *       dependencies fetched before a mismatch are the ones the body would have read itself: reuse never
 *       computes more than execution would.</li>
 *   <li><b>Values when read.</b> A reader that needs the value has it decoded at once (its bytes checked
 *       against the trace's fingerprint, then decoded by the query's own codec). Dependencies are fetched
 *       without needing their values, so a memo reused only to verify a dependent's trace completes like an
 *       evicted one, current with no value in memory, its {@link Kept} marked {@link #UNREAD} with the trace's
 *       fingerprint: matching a dependent's trace, and a checkpoint's scan, need only that. The first reader
 *       that needs the value claims the memo, as for an evicted value, and the claimant {@linkplain #load loads}
 *       it; if it cannot, the body restores it. A re-execution in a later revision loads the old value to
 *       compare it for early cutoff.</li>
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
 *       their tables: equal engines write equal checkpoints, and a local store the same bytes. The scan visits one
 *       table at a time, so each table's memos form a run: the runs are ordered by query name and version and
 *       each is sorted by key alone, the runs on the same threads as the passes. The second pass also builds
 *       the trace each memo keeps once written (its value re-encoded on demand), so that only the assignment is
 *       left after the store's write.</li>
 *   <li><b>Faults.</b> A codec that throws or reads garbage, a trace whose bytes do not match its
 *       fingerprint, a trace naming an unknown query: the trace is not reused (the memo computes), and the
 *       first occurrence per query is logged. An encoding that differs for equal values is detected when a
 *       memo re-executes to a value equal by its cutoff but with another fingerprint, and logged once.</li>
 * </ul>
 */
final class Persistence {
  private static final System.Logger LOG = System.getLogger("dev.weft.query");

  final QueryEngine engine;
  final MemoStore store;
  /** Query names a warning was logged for, so each problem is logged once per query. */
  private final Set<String> warned = ConcurrentHashMap.newKeySet();
  /** Traces looked up for a group ahead of its memos' claims ({@link #prefetch}); a memo's reuse takes them. */
  private final ConcurrentHashMap<Memo, List<Trace>> prefetched = new ConcurrentHashMap<>();
  /** Whether the store answers a batch of lookups better than one by one ({@link #answersBatches}). */
  private final boolean batches;

  /**
   * The {@link Kept#value} of a memo reused from a trace whose value is not decoded yet: its fingerprint is the
   * trace's and its value stays in the store until a reader asks for it ({@link #load}).
   */
  static final Object UNREAD = new Object() {
    @Override
    public String toString() {
      return "UNREAD";
    }
  };

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

  /**
   * A reused memo's outcome: its decoded value (null when left {@link #UNREAD}) and the record resolved from its
   * trace.
   */
  record Reused(Object value, Object[] deps, boolean reported) {}

  Persistence(QueryEngine engine, MemoStore store) {
    this.engine = engine;
    this.store = store;
    this.batches = answersBatches(store);
  }

  /**
   * Whether {@code store} has its own {@link MemoStore#traces(List)}: the interface's default asks key by key,
   * so a {@link #prefetch} through it would only add a map's work (a local store's case).
   */
  private static boolean answersBatches(MemoStore store) {
    try {
      return store.getClass().getMethod("traces", List.class).getDeclaringClass() != MemoStore.class;
    } catch (NoSuchMethodException impossible) {
      return true;
    }
  }

  // --------------------------------------------------------------------------------------------- reuse

  /**
   * Tries to complete the memo {@code f} claims from a stored trace; returns the reused outcome, or null when
   * no trace matches (the caller executes). The value is decoded now when {@code needValue} (a reader waits
   * for it), else left in the store until a reader asks for it ({@link #load}): a memo reused only to verify
   * its dependents' traces needs only its fingerprint. May fetch dependencies, so it may throw what a read
   * throws.
   */
  Reused reuse(Frame f, boolean needValue) {
    Runner r = f.runner;
    Memo m = f.memo;
    QueryDef<?, ?> q = m.table.query;
    EngineCounters counters = engine.counters;
    byte[] key = keyBytes(m);
    if (key == null) {
      return null;
    }
    counters.tracesLookedUp.increment();
    List<Trace> traces = prefetched.isEmpty() ? null : prefetched.remove(m);
    if (traces == null) {
      traces = store.traces(new MemoId(engine.name(), q.name, q.version, key));
    }
    for (Trace t : traces) {
      Reused out = tryTrace(r, m, q, t, needValue);
      if (out != null) {
        counters.tracesReused.increment();
        Kept k = new Kept(out.value != null ? out.value : UNREAD, t.value(), key);
        k.trace = t;
        k.deps = out.deps;
        m.kept = k;
        return out;
      }
      counters.tracesMismatched.increment();
    }
    return null;
  }

  private Reused tryTrace(Runner r, Memo m, QueryDef<?, ?> q, Trace t, boolean needValue) {
    List<Step> steps = t.steps();
    Object[] deps = new Object[steps.size()];
    boolean reported = false;
    for (int i = 0; i < deps.length; i++) {
      switch (steps.get(i)) {
        case Dep d -> {
          Memo dm = resolve(d.query(), d.key());
          if (dm == null || !matches(r, dm, Fetch.fetch(r, dm, false), d.fingerprint())) {
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
          Object[] values = FanOut.run(r, ms, false);
          for (int j = 0; j < ms.length; j++) {
            Object v = ms[j].table.input ? ms[j].result : values[j];
            if (!matches(r, ms[j], v, ds.get(j).fingerprint())) {
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
            warnOnce(q.name, "a stored diagnostic of query '" + Shown.cut(q.name) + "' could not be read (" + e
                + "); its memos are computed instead");
            return null;
          }
        }
      }
    }
    Object value = null;
    if (needValue && (value = value(q, t)) == null) {
      return null;
    }
    return new Reused(value, deps, reported);
  }

  /**
   * The value of trace {@code t} of query {@code q}: its bytes loaded, checked against the trace's fingerprint
   * and decoded by the query's codec; null (the problem logged once per query) when any of that fails.
   */
  private Object value(QueryDef<?, ?> q, Trace t) {
    byte[] bytes;
    try {
      bytes = t.loadValue();
    } catch (RuntimeException e) { // a store closed or compacted beneath a value left unread
      bytes = null;
    }
    if (bytes == null) {
      return null;
    }
    if (!MemoStore.Fingerprint.of(bytes).equals(t.value())) {
      warnOnce(q.name, "a stored value of query '" + Shown.cut(q.name) + "' does not match its fingerprint; its"
          + " memos are computed instead");
      return null;
    }
    Object value;
    try {
      @SuppressWarnings("unchecked")
      Codec<Object> codec = (Codec<Object>) q.valueCodec;
      value = Codecs.decode(codec, bytes);
    } catch (IOException | RuntimeException e) {
      warnOnce(q.name, "the codec of query '" + Shown.cut(q.name) + "' could not read a stored value (" + e + "); its"
          + " memos are computed instead");
      return null;
    }
    if (value != null) {
      engine.counters.valuesLoaded.increment();
    }
    return value;
  }

  /**
   * The value of {@code m}, reused from a trace and left {@link #UNREAD}, loaded and decoded now by the claimant
   * of a reader that needs it; null when it cannot be (the caller then runs the body to restore it, as for an
   * evicted value). The memo keeps the decoded value's fingerprint, so that a checkpoint still finds its trace
   * unchanged.
   */
  Object load(Memo m) {
    Kept k = m.kept;
    if (k == null || k.value != UNREAD || k.trace == null) {
      return null;
    }
    Object v = value(m.table.query, k.trace);
    if (v != null) {
      Kept loaded = new Kept(v, k.fingerprint, k.key);
      loaded.trace = k.trace;
      loaded.deps = k.deps;
      m.kept = loaded; // before the value is published: whoever sees the value sees this too
    }
    return v;
  }

  /** Whether {@code m} was reused from a trace and its value is still {@link #UNREAD}. */
  static boolean unread(Memo m) {
    Kept k = m.kept;
    return k != null && k.value == UNREAD;
  }

  /**
   * Looks up, in one {@link MemoStore#traces(List)} call, the traces of the memos among {@code ms[todo[0 ..
   * count)]} that are about to ask the store (kept, never completed in this engine, unclaimed), so that a store
   * with per-request latency fetches a group's keys concurrently; each memo's {@link #reuse} then takes its
   * traces from here instead of asking again. Returns the memos looked up, to be {@linkplain #forget forgotten}
   * once the group is done, or null when there were fewer than two. Looking traces up computes nothing, so the
   * order in which dependencies are brought up to date stays the reads' order. Nothing for a store whose
   * batches are its single lookups in a loop.
   */
  Memo[] prefetch(Memo[] ms, int[] todo, int count) {
    if (!batches) {
      return null;
    }
    Memo[] want = null;
    MemoId[] ids = null;
    int n = 0;
    for (int i = 0; i < count; i++) {
      Memo m = ms[todo[i]];
      QueryDef<?, ?> q = m.table.query;
      if (m.verifiedAt >= 0 || m.owner != null || m.table.input || !q.kept() || prefetched.containsKey(m)) {
        continue;
      }
      byte[] key = keyBytes(m);
      if (key == null) {
        continue;
      }
      if (want == null) {
        want = new Memo[count - i];
        ids = new MemoId[count - i];
      }
      want[n] = m;
      ids[n++] = new MemoId(engine.name(), q.name, q.version, key);
    }
    if (n < 2) {
      return null;
    }
    List<List<Trace>> found = store.traces(Arrays.asList(ids).subList(0, n));
    for (int i = 0; i < n; i++) {
      prefetched.put(want[i], found.get(i));
    }
    return n == want.length ? want : Arrays.copyOf(want, n);
  }

  /** Drops what {@link #prefetch} looked up for memos that did not take it (claimed otherwise, or not at all). */
  void forget(Memo[] looked) {
    for (Memo m : looked) {
      prefetched.remove(m);
    }
  }

  /**
   * Whether {@code dm}, whose outcome now is {@code v} (null: a value not in memory), has the fingerprint
   * {@code recorded}. A value left unread has its trace's fingerprint; an evicted one is restored first.
   */
  private boolean matches(Runner r, Memo dm, Object v, Fingerprint recorded) {
    if (v == null) {
      if (unread(dm) && dm.result == null) {
        return dm.kept.fingerprint.equals(recorded);
      }
      v = Fetch.fetch(r, dm, true);
    }
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
      warnOnce(name, "the key codec of query '" + Shown.cut(name) + "' could not read a stored key (" + e + ")");
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
      warnOnce(m.table.query.name, "the key codec of query '" + Shown.cut(m.table.query.name) + "' failed on "
          + shown(m) + " (" + e + "); its memos are not kept");
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
      warnOnce(q.name, "the value codec of query '" + Shown.cut(q.name) + "' failed on " + shown(m) + " (" + e
          + "); its memos are not kept");
      return null;
    }
    return remember(m, k, v, fp, key);
  }

  /** Caches {@code fp} as the fingerprint of {@code m}'s value {@code v}; {@code k} is what was cached before. */
  private Kept remember(Memo m, Kept k, Object v, Fingerprint fp, byte[] key) {
    QueryDef<?, ?> q = m.table.query;
    Kept fresh = new Kept(v, fp, key);
    if (k != null && k.value != null && k.value != UNREAD && !k.fingerprint.equals(fresh.fingerprint)
        && sameValue(q, k.value, v)) {
      warnOnce(q.name, "query '" + Shown.cut(q.name) + "' encodes equal values to different bytes (" + shown(m)
          + "): its encoding is not deterministic, so its stored memos are rarely reused; sort sets and maps"
          + " (see Codec)");
    }
    m.kept = fresh; // racy: every thread computes the same
    return fresh;
  }

  /**
   * The encoding of {@code m}'s value {@code v}, its fingerprint cached from these very bytes (one encoding
   * serves the trace's value and its fingerprint); null when it cannot be kept (the failure logged once, as
   * {@link #fingerprint} does).
   */
  byte[] encodeValue(Memo m, Object v) {
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
      warnOnce(q.name, "the value codec of query '" + Shown.cut(q.name) + "' failed on " + shown(m) + " (" + e
          + "); its memos are not kept");
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
   * Writes the traces of every kept memo current in revision {@code rev} (the caller holds the gate's lock);
   * see {@link Checkpoint}.
   *
   * @throws java.io.UncheckedIOException as {@link MemoStore#write} does
   */
  void checkpoint(Iterable<Table> tables, long rev) {
    new Checkpoint(this).write(tables, rev);
  }

  static byte[] encodeQuietly(Codec<Object> codec, Object v) {
    try {
      return Codecs.encode(codec, v);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** A memo as warnings show it: its query's name and its key, each cut ({@link Shown}), so a warning stays a line. */
  private static String shown(Memo m) {
    return Shown.cut(m.table.query.name) + "(" + Shown.cut(String.valueOf(m.key)) + ")";
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
