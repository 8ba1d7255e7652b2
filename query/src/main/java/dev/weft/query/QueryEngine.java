package dev.weft.query;

import dev.weft.deadlock.WaitForGraph;
import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Evaluates {@link Query queries}: memoized, blocking-style, on virtual threads of a {@link Scheduler}, with
 * cycle detection, sequential-order diagnostics and incremental revisions.
 *
 * {@snippet :
 * Input<String, String> source = Query.input("source");
 * Query<String, Integer> lines = Query.of("lines", (ctx, file) -> {
 *   int n = ctx.get(source, file).split("\n", -1).length;
 *   if (n > 2) {
 *     ctx.report(Diagnostic.warning(file + " is long"));
 *   }
 *   return n;
 * });
 * Query<List<String>, Integer> total = Query.of("total", (ctx, files) -> {
 *   int sum = 0;
 *   for (int n : ctx.getAll(lines, files)) { // one virtual thread per file not yet computed
 *     sum += n;
 *   }
 *   return sum;
 * });
 * try (QueryEngine engine = QueryEngine.create()) {
 *   engine.set(source, "A.java", "class A {}");
 *   engine.set(source, "B.java", "class B {\n}\n");
 *   Evaluation<Integer> e = engine.evaluate(total, List.of("A.java", "B.java"));
 *   // e.value() == 4, e.diagnostics() == [warning: B.java is long]
 *   engine.set(source, "A.java", "class A { }"); // new revision: lines(A.java) re-executes, same count,
 *   engine.get(total, List.of("A.java", "B.java")); // so total is reused (early cutoff): 4
 * }
 * }
 *
 * <p><b>Reads.</b> {@link #get} serves a current memo on the calling thread, whatever thread that is, with no
 * task, lock or allocation. Otherwise, on a virtual thread of the engine's scheduler, the query runs inline
 * (verified against its recorded dependencies if it has an older outcome, else executed); from any other
 * thread the read is submitted to the scheduler and the caller blocks. A query being computed by another
 * task makes the reader park until it completes; concurrent readers of one key share one execution.
 * Inside a body, read through the {@link QueryContext}, which records the dependency; the engine's own read
 * methods called from a body throw {@link IllegalStateException} (on a memo hit, which is served without any
 * thread lookup, the read is returned but not recorded).
 *
 * <p><b>Parallelism.</b> {@link QueryContext#getAll} runs the first key nobody has computed inline and gives
 * every other such key its own virtual thread (a child runner), then waits for them in key order. Verifying
 * a memo that read a getAll brings the group's stale keys up to date the same way.
 *
 * <p><b>Failures.</b> An exception from a body is memoized like a value and reaches every reader as
 * {@link QueryFailedException} (cause = the body's exception, message = the query path such as
 * {@code typeOf(Foo) <- check(main)}). {@link CycleException} and {@link MissingInputException} pass through
 * bodies unchanged and are memoized the same way.
 *
 * <p><b>Cycles.</b> A read that would wait for itself, on one thread (the frame stack) or across threads (a
 * {@link WaitForGraph} over runners), is a cycle. The detector marks every frame on the cycle and wakes their
 * runners, which unwind with an internal signal; each marked frame completes its memo with its
 * {@link Query#withCycleFallback fallback} value, or with a {@link CycleException} whose message lists the
 * cycle in canonical rotation. Readers off the cycle get those outcomes. A member's memo keeps its cycle, so
 * a member whose value the LRU evicted gets the same verdict back in that revision without running its body
 * (which would read its partners' outcomes as ordinary values). Cycle members always re-execute in later
 * revisions, so cycles may appear and vanish between revisions.
 *
 * <p><b>Revisions and cancellation.</b> {@link #set} raises a flag that every evaluation observes at its next
 * context call or wait and unwinds with {@link CancelledException}, waits until no evaluation is running,
 * then writes the input and advances the revision. Because of this, the revision never changes while a memo
 * is claimed, and nothing computed from the old inputs is published in the new revision. A memo read in a
 * newer revision is verified by bringing its recorded dependencies up to date in read order; the first one
 * that changed after the memo was last verified makes it re-execute, and a re-executed outcome equal by the
 * query's cutoff keeps its old changed-at revision (early cutoff).
 *
 * <p><b>Backstop.</b> When every running evaluation of the engine is parked in an engine wait and none of
 * those waits can be satisfied, yet no cycle was found, the last one to park fails with an
 * {@link IllegalStateException} carrying a dump of every waiting runner and its query stack, instead of
 * hanging. Waits the engine cannot see (a body blocked on its own latch) are the deadlock module's
 * {@code Watchdog}'s business.
 *
 * <p><b>Invariants.</b>
 * <ul>
 *   <li>A memo has at most one claim; every claim ends exactly once, by completion, verification or
 *       abandonment, and each of those releases the claim and wakes the registered waiters.</li>
 *   <li>The revision is constant while any evaluation runs; a memo's {@code verifiedAt} only grows.</li>
 *   <li>A runner waits for at most one thing; its wait-for edge exists only while its wait target is
 *       recorded, and a detector acts on a refused edge only after checking every edge of the cycle still
 *       stands for a real wait.</li>
 *   <li>Frames marked on a cycle are contiguous at the top of each member runner's stack; an unwinding
 *       runner's marks are set before its {@code unwind} field is published.</li>
 * </ul>
 *
 * <p><b>Deterministic mode.</b> Everything the engine does between its own tasks (claims, waits, wake-ups,
 * cycle unwinding, cancellation) goes through {@code LockSupport}, so a run on
 * {@link Scheduler#deterministic} replays exactly from its seed. Calls from a platform thread are entry
 * points; a {@link #set} or {@link #close} from a platform thread that has to cancel running evaluations wakes
 * them from outside the scheduler (a foreign wakeup). Issue edits from a task to keep a run replayable.
 *
 * <p><b>Events.</b> {@code weft.QueryExecuted}, {@code weft.QueryBlocked} and {@code weft.CycleDetected}
 * (JFR, disabled by default); {@link QueryEngineMetrics} binds {@link #stats()} to Micrometer.
 *
 * <p><b>Diagnostics.</b> {@link #evaluate} collects the diagnostics of a query and of everything it read by
 * a depth-first walk of the dependency records (own reports and reads in program order, getAll in key
 * order, each memo once at its first read), skipping memos whose subtree reported nothing.
 *
 * <p><b>Misuse</b>, each reported with an exception naming the query and key, leaving the engine usable:
 * a null query, key or value ({@link NullPointerException}), a body returning null (a memoized
 * {@link QueryFailedException} with a {@link NullPointerException} cause), any call after {@link #close}
 * ({@link IllegalStateException}), an engine called from a query body of another engine
 * ({@link IllegalStateException}; detected on every read that is not a memo hit), two queries with one
 * name ({@link IllegalArgumentException}), {@link #set} or {@link #close} from a query body
 * ({@link IllegalStateException}).
 *
 * @implNote A cycle is the chain of claimed queries that a closing read finds. For a simple cycle (each
 *     member reads one other member) that chain is the same whatever the entry point and timing. In a
 *     strongly connected group with several overlapping cycles, which chain is found first depends on which
 *     reads happened first, as in a sequential run started at a different query; under
 *     {@link Scheduler#deterministic} it is reproduced exactly by the seed.
 *     Deep recursion through {@link QueryContext#get} continues on a fresh virtual thread every
 *     {@value #HOP_DEPTH} nested executions, so recursion depth is bounded by memory, not by one stack.
 */
public final class QueryEngine implements AutoCloseable {
  static final int HOP_DEPTH = 96;
  static final int FLUSH_EVERY = 256;
  private static final long CLOSED = -2;
  private static final ThreadLocal<Runner> CURRENT = new ThreadLocal<>();

  private final Scheduler scheduler;
  private final boolean ownsScheduler;
  private final String name;
  final WaitForGraph<Runner> graph = new WaitForGraph<>(Comparator.comparingLong(r -> r.id));
  private final ConcurrentHashMap<QueryDef<?, ?>, Table> tables = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, QueryDef<?, ?>> names = new ConcurrentHashMap<>();
  private final AtomicLong runnerIds = new AtomicLong();

  /**
   * Revision stamps: memos record the stamp of the revision they were verified and changed in. Stamps come
   * from one counter shared by every engine, so a stamp names one revision of one engine: a memo current in
   * another engine never equals this engine's {@link #current}, and the hit path needs no engine check on the
   * table a query object caches. Within an engine stamps grow with its revisions, which is all the
   * verification compares. The public {@link #revision()} counts revisions from 1.
   */
  private static final AtomicLong STAMPS = new AtomicLong();

  /** The revision stamp; only {@link #set} changes it. */
  private volatile long revision = STAMPS.incrementAndGet();
  /** The stamp as the hit path sees it: equal to {@link #revision} while open, {@link #CLOSED} after. */
  private volatile long current = revision;
  /** The public revision number: 1 at creation, one more per value-changing {@link #set}. */
  private volatile long revisions = 1;
  private volatile boolean closed;

  // Cancellation: a set raises `cancelling`, wakes parked runners, waits for `active` to reach zero.
  volatile boolean cancelling;
  private final AtomicInteger active = new AtomicInteger();
  private final ReentrantLock setLock = new ReentrantLock();
  private volatile Thread setter;
  private final Set<Runner> parked = ConcurrentHashMap.newKeySet();

  private final LongAdder executions = new LongAdder();
  /** Hits inside query bodies, added from runners in batches like executions. */
  private final LongAdder hits = new LongAdder();
  /** The largest hit total {@link #stats} returned: keeps the reported count monotonic. */
  private final AtomicLong hitsReported = new AtomicLong();
  private final LongAdder waits = new LongAdder();
  private final LongAdder cycles = new LongAdder();
  private final LongAdder live = new LongAdder();
  private final LongAdder verifications = new LongAdder();
  private final LongAdder reExecutions = new LongAdder();
  private final LongAdder cutoffs = new LongAdder();
  private final LongAdder evictions = new LongAdder();
  private final LongAdder cancellations = new LongAdder();

  /** Per-query counters and timers, only while a {@link QueryEngineMetrics} is bound; null otherwise. */
  volatile QueryTimings timings;

  private QueryEngine(Scheduler scheduler, boolean ownsScheduler, String name) {
    this.scheduler = scheduler;
    this.ownsScheduler = ownsScheduler;
    this.name = name;
  }

  /** An engine on a new {@link Scheduler#parallel()} scheduler, which {@link #close} also closes. */
  public static QueryEngine create() {
    return builder().build();
  }

  /** A builder: {@code .scheduler(s)}, {@code .name(n)}, then {@code .build()}. */
  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------------------------------------- public

  /**
   * Reads {@code query} at {@code key} from any thread.
   *
   * @throws QueryFailedException if the query's body (or one it read) threw
   * @throws CycleException if the query is on a dependency cycle and has no cycle fallback
   * @throws MissingInputException if an input it needs was never set
   * @throws CancelledException if a {@link #set} cancelled the evaluation or the thread was interrupted
   * @throws IllegalStateException if the engine is closed or the call comes from another engine's query
   */
  @SuppressWarnings("unchecked")
  public <K, V> V get(Query<K, V> query, K key) {
    // The hit path: the table the query object caches may be another engine's, whose memos never carry
    // this engine's current stamp, so a foreign table only costs a miss.
    Table t;
    Memo m;
    if (query instanceof QueryDef<?, ?> d && key != null && (t = d.table) != null && (m = t.find(key)) != null
        && m.verifiedAt == current) { // acquire: publishes result
      Object r = m.result;
      if (r != null && !(r instanceof Failure)) {
        m.hits++; // plain: see MemoHot#hits
        if (Events.recording && Events.EXECUTED.isEnabled()) {
          cached(m);
        }
        return (V) r;
      }
    }
    t = table(query);
    if (key == null) {
      throw nullKey(t);
    }
    if (t.capacity >= 0) { // an LRU query: its table is not cached in the query object, so it hits here
      Memo m2 = t.find(key);
      if (m2 != null && m2.verifiedAt == current) {
        Object r = m2.result;
        if (r != null && !(r instanceof Failure)) {
          m2.hits++;
          t.touch(m2);
          if (Events.recording && Events.EXECUTED.isEnabled()) {
            cached(m2);
          }
          return (V) r;
        }
      }
    }
    return (V) unwrap(slow(t, key, false));
  }

  /**
   * Reads {@code query} at every key concurrently and returns the values in key order. Waits for every key,
   * then throws the first failure in key order.
   */
  @SuppressWarnings("unchecked")
  public <K, V> List<V> getAll(Query<K, V> query, List<? extends K> keys) {
    Table t = table(query);
    Objects.requireNonNull(keys, "keys");
    for (K k : keys) {
      if (k == null) {
        throw nullKey(t);
      }
    }
    Runner cur = CURRENT.get();
    if (cur != null && cur.engine == this && cur.top != null && cur.thread == Thread.currentThread()) {
      throw insideBody(cur, t, keys);
    }
    checkCaller(cur, t, keys);
    if (scheduler.owns(Thread.currentThread())) {
      return (List<V>) root(() -> {
        Frame f = rootFrame();
        return ctxGetAll(f, query, keys);
      });
    }
    return (List<V>) submit(query.name() + keys, () -> root(() -> ctxGetAll(rootFrame(), query, keys)));
  }

  /**
   * Evaluates {@code query} at {@code key}: its value or failure, plus the diagnostics of the query and of
   * everything it read, in sequential order (a body's own reports and reads in program order, getAll in key
   * order, each query's diagnostics once at its first read). A failure is returned, not thrown;
   * {@link CancelledException} and misuse are thrown.
   */
  @SuppressWarnings("unchecked")
  public <K, V> Evaluation<V> evaluate(Query<K, V> query, K key) {
    Table t = table(query);
    if (key == null) {
      throw nullKey(t);
    }
    Evaluation<?> e = (Evaluation<?>) slow(t, key, true);
    return (Evaluation<V>) e;
  }

  /**
   * Sets {@code input} at {@code key} to {@code value}. Unless the value equals the current one (by the
   * input's cutoff, then nothing changes, the revision included), running evaluations are cancelled and
   * waited for, the value is written and a new revision starts.
   *
   * @throws IllegalStateException if called from a query body or after {@link #close}
   */
  public <K, V> void set(Input<K, V> input, K key, V value) {
    Table t = table(input);
    if (key == null) {
      throw nullKey(t);
    }
    if (value == null) {
      throw new NullPointerException("null value for input " + t.query.name + "(" + key + ")");
    }
    Runner cur = CURRENT.get();
    if (cur != null && cur.thread == Thread.currentThread()) {
      throw new IllegalStateException("set(" + t.query.name + "(" + key + ")) called from a query body"
          + (cur.top == null ? "" : " (" + cur.top.memo + ")") + "; set inputs between evaluations");
    }
    setLock.lock();
    try {
      checkOpen(t, key);
      Memo m = t.memo(key);
      Object old = m.result;
      if (old != null && t.query.same(old, value)) {
        return;
      }
      quiesce();
      try {
        long next = STAMPS.incrementAndGet();
        if (old == null) {
          live.increment();
        }
        m.result = value;
        m.changedAt = next;
        m.verifiedAt = next;
        revision = next;
        revisions++; // only set writes it, under setLock
        current = next; // release: publishes the input and the new revision to the hit path
      } finally {
        cancelling = false;
        setter = null;
      }
    } finally {
      setLock.unlock();
    }
  }

  /** The current revision: 1 at creation, advanced by each {@link #set} that changes a value. */
  public long revision() {
    return revisions;
  }

  /** A snapshot of the counters. */
  public EngineStats stats() {
    long h = hits.sum();
    for (Table t : tables.values()) {
      h += t.outerHits();
    }
    long reported = hitsReported.accumulateAndGet(h, Math::max);
    return new EngineStats(executions.sum(), reported, waits.sum(), cycles.sum(), live.sum(),
        verifications.sum(), reExecutions.sum(), cutoffs.sum(), evictions.sum(), cancellations.sum());
  }

  /** The engine's name. */
  public String name() {
    return name;
  }

  /** The scheduler this engine runs on. */
  public Scheduler scheduler() {
    return scheduler;
  }

  /**
   * Cancels running evaluations and waits for them, then refuses further calls; closes the scheduler if
   * {@link #create()} made it. Idempotent.
   *
   * @throws IllegalStateException if called from a query body
   */
  @Override
  public void close() {
    Runner cur = CURRENT.get();
    if (cur != null && cur.thread == Thread.currentThread()) {
      throw new IllegalStateException("engine '" + name + "' cannot be closed from a query body");
    }
    setLock.lock();
    try {
      if (closed) {
        return;
      }
      quiesce();
      closed = true;
      current = CLOSED;
      // `cancelling` stays raised: any straggler unwinds at once.
    } finally {
      setLock.unlock();
    }
    if (ownsScheduler) {
      scheduler.close();
    }
  }

  @Override
  public String toString() {
    return "QueryEngine[" + name + ", revision " + revisions + ", " + stats() + "]";
  }

  // ------------------------------------------------------------------------------------ tables, misuse

  Table table(Query<?, ?> query) {
    if (query == null) {
      throw new NullPointerException("null query");
    }
    QueryDef<?, ?> d = (QueryDef<?, ?>) query;
    Table t = d.table;
    if (t != null && t.engine == this) {
      return t;
    }
    return tableSlow(d);
  }

  private Table tableSlow(QueryDef<?, ?> d) {
    Table t = tables.get(d);
    if (t == null) {
      QueryDef<?, ?> prev = names.putIfAbsent(d.name, d);
      if (prev != null && prev != d) {
        throw new IllegalArgumentException("engine '" + name + "' already uses a different query named '" + d.name
            + "'; each query object is its own identity (withX returns a new one), so give each a distinct name"
            + " or use the same object");
      }
      t = tables.computeIfAbsent(d, k -> new Table(this, k));
    }
    if (t.capacity < 0) {
      d.table = t; // not for an LRU query: the hit path would skip its recency stamp
    }
    return t;
  }

  private static NullPointerException nullKey(Table t) {
    return new NullPointerException("null key for query '" + t.query.name + "'");
  }

  private void checkOpen(Table t, Object key) {
    if (closed) {
      throw new IllegalStateException("engine '" + name + "' is closed; cannot evaluate " + t.query.name + "("
          + key + ")");
    }
  }

  private void checkCaller(Runner cur, Table t, Object key) {
    checkOpen(t, key);
    if (cur != null && cur.engine != this && cur.thread == Thread.currentThread()) {
      throw new IllegalStateException("engine '" + name + "' was called for " + t.query.name + "(" + key
          + ") from a query body of engine '" + cur.engine.name + "'" + (cur.top == null ? "" : " ("
          + cur.top.memo + ")") + "; a query may only read its own engine");
    }
  }

  private IllegalStateException insideBody(Runner cur, Table t, Object key) {
    return new IllegalStateException("QueryEngine.get/getAll/evaluate of " + t.query.name + "(" + key
        + ") called inside the body of " + cur.top.memo + "; read through its QueryContext so that the"
        + " dependency is recorded");
  }

  CancelledException cancelledException(Memo at) {
    boolean interrupted = Thread.currentThread().isInterrupted();
    return new CancelledException((interrupted ? "evaluation interrupted" : closed ? "engine '" + name + "' closed"
        : "evaluation cancelled by a set") + (at == null ? "" : " (at " + at + ")"));
  }

  void evicted() {
    evictions.increment();
    live.decrement();
  }

  private static Object unwrap(Object outcome) {
    if (outcome instanceof Failure f) {
      throw f.toException();
    }
    return outcome;
  }

  // ------------------------------------------------------------------------------------------ roots

  /** A read that missed the memo: route by calling thread. {@code evaluate}: return an Evaluation. */
  private Object slow(Table t, Object key, boolean evaluate) {
    Runner cur = CURRENT.get();
    if (cur != null && cur.engine == this && cur.thread == Thread.currentThread() && cur.top != null) {
      throw insideBody(cur, t, key);
    }
    checkCaller(cur, t, key);
    if (t.input && !evaluate) {
      return readInput(t, t.memo(key));
    }
    if (scheduler.owns(Thread.currentThread())) {
      return root(() -> rootRead(t, key, evaluate));
    }
    return submit(t.query.name + "(" + key + ")", () -> root(() -> rootRead(t, key, evaluate)));
  }

  private Object rootRead(Table t, Object key, boolean evaluate) {
    Runner r = CURRENT.get();
    Memo m = t.memo(key);
    Object out = t.input ? (m.result == null ? new Failure(missing(m), null) : m.result) : fetch(r, m, true);
    if (!evaluate) {
      return out;
    }
    return out instanceof Failure f ? new EvaluationImpl<>(null, f, collect(m))
        : new EvaluationImpl<>(out, null, collect(m));
  }

  /** The context of a root getAll: a frame on no memo and on no stack, whose record nobody reads. */
  private Frame rootFrame() {
    Runner r = CURRENT.get();
    Frame f = new Frame(r, new Memo(null, "getAll", 0), null);
    f.active = true;
    return f;
  }

  private interface Body {
    Object run();
  }

  /** Runs {@code body} as a root runner on the current (scheduler-owned) thread. */
  private Object root(Body body) {
    Runner prev = CURRENT.get();
    enter();
    Runner r = new Runner(this, runnerIds.incrementAndGet(), revision, Thread.currentThread(), null);
    CURRENT.set(r);
    try {
      return body.run();
    } catch (CancelledException e) {
      cancellations.increment();
      throw e;
    } finally {
      flush(r);
      if (prev == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(prev);
      }
      leave();
    }
  }

  /**
   * Adds a runner's batched counts to the engine's counters. Executions, new live memos, hits and
   * verifications are counted in plain runner fields (an atomic add per query costs a fenced instruction each)
   * and added when the runner finishes, every {@link #FLUSH_EVERY} executions, and before an LRU admission
   * may evict.
   */
  void flush(Runner r) {
    if (r.executed != 0) {
      executions.add(r.executed);
      r.executed = 0;
    }
    if (r.became != 0) {
      live.add(r.became);
      r.became = 0;
    }
    if (r.hits != 0) {
      hits.add(r.hits);
      r.hits = 0;
    }
    if (r.verified != 0) {
      verifications.add(r.verified);
      r.verified = 0;
    }
  }

  private Object submit(String what, java.util.concurrent.Callable<Object> body) {
    Task<Object> task;
    try {
      task = scheduler.spawn("weft-query:" + what, body);
    } catch (IllegalStateException e) {
      throw new IllegalStateException("engine '" + name + "' cannot run " + what + ": " + e.getMessage(), e);
    }
    try {
      return task.join();
    } catch (CancellationException e) {
      CancelledException c = new CancelledException("interrupted while waiting for " + what, e);
      throw c;
    }
  }

  /** Counts an evaluation in; blocks while a set or close is in progress. */
  private void enter() {
    for (;;) {
      if (cancelling) {
        if (closed) {
          throw new IllegalStateException("engine '" + name + "' is closed");
        }
        setLock.lock(); // waits for the set in progress
        setLock.unlock();
        continue;
      }
      active.incrementAndGet();
      if (!cancelling) {
        return;
      }
      leave();
    }
  }

  private void leave() {
    int left = active.decrementAndGet();
    if (left == 0 && cancelling) {
      Thread s = setter;
      if (s != null) {
        LockSupport.unpark(s);
      }
    } else if (left > 0 && !parked.isEmpty() && parked.size() >= left) {
      // Every remaining evaluation may be parked: let one of them run the stall check.
      for (Runner p : parked) {
        LockSupport.unpark(p.thread);
        break;
      }
    }
  }

  /** Raises the cancellation flag and waits until no evaluation runs. Caller holds setLock. */
  private void quiesce() {
    setter = Thread.currentThread();
    cancelling = true;
    for (Runner r : parked) {
      LockSupport.unpark(r.thread);
    }
    boolean interrupted = false;
    while (active.get() != 0) {
      LockSupport.park(AWAITING_EVALUATIONS);
      if (Thread.interrupted()) {
        interrupted = true;
      }
      for (Runner r : parked) {
        LockSupport.unpark(r.thread);
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private MissingInputException missing(Memo m) {
    return new MissingInputException("input " + m + " was never set");
  }

  private Object readInput(Table t, Memo m) {
    Object v = m.result;
    if (v == null) {
      throw missing(m);
    }
    return v;
  }

  // -------------------------------------------------------------------------------------- context reads

  @SuppressWarnings("unchecked")
  <K, V> V ctxGet(Frame f, Query<K, V> query, K key) {
    Table t = table(query);
    if (key == null) {
      throw nullKey(t);
    }
    Memo m = t.memo(key);
    f.record(m);
    if (t.input) {
      return (V) readInput(t, m);
    }
    Runner r = f.runner;
    if (m.verifiedAt == r.revision) { // acquire
      Object res = m.result;
      if (res != null && !(res instanceof Failure)) {
        r.hits++;
        if (t.capacity >= 0) {
          t.touch(m);
        }
        if (Events.EXECUTED.isEnabled()) {
          cached(m);
        }
        return (V) res;
      }
    }
    Object out;
    try {
      out = fetch(r, m, true);
    } catch (CancelledException e) {
      f.cancelled = true;
      throw e;
    }
    return (V) unwrap(out);
  }

  @SuppressWarnings("unchecked")
  <K, V> List<V> ctxGetAll(Frame f, Query<K, V> query, List<? extends K> keys) {
    Table t = table(query);
    int n = keys.size();
    Memo[] ms = new Memo[n];
    for (int i = 0; i < n; i++) {
      K k = keys.get(i);
      if (k == null) {
        throw nullKey(t);
      }
      ms[i] = t.memo(k);
    }
    f.record(ms);
    Object[] outs = new Object[n];
    if (t.input) {
      for (int i = 0; i < n; i++) {
        outs[i] = readInput(t, ms[i]);
      }
      return (List<V>) List.of(outs);
    }
    Runner r = f.runner;
    long rev = r.revision;
    int first = -1;
    Runner[] kids = null;
    for (int i = 0; i < n; i++) {
      Memo m = ms[i];
      if (m.verifiedAt == rev) {
        Object res = m.result;
        if (res != null) {
          r.hits++;
          outs[i] = res;
          continue;
        }
      }
      if (m.verifiedAt >= 0 && m.owner == null) { // stale and unclaimed: verify without a child if it can
        Object res = quickVerify(r, m, rev);
        if (res != null) {
          outs[i] = res;
          continue;
        }
      }
      if (first < 0) {
        first = i; // runs inline below, after the others are spawned
      } else {
        if (kids == null) {
          kids = new Runner[n];
        }
        kids[i] = spawnChild(r, m, true);
      }
    }
    try {
      if (first >= 0) {
        outs[first] = fetch(r, ms[first], true);
      }
      if (kids != null) {
        for (int i = 0; i < n; i++) {
          if (kids[i] != null) {
            outs[i] = awaitChild(r, kids[i]);
          }
        }
      }
    } catch (CancelledException e) {
      f.cancelled = true;
      throw e;
    }
    for (int i = 0; i < n; i++) {
      if (outs[i] instanceof Failure fl) {
        throw fl.toException();
      }
    }
    return (List<V>) Collections.unmodifiableList(Arrays.asList(outs));
  }

  // --------------------------------------------------------------------------------------------- core

  /**
   * Brings {@code m} up to date on runner {@code r} and returns its outcome (value or {@link Failure});
   * with {@code needValue == false} an evicted value is not restored and null may be returned.
   *
   * @throws CancelledException if the evaluation is cancelled
   * @throws CycleUnwind if {@code r}'s frames are on a detected cycle
   */
  Object fetch(Runner r, Memo m, boolean needValue) {
    if (m.table.input) {
      return m.result;
    }
    long rev = r.revision;
    for (;;) {
      if (m.verifiedAt == rev) { // acquire
        Object res = m.result;
        if (res != null || !needValue) {
          if (needValue) {
            r.hits++;
          }
          return res;
        }
      }
      if (cancelling) {
        throw cancelledException(m);
      }
      Frame o = m.owner;
      if (o == null) {
        if (m.verifiedAt >= 0) { // stale: try to verify without a claim (a cold memo never gets here)
          Object quick = quickVerify(r, m, rev);
          if (quick != null) {
            return quick;
          }
        }
        if (r.depth >= HOP_DEPTH) {
          return awaitChild(r, spawnChild(r, m, needValue));
        }
        Frame f = new Frame(r, m, r.top);
        if (!m.claim(f)) {
          continue;
        }
        if (m.verifiedAt == rev) {
          Object res = m.result;
          if (res != null || !needValue) {
            m.release(res, this);
            return res;
          }
        }
        return run(f, needValue);
      }
      if (o.runner == r) {
        throw localCycle(r, o);
      }
      Object handed = await(r, m, o);
      if (handed != null) {
        return handed;
      }
    }
  }

  /** Verifies or executes the memo {@code f} has claimed, then completes it. */
  private Object run(Frame f, boolean needValue) {
    Runner r = f.runner;
    Memo m = f.memo;
    long rev = r.revision;
    Events.QueryExecuted ev = null;
    if (Events.EXECUTED.isEnabled()) {
      ev = new Events.QueryExecuted();
      ev.begin();
    }
    long t0 = timings != null ? System.nanoTime() : 0L;
    r.push(f);
    boolean restoreOnly = false;
    boolean executed = false;
    Object outcome = null;
    try {
      long verified = m.verifiedAt;
      if (verified == rev) {
        Object current = m.result;
        if (m.cycle == null && (current != null || !needValue)) {
          // A quick verification (no claim) made it current after this frame claimed it.
          r.pop(f);
          m.release(current, this);
          emit(ev, t0, m, "verified");
          return current;
        }
        Cycle c = m.cycle;
        if (c != null) {
          // An evicted cycle member: restore the cycle's verdict. Re-running the body would read the other
          // members' completed outcomes as ordinary values and lose the cycle.
          outcome = cycleOutcome(m, c);
          r.pop(f);
          restore(m, outcome, rev);
          emit(ev, t0, m, "restored");
          return outcome;
        }
        restoreOnly = true; // evicted: the dependency record is current, only the value is missing
      } else if (verified >= 0 && m.cycle == null) {
        if (!depsChanged(r, m, verified)) {
          Object res = m.result;
          if (res != null || !needValue) {
            m.flags = flagsOf(m.deps, false);
            if (m.verify(verified, rev)) { // or a concurrent quick verification counted it
              r.verified++;
            }
            r.pop(f);
            m.release(res, this);
            emit(ev, t0, m, "verified");
            return res;
          }
          r.verified++;
          restoreOnly = true;
        } else {
          r.verified++;
          reExecutions.increment();
        }
      } else if (verified >= 0) {
        reExecutions.increment(); // a cycle member always re-executes
      }
      executed = true;
      if (++r.executed >= FLUSH_EVERY) {
        flush(r);
      }
      outcome = invoke(f);
    } catch (CycleUnwind u) {
      if (f.cycle == null) {
        abandon(f);
        emit(ev, t0, m, "cancelled");
        throw u;
      }
    } catch (CancelledException | Error e) {
      abandon(f);
      emit(ev, t0, m, "cancelled");
      throw e;
    } catch (RuntimeException e) {
      abandon(f);
      emit(ev, t0, m, "cancelled");
      throw e;
    }
    if (f.cycle != null) {
      outcome = cycleOutcome(m, f.cycle);
    }
    if (f.cancelled || (f.cycle == null && r.thread.isInterrupted())) {
      abandon(f);
      emit(ev, t0, m, "cancelled");
      throw cancelledException(m);
    }
    r.pop(f);
    complete(f, outcome, restoreOnly, executed);
    emit(ev, t0, m, f.cycle != null ? "cycle" : restoreOnly ? "restored"
        : outcome instanceof Failure ? "failed" : "computed");
    if (f.cycle != null) {
      Frame below = f.parent;
      if (below != null && below.cycle == f.cycle) {
        throw new CycleUnwind();
      }
      r.unwind = null;
    }
    return outcome;
  }

  /** A memo hit as a zero-length {@code weft.QueryExecuted} with outcome {@code cached} (profiling runs). */
  private void cached(Memo m) {
    Events.QueryExecuted ev = new Events.QueryExecuted();
    if (ev.shouldCommit()) {
      ev.engine = name;
      ev.query = m.table.query.name;
      ev.key = Events.key(m.key);
      ev.outcome = "cached";
      ev.commit();
    }
  }

  private void emit(Events.QueryExecuted ev, long t0, Memo m, String outcome) {
    QueryTimings t = timings;
    if (t != null) {
      t.record(m.table, outcome, System.nanoTime() - t0);
    }
    if (ev != null) {
      ev.end();
      if (ev.shouldCommit()) {
        ev.engine = name;
        ev.query = m.table.query.name;
        ev.key = Events.key(m.key);
        ev.outcome = outcome;
        ev.commit();
      }
    }
  }

  private void cycleEvent(Cycle c) {
    cycles.increment();
    if (Events.CYCLE.isEnabled()) {
      Events.CycleDetected ev = new Events.CycleDetected();
      if (ev.shouldCommit()) {
        ev.engine = name;
        ev.cycle = c.calls.toString();
        ev.size = c.calls.size();
        ev.commit();
      }
    }
  }

  /** Runs the body; a body exception becomes a {@link Failure}; signals propagate. */
  private Object invoke(Frame f) {
    Memo m = f.memo;
    QueryDef<?, ?> q = m.table.query;
    @SuppressWarnings("unchecked")
    QueryFunction<Object, Object> fn = (QueryFunction<Object, Object>) q.fn;
    f.resetDeps();
    f.active = true;
    try {
      Object v = fn.compute(f, m.key);
      if (v == null && f.cycle == null && !f.cancelled) {
        return new Failure(new NullPointerException("query " + m + " returned null"), List.of(m.call()));
      }
      return v;
    } catch (CycleUnwind u) {
      if (f.cycle != null) {
        return null;
      }
      throw u;
    } catch (CancelledException e) {
      f.cancelled = true;
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancelled = true;
      return null;
    } catch (Throwable t) {
      if (f.cycle != null || f.cancelled) {
        return null;
      }
      return Failure.of(t, m.call());
    } finally {
      f.active = false;
    }
  }

  /** The outcome of member {@code m} of cycle {@code c}: its fallback value, or the cycle's exception. */
  private Object cycleOutcome(Memo m, Cycle c) {
    @SuppressWarnings("unchecked")
    CycleFallback<Object, Object> fb = (CycleFallback<Object, Object>) m.table.query.fallback;
    if (fb == null) {
      return new Failure(c.exception, null);
    }
    try {
      Object v = fb.recover(m.key, c.calls);
      if (v == null) {
        return new Failure(new NullPointerException("cycle fallback of " + m + " returned null"),
            List.of(m.call()));
      }
      return v;
    } catch (RuntimeException | Error e) {
      return Failure.of(e, m.call());
    }
  }

  /** Releases a claim without storing anything; waiters retry (and see the cancellation). */
  private void abandon(Frame f) {
    Runner r = f.runner;
    if (r.top == f) {
      r.pop(f);
    }
    f.memo.release(null, this);
  }

  private void complete(Frame f, Object outcome, boolean restoreOnly, boolean executed) {
    Memo m = f.memo;
    Table t = m.table;
    long rev = f.runner.revision;
    Object old = m.result;
    boolean completedBefore = m.verifiedAt >= 0;
    if (!restoreOnly) {
      if (completedBefore && old != null && sameOutcome(t.query, old, outcome)) {
        cutoffs.increment();
      } else {
        m.changedAt = rev;
      }
    }
    boolean cyc = f.cycle != null;
    if (executed) {
      m.deps = f.depsArray();
    } else if (m.deps == null) {
      m.deps = Frame.NO_DEPS;
    }
    // A member's partners complete after it, so their flags are not final yet: assume diagnostics.
    m.flags = flagsOf(m.deps, f.reported || cyc);
    m.cycle = f.cycle;
    m.result = outcome;
    if (old == null) {
      f.runner.became++;
    }
    m.publish(rev); // publishes result, changedAt, deps, flags, cycle
    if (t.capacity >= 0) {
      flush(f.runner); // so that an eviction's decrement never meets a count not yet added
      t.admit(m);
    }
    m.release(outcome, this);
  }

  /** Puts back the evicted outcome of a current memo; its dates, record and flags stay as they are. */
  private void restore(Memo m, Object outcome, long rev) {
    m.result = outcome;
    live.increment();
    m.publish(rev); // unchanged value; the release write publishes result to the hit path
    if (m.table.capacity >= 0) { // always: only an evicted memo is restored
      m.table.admit(m);
    }
    m.release(outcome, this);
  }

  private static boolean sameOutcome(QueryDef<?, ?> q, Object old, Object now) {
    if (old instanceof Failure a) {
      return now instanceof Failure b && a.same(b);
    }
    if (now instanceof Failure) {
      return false;
    }
    try {
      return q.same(old, now);
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static int flagsOf(Object[] deps, boolean own) {
    if (own) {
      return Memo.HAS_DIAGNOSTICS;
    }
    for (Object d : deps) {
      if (d instanceof Memo dm) {
        if (dm.hasDiagnostics()) {
          return Memo.HAS_DIAGNOSTICS;
        }
      } else if (d instanceof Memo[] group) {
        for (Memo g : group) {
          if (g.hasDiagnostics()) {
            return Memo.HAS_DIAGNOSTICS;
          }
        }
      } else {
        return Memo.HAS_DIAGNOSTICS;
      }
    }
    return 0;
  }

  /**
   * Verifies the stale memo {@code m} without claiming it, when every dependency it recorded is already
   * current in this revision and none changed after {@code m} was last verified. Whatever runner claimed it
   * would then decide the same (dependencies' {@code changedAt} is final once they are current, and the
   * revision cannot move while this evaluation runs), so concurrent verifiers only repeat the same writes
   * and no claim, frame or wake-up is needed. Returns {@code m}'s outcome, or null when a claimant must
   * decide: a dependency not yet current or changed, a cycle member, an LRU table (recency and eviction go
   * through the claim), an evicted value, or an enabled {@code weft.QueryExecuted} event or per-query timers
   * to record. The caller has seen
   * {@code m.owner == null}, so {@code m} is not on this runner's own stack.
   */
  private Object quickVerify(Runner r, Memo m, long rev) {
    long verified = m.verifiedAt; // acquire: the data fields of m's last completion
    if (verified < 0 || verified == rev || m.cycle != null || m.table.capacity >= 0 || timings != null
        || (Events.recording && Events.EXECUTED.isEnabled())) {
      return null;
    }
    Object res = m.result;
    Object[] deps = m.deps;
    if (res == null || deps == null) {
      return null;
    }
    int flags = 0;
    for (Object d : deps) {
      if (d instanceof Memo dm) {
        if (!unchangedSince(dm, rev, verified)) {
          return null;
        }
        flags |= dm.flags;
      } else if (d instanceof Memo[] group) {
        for (Memo g : group) {
          if (!unchangedSince(g, rev, verified)) {
            return null;
          }
          flags |= g.flags;
        }
      } else {
        flags |= Memo.HAS_DIAGNOSTICS; // an own report
      }
    }
    m.flags = flags & Memo.HAS_DIAGNOSTICS; // the value any verifier writes
    if (m.verify(verified, rev)) {
      r.verified++;
    }
    return res; // verified here or by a concurrent verifier: m is current either way
  }

  /**
   * Whether {@code d} is current in revision {@code rev}, not a cycle member, with no change after
   * {@code since}. A member is excluded because a memo reading it may be on its cycle: that memo's claimant
   * then completes it with the cycle's verdict, not by verifying.
   */
  private static boolean unchangedSince(Memo d, long rev, long since) {
    return (d.table.input || d.verifiedAt == rev) && d.cycle == null && d.changedAt <= since;
  }

  /** Whether any recorded dependency of {@code m} changed after {@code since}, bringing each up to date. */
  private boolean depsChanged(Runner r, Memo m, long since) {
    for (Object d : m.deps) {
      if (d instanceof Memo dm) {
        fetch(r, dm, false);
        if (dm.changedAt > since) {
          return true;
        }
      } else if (d instanceof Memo[] group) {
        if (groupChanged(r, group, since)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Brings a getAll group up to date, stale keys in parallel, and reports whether any changed. */
  private boolean groupChanged(Runner r, Memo[] group, long since) {
    long rev = r.revision;
    Runner[] kids = null;
    int first = -1;
    for (int i = 0; i < group.length; i++) {
      Memo g = group[i];
      if (g.table.input || g.verifiedAt == rev || (g.owner == null && quickVerify(r, g, rev) != null)) {
        continue; // current, or verified here without a child
      }
      if (first < 0) {
        first = i;
      } else {
        if (kids == null) {
          kids = new Runner[group.length];
        }
        kids[i] = spawnChild(r, g, false);
      }
    }
    if (first >= 0) {
      fetch(r, group[first], false);
    }
    if (kids != null) {
      for (Runner k : kids) {
        if (k != null) {
          awaitChild(r, k);
        }
      }
    }
    for (Memo g : group) {
      if (g.changedAt > since) {
        return true;
      }
    }
    return false;
  }

  // -------------------------------------------------------------------------------------- children

  private Runner spawnChild(Runner parent, Memo m, boolean needValue) {
    Runner c = new Runner(this, runnerIds.incrementAndGet(), parent.revision, null, parent.thread);
    active.incrementAndGet();
    try {
      scheduler.spawn("weft-query:" + m, () -> {
        c.thread = Thread.currentThread();
        CURRENT.set(c);
        try {
          c.outcome = fetch(c, m, needValue);
        } catch (Throwable t) {
          c.error = t;
        } finally {
          flush(c);
          CURRENT.remove();
          c.done = true; // release: publishes outcome/error
          LockSupport.unpark(c.parentThread);
          leave();
        }
        return null;
      });
    } catch (RuntimeException e) {
      leave();
      throw e;
    }
    return c;
  }

  /** Waits for child {@code c}; returns its outcome or rethrows its signal. */
  private Object awaitChild(Runner r, Runner c) {
    if (!c.done) {
      waits.increment();
      r.waitChild = c;
      try {
        for (;;) {
          Optional<List<Runner>> cyc = graph.tryWait(r, c);
          if (cyc.isEmpty() || c.done) {
            break;
          }
          checkSignals(r, null);
          crossCycle(r, cyc.get(), null, null);
        }
        waitLoop(r, null, c);
      } finally {
        graph.stopWaiting(r);
        r.waitChild = null;
      }
    }
    Throwable e = c.error;
    if (e != null) {
      if (e instanceof RuntimeException re) {
        throw re;
      }
      throw (Error) e;
    }
    return c.outcome;
  }

  // ------------------------------------------------------------------------------------ waits, cycles

  /** Waits for {@code m}, claimed by {@code o} on another runner. Returns a handed outcome or null (retry). */
  private Object await(Runner r, Memo m, Frame o) {
    waits.increment();
    r.waitMemo = m;
    try {
      for (;;) {
        Optional<List<Runner>> cyc = graph.tryWait(r, o.runner);
        if (cyc.isEmpty()) {
          break;
        }
        if (m.owner != o) {
          return null;
        }
        checkSignals(r, m);
        crossCycle(r, cyc.get(), m, o);
        if (m.owner != o) {
          return null;
        }
      }
      AwaitingQuery node = new AwaitingQuery(r);
      m.push(node);
      if (m.owner != o) {
        node.leave();
        return node.done ? node.outcome : null;
      }
      Events.QueryBlocked ev = null;
      if (Events.BLOCKED.isEnabled()) {
        ev = new Events.QueryBlocked();
        ev.begin();
      }
      try {
        waitLoop(r, node, null);
      } finally {
        if (!node.done) {
          node.leave(); // unwound or cancelled: a later release must not remove this runner's next edge
        }
        if (ev != null) {
          ev.end();
          if (ev.shouldCommit()) {
            ev.engine = name;
            ev.waiter = r.top == null ? r.toString() : r.top.memo.toString();
            ev.awaited = m.toString();
            ev.commit();
          }
        }
      }
      return node.outcome;
    } finally {
      graph.stopWaiting(r);
      r.waitMemo = null;
    }
  }

  /**
   * Park blockers, so thread dumps and {@code LockSupport.getBlocker} say what a parked thread waits for: an
   * {@link AwaitingQuery} (a query claimed by another task), the children of a {@code getAll}, or (in
   * {@code set}) running evaluations.
   */
  static final class AwaitingGetAllChildren {}

  static final class AwaitingEvaluationsBeforeSet {}

  private static final Object AWAITING_CHILDREN = new AwaitingGetAllChildren();
  private static final Object AWAITING_EVALUATIONS = new AwaitingEvaluationsBeforeSet();

  /** Parks until the node is woken or the child is done; throws on unwind, cancellation or interrupt. */
  private void waitLoop(Runner r, AwaitingQuery node, Runner child) {
    boolean registered = false;
    try {
      for (;;) {
        if (node != null ? node.done : child.done) {
          return;
        }
        if (r.unwind != null) {
          throw new CycleUnwind();
        }
        if (cancelling || r.thread.isInterrupted()) {
          throw cancelledException(node != null ? r.waitMemo : null);
        }
        if (!registered) {
          r.waitNode = node;
          parked.add(r);
          registered = true;
          if (parked.size() >= active.get()) {
            checkStall(r);
          }
          continue; // re-check the flags after registering, so a set's wake-up cannot be missed
        }
        LockSupport.park(node != null ? node : AWAITING_CHILDREN);
        if (parked.size() >= active.get()) {
          checkStall(r); // also reached when the last running evaluation ended (see leave)
        }
      }
    } finally {
      if (registered) {
        parked.remove(r);
        r.waitNode = null;
      }
    }
  }

  /**
   * The backstop behind cycle detection: called when every running evaluation of this engine is parked in an
   * engine wait. If none of those waits is satisfied, nothing can ever wake them (a cycle would have been
   * found when the closing wait started, so this means a lost wake-up); rather than hang, the caller fails
   * with a dump of every waiting runner, which releases its claims and lets the others proceed.
   */
  private void checkStall(Runner self) {
    if (cancelling) {
      return;
    }
    List<Runner> waiting = new ArrayList<>(parked);
    if (waiting.size() < active.get()) {
      return;
    }
    for (Runner w : waiting) {
      AwaitingQuery n = w.waitNode;
      Runner c = w.waitChild;
      if (w.unwind != null || (n != null && n.done) || (c != null && c.done) || (n == null && c == null)) {
        return;
      }
    }
    StringBuilder sb = new StringBuilder("query engine '").append(name)
        .append("' stalled: every running evaluation waits and none can proceed (no cycle was found)");
    for (Runner w : waiting) {
      sb.append("\n  ").append(w).append(" waits for ");
      Memo wm = w.waitMemo;
      Runner wc = w.waitChild;
      sb.append(wm != null ? wm + " (claimed by " + wm.owner + ")" : String.valueOf(wc));
      for (Frame f = w.top; f != null; f = f.parent) {
        sb.append("\n    in ").append(f.memo);
      }
    }
    String dump = sb.toString();
    System.getLogger("dev.weft.query").log(System.Logger.Level.ERROR, dump);
    throw new IllegalStateException(dump);
  }

  private void checkSignals(Runner r, Memo at) {
    if (r.unwind != null) {
      throw new CycleUnwind();
    }
    if (cancelling || r.thread.isInterrupted()) {
      throw cancelledException(at);
    }
  }

  /** A read of a memo claimed by a frame on the reader's own stack: a same-thread cycle. */
  private CycleUnwind localCycle(Runner r, Frame entry) {
    ArrayList<Frame> seg = new ArrayList<>();
    for (Frame f = r.top; f != null; f = f.parent) {
      seg.add(f);
      if (f == entry) {
        break;
      }
    }
    Collections.reverse(seg);
    Cycle c = Cycle.of(seg);
    cycleEvent(c);
    for (Frame f : seg) {
      f.cycle = c;
    }
    r.unwind = c;
    return new CycleUnwind();
  }

  /**
   * The wait-for graph refused the edge {@code det -> next}: {@code cyc} (each runner waits for the next)
   * would close. If every edge still stands for a real wait, mark the frames on the cycle, wake their runners
   * to unwind, and unwind {@code det} if it has frames on the cycle; otherwise some edge is stale (its wait
   * just ended) and the caller retries after a yield.
   */
  private void crossCycle(Runner det, List<Runner> cyc, Memo m, Frame o) {
    int n = cyc.size();
    int at = cyc.indexOf(det);
    // Each runner's wait target, and the frame on the next runner where the cycle enters it.
    Frame[] entries = new Frame[n];
    for (int i = 0; i < n; i++) {
      Runner x = cyc.get((at + i) % n);
      Runner y = cyc.get((at + i + 1) % n);
      if (x.unwind != null) {
        // A cycle through x is already unwinding; its edges disappear as its runners wake.
        Thread.yield();
        return;
      }
      Frame entry;
      if (x == det) {
        if (m != null) {
          if (m.owner != o || o.runner != y) {
            Thread.yield();
            return;
          }
          entry = o;
        } else {
          if (det.waitChild != y || y.done) {
            Thread.yield();
            return;
          }
          entry = bottom(y);
        }
      } else {
        Memo wm = x.waitMemo;
        Runner wc = x.waitChild;
        if (wm != null) {
          Frame ow = wm.owner;
          if (ow == null || ow.runner != y) {
            Thread.yield();
            return;
          }
          entry = ow;
        } else if (wc == y && !y.done) {
          entry = bottom(y);
        } else {
          Thread.yield();
          return;
        }
      }
      entries[(i + 1) % n] = entry;
    }
    // Segments: on runner i (counted from det), the frames from its entry up to its top.
    ArrayList<Frame> all = new ArrayList<>();
    @SuppressWarnings("unchecked")
    ArrayList<Frame>[] segs = new ArrayList[n];
    for (int k = 1; k <= n; k++) {
      int i = k % n; // start with the runner det waits for, end with det
      Runner y = cyc.get((at + i) % n);
      ArrayList<Frame> seg = new ArrayList<>();
      Frame entry = entries[i];
      if (entry != null) {
        for (Frame f = y.top; f != null; f = f.parent) {
          seg.add(f);
          if (f == entry) {
            break;
          }
        }
        Collections.reverse(seg);
      }
      segs[i] = seg;
      all.addAll(seg);
    }
    if (all.isEmpty()) {
      Thread.yield();
      return;
    }
    Cycle c = Cycle.of(all);
    cycleEvent(c);
    for (Frame f : all) {
      f.cycle = c;
    }
    for (int i = 1; i < n; i++) {
      if (!segs[i].isEmpty()) {
        Runner y = cyc.get((at + i) % n);
        y.unwind = c; // release: publishes the frame marks
        LockSupport.unpark(y.thread);
      }
    }
    if (!segs[0].isEmpty()) {
      det.unwind = c;
      throw new CycleUnwind();
    }
  }

  private static Frame bottom(Runner y) {
    Frame f = y.top;
    if (f == null) {
      return null;
    }
    while (f.parent != null) {
      f = f.parent;
    }
    return f;
  }

  // ------------------------------------------------------------------------------------- diagnostics

  /** The diagnostics of {@code root} and everything it read, in sequential order. */
  List<Diagnostic> collect(Memo root) {
    if (!root.hasDiagnostics() || root.deps == null) {
      return List.of();
    }
    ArrayList<Diagnostic> out = new ArrayList<>();
    Set<Memo> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    seen.add(root);
    ArrayDeque<Object[]> arrays = new ArrayDeque<>();
    ArrayDeque<int[]> positions = new ArrayDeque<>();
    arrays.push(root.deps);
    positions.push(new int[1]);
    while (!arrays.isEmpty()) {
      Object[] a = arrays.peek();
      int[] pos = positions.peek();
      if (pos[0] == a.length) {
        arrays.pop();
        positions.pop();
        continue;
      }
      Object e = a[pos[0]++];
      if (e instanceof Memo d) {
        if (seen.add(d) && d.hasDiagnostics() && d.deps != null) {
          arrays.push(d.deps);
          positions.push(new int[1]);
        }
      } else if (e instanceof Memo[] group) {
        arrays.push(group);
        positions.push(new int[1]);
      } else {
        out.add((Diagnostic) e);
      }
    }
    return List.copyOf(out);
  }

  /** Options for a {@link QueryEngine}. */
  public static final class Builder {
    private Scheduler scheduler;
    private String name = "weft";

    Builder() {}

    /** The scheduler to run on; the engine does not close it. Default: a new {@link Scheduler#parallel()}. */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** A name for messages and events. */
    public Builder name(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("engine name must not be blank");
      }
      this.name = name;
      return this;
    }

    /** Builds the engine. */
    public QueryEngine build() {
      return scheduler == null
          ? new QueryEngine(Scheduler.parallel(), true, name)
          : new QueryEngine(scheduler, false, name);
    }
  }
}
