package dev.weft.query;

import dev.weft.deadlock.WaitForGraph;
import dev.weft.scheduler.Scheduler;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

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
 *   for (int n : ctx.getAll(lines, files)) { // the files not yet computed run in parallel
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
 * task makes the reader park until it completes; concurrent readers of one key share one execution. Inside a
 * body, read through the {@link QueryContext}, which records the dependency; the engine's own read methods
 * called from a body throw {@link IllegalStateException}, hit or not.
 *
 * <p><b>Values are shared, so they must be immutable.</b> Every reader of a memo, on any thread, gets the
 * memoized object itself, not a copy: a reader that mutates it ({@code engine.get(q, "a").add(99)}) changes
 * what every later reader of {@code q("a")} sees, unknown to verification and early cutoff, which compare
 * values by the query's cutoff. Return immutable values from bodies and give immutable values to
 * {@link #set} ({@code List.copyOf}, records of immutable parts). The lists the engine makes itself
 * ({@link #getAll}, {@link QueryContext#getAll}) are unmodifiable.
 *
 * <p><b>Parallelism.</b> {@link QueryContext#getAll} shares the keys nobody has computed among its caller and
 * a few helper virtual threads (one per carrier beyond the caller's, started at once only while a carrier is
 * idle, else when one would go idle; and one more whenever a worker waits while a carrier would idle), then
 * returns the outcomes in key order. Keys whose memos are current or
 * verified without re-execution get no thread.
 *
 * <p><b>Failures.</b> An exception from a body is memoized like a value and reaches every reader as
 * {@link QueryFailedException} (cause = the body's exception; message = the query path such as
 * {@code typeOf(Foo) <- check(main)}, then the cause). {@link CycleException} and
 * {@link MissingInputException} pass through bodies unchanged and are memoized the same way. A body that
 * throws {@link InterruptedException} is cancelled, not failed (nothing is memoized).
 *
 * <p><b>Cycles.</b> A read that would wait for itself, on one thread or across threads, is a cycle. Every
 * query on the cycle completes with its {@link Query#withCycleFallback fallback} value, or with a
 * {@link CycleException} whose message lists the cycle in canonical rotation; readers off the cycle get those
 * outcomes. A group with a {@link Query#withFixpoint fixpoint} member iterates instead until its values
 * converge. In a later revision a cycle whose dependencies outside it did not change is verified as a unit;
 * otherwise its members re-execute, so cycles may appear and vanish between revisions.
 *
 * <p><b>Revisions and cancellation.</b> {@link #set} cancels every running evaluation (each unwinds with
 * {@link CancelledException} at its next context call or wait), waits until none runs, then writes the input
 * and advances the revision ({@link #update} writes many inputs as one revision); nothing computed from old
 * inputs is ever published in a new revision. A memo whose inputs' {@link Durability} classes and inputs did
 * not change since it was verified is current without walking its dependencies. A memo
 * read in a newer revision is verified by bringing its recorded dependencies up to date in read order; the
 * first that changed after the memo was last verified makes it re-execute, and a re-executed value equal by
 * the query's cutoff keeps its old changed-at revision, so its readers are not re-executed (early cutoff).
 *
 * <p><b>Leaving.</b> A caller that stops waiting, because its thread was interrupted while it read or because
 * the timeout of a {@link #get(Query, Object, Duration) timed read} passed, <em>leaves</em>: it gets a
 * {@link CancelledException} (a {@link QueryTimeoutException} for a timeout) at once, and the evaluation it
 * waited for is cancelled if no other reader waits for it any more. Another reader is another caller of the
 * same query and key, a body reading a query that evaluation is computing, or a getAll waiting for it; while
 * one waits, the evaluation goes on and that reader gets its outcome. A cancelled evaluation stops at its next
 * context call or engine wait (a body blocked in an interruptible JDK call is interrupted), the getAll
 * children that only it waited for stop too, nothing it computed is memoized, and the next read of the key
 * starts afresh. A read that runs inline on a thread of the engine's scheduler is that thread's own work, so
 * interrupting that thread cancels it whoever else waits: those readers then compute it themselves.
 *
 * <p><b>Backstop.</b> When every running evaluation of the engine waits inside the engine and none of those
 * waits can be satisfied, yet no cycle was found, one of them fails with an {@link IllegalStateException}
 * carrying a dump of every waiting evaluation and its query stack, instead of hanging. Waits the engine cannot
 * see (a body blocked on its own latch) are the deadlock module's {@code Watchdog}'s business.
 *
 * <p><b>Deterministic mode.</b> Everything the engine does between its own tasks (claims, waits, wake-ups,
 * cycle unwinding, cancellation) goes through {@code LockSupport}, so a run on
 * {@link Scheduler#deterministic} replays exactly from its seed.
 *
 * <p><b>Events.</b> {@code weft.QueryExecuted}, {@code weft.QueryBlocked} and {@code weft.CycleDetected}
 * (JFR, disabled by default); {@link QueryEngineMetrics} binds {@link #stats()} to Micrometer.
 *
 * <p><b>Misuse</b>, each reported with an exception naming the query and key, leaving the engine usable:
 * a null query, key or value ({@link NullPointerException}); an array as a key, which could never be found
 * again since arrays compare by identity ({@link IllegalArgumentException}; see {@link Query} for the rule on
 * keys); a body returning null (a memoized
 * {@link QueryFailedException} with a {@link NullPointerException} cause); any call after {@link #close}
 * ({@link IllegalStateException}); the engine's read methods called from a query body of this or another
 * engine ({@link IllegalStateException}); two queries with one name ({@link IllegalArgumentException});
 * {@link #set} or {@link #close} from a query body, or from a thread started inside an evaluation that is
 * still running (which may be waiting for that thread) ({@link IllegalStateException}).
 *
 * @implNote A cycle is the chain of claimed queries that a closing read finds. For a simple cycle (each
 *     member reads one other member) that chain is the same whatever the entry point and timing. In a
 *     strongly connected group with several overlapping cycles, which chain is found first depends on which
 *     reads happened first, as in a sequential run started at a different query; under
 *     {@link Scheduler#deterministic} it is reproduced exactly by the seed. Deep recursion through
 *     {@link QueryContext#get} continues on a fresh virtual thread every few dozen nested executions, so
 *     recursion depth is bounded by memory, not by one stack.
 */
public final class QueryEngine implements AutoCloseable {
  /*
   * Implementation overview. This class is the facade: the public API (calling the misuse checks) and the
   * hit block of get. The engine's concerns live in package-private files:
   *   RevisionGate    revision stamps, cancellation, quiescence of evaluations around a write
   *   Fetch           reads: the slow path behind every hit check, body reads, root reads
   *   FanOut          a group of memos at once: getAll and getAll groups in verification (Helpers: when
   *                   helpers start, and the idle hook's list of runners with groups)
   *   Execute         claimant side: verify or execute, complete, early cutoff, abandon
   *   Verify          shallow (claim-free) and deep verification of stale memos
   *   Waits           waiting for a claimed memo or a child runner; the stall backstop
   *   CycleDetector   same-thread and cross-thread cycles, marking and unwinding
   *   Diagnostics     sequential-order collection
   *   EngineCounters  stats, events and per-query timings
   *   Fixpoint        cycle groups: fixpoint iteration (FixpointGroup: a group's state), cycle verification
   *   Changes, Writes durability classes and input filters; set, update and remove
   *   Persistence     reuse from a MemoStore (Checkpoint: writing to it)
   *   RootCall        a root read that runs as a task: reads from outside the scheduler, timed reads
   *   Registry        the tables of the queries the engine knows, by object and by name
   *   Misuse          the misuse checks of the public methods
   *   Memo, Table, Frame, Runner, AwaitingQuery: the data, each with its own overview.
   */

  private final Scheduler scheduler;
  private final boolean ownsScheduler;
  private final String name;
  final WaitForGraph<Runner> graph = new WaitForGraph<>(Comparator.comparingLong(r -> r.id));
  final Registry registry;
  private final AtomicLong runnerIds = new AtomicLong();
  final RevisionGate gate;
  final EngineCounters counters;
  /** The link to the store given to the builder, or null. */
  final Persistence persistence;
  /** How many getAll helpers start, when, and where an idle carrier finds groups to help. */
  final Helpers helpers;
  /**
   * The revision stamp as the hit path sees it: the gate's stamp while open, {@link RevisionGate#CLOSED}
   * after close. Kept here, not in the gate, so a hit reads it without another hop.
   */
  volatile long current;
  /** Whether verification uses the exact dirty cones of {@link Cone}: until the engine's first LRU table. */
  volatile boolean cone = true;
  /**
   * Whether the {@link Cone} index holds reverse edges, so that completions log their records for the next
   * revision; written in revisions' writes only (the gate orders it with evaluations).
   */
  boolean coneBuilt;
  /** A revision followed an evaluation: the next one builds the {@link Cone} index. Revisions' writes only. */
  boolean coneArmed;
  /** Advanced when a completion changes what a diagnostics walk finds; see {@link Diagnostics}. */
  final java.util.concurrent.atomic.AtomicLong reports = new java.util.concurrent.atomic.AtomicLong();
  /** The last diagnostics collection, reused while {@link #reports} has not advanced. */
  volatile Diagnostics.Collected lastCollected;
  /** The root runner logging its reports ({@link Diagnostics#startLog}), or null; CAS to set. */
  volatile Runner logging;
  /** Completions logged for the {@link Cone} index since the last revision. */
  final Cone.Log coneLog = new Cone.Log();

  private QueryEngine(Scheduler scheduler, boolean ownsScheduler, String name, MemoStore store,
      List<QueryDef<?, ?>> registered) {
    this.scheduler = scheduler;
    this.ownsScheduler = ownsScheduler;
    this.name = name;
    this.counters = new EngineCounters(name);
    this.gate = new RevisionGate(this);
    this.current = gate.stamp();
    this.persistence = store == null ? null : new Persistence(this, store);
    this.helpers = new Helpers(scheduler);
    this.registry = new Registry(this, registered);
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
   * @throws CancelledException if a {@link #set} cancelled the evaluation, or the calling thread was interrupted
   *     while reading (the caller then leaves, as the class comment says under <b>Leaving</b>)
   * @throws IllegalStateException if the engine is closed, or the call comes from a query body
   * @throws IllegalArgumentException if {@code key} is an array, or the engine uses another query with this
   *     query's name
   */
  @SuppressWarnings("unchecked")
  public <K, V> V get(Query<K, V> query, K key) {
    // The hit block. The table a query object caches may be another engine's, whose memos never carry this
    // engine's stamp, so a foreign table only costs a miss. Bodies run on virtual threads only, so a platform
    // thread skips the body check (one type test).
    Table t;
    Memo m;
    Object v;
    if (query instanceof QueryDef<?, ?> d && key != null && (t = d.table) != null && (m = t.find(key)) != null) {
      if ((v = m.hitValue(current)) != null) {
        if (Thread.currentThread().isVirtual()) {
          Misuse.caller(this, t, key, false);
        }
        m.hits++; // plain: see MemoHot#hits
        t.afterHit(m);
        return (V) v;
      }
      if (t.engine == this) {
        return (V) readFound(t, m, key);
      }
    }
    return (V) read(query, key);
  }

  /** A read whose memo the hit block found in this engine's table, not current in this revision. */
  private Object readFound(Table t, Memo m, Object key) {
    Misuse.read(this, t, key, false); // the key was checked when the memo was made
    long rev = current;
    Object v;
    if ((v = Verify.outside(t, m, rev)) != null) { // current by durability or input filter
      m.hits++;
      t.afterHit(m);
      return v;
    }
    return Fetch.unwrap(Fetch.root(this, t, key, false));
  }

  private Object read(Query<?, ?> query, Object key) {
    Table t = table(query);
    Misuse.key(t, key);
    Misuse.read(this, t, key, false);
    Object v = currentValue(t, key, true);
    return v != null ? v : Fetch.unwrap(Fetch.root(this, t, key, false));
  }

  /**
   * The value of {@code t} at {@code key} if it is current: a hit the hit block missed (the query object cached
   * another engine's table), or a stale memo that no change reached (by durability or input filter), found
   * current in O(1) without entering an evaluation; else null. With {@code count}, counted as a hit.
   */
  Object currentValue(Table t, Object key, boolean count) {
    Memo m = t.find(key);
    Object v;
    long rev = current;
    if (m != null && ((v = m.hitValue(rev)) != null || (v = Verify.outside(t, m, rev)) != null)) {
      if (count) {
        m.hits++;
        t.afterHit(m);
      }
      return v;
    }
    return null;
  }

  /**
   * Reads {@code query} at {@code key} as {@link #get(Query, Object)} does, waiting at most {@code timeout}
   * for its outcome.
   * <ul>
   *   <li>A current value is returned at once, from any thread, as {@link #get(Query, Object)} returns it.</li>
   *   <li>Otherwise the read runs as a task of the engine's scheduler (also when the caller is a thread of
   *       that scheduler, which then does not run it inline) and the caller waits for it at most
   *       {@code timeout}. If the timeout passes first, the caller leaves exactly as an interrupted caller
   *       does (see <b>Leaving</b> in the class comment) and gets a {@link QueryTimeoutException}, whose
   *       message says whether the evaluation was cancelled or goes on for another reader.</li>
   *   <li>A timeout of zero or less waits for nothing: without a current value it throws
   *       {@link QueryTimeoutException} at once and starts no evaluation.</li>
   * </ul>
   *
   * @implNote The timeout is measured on the scheduler's clock ({@link Scheduler#sleep}). On a
   *     {@link Scheduler#deterministic deterministic} scheduler that is the virtual clock, which moves only when
   *     no task can run: a timed read times out at the same point of every replay of a seed, once its
   *     evaluation is blocked or sleeping past the deadline, while a computation that keeps running without
   *     waiting takes no virtual time and cannot time out there. A timed read that has to wait costs one more
   *     virtual thread, which sleeps until the deadline or the outcome, whichever comes first.
   * @throws QueryTimeoutException if the timeout passed before the outcome
   * @throws NullPointerException if {@code timeout} is null
   * @throws QueryFailedException as {@link #get(Query, Object)}, and every other exception it lists
   */
  @SuppressWarnings("unchecked")
  public <K, V> V get(Query<K, V> query, K key, Duration timeout) {
    Table t = table(query);
    Misuse.key(t, key);
    Objects.requireNonNull(timeout, "timeout");
    Misuse.read(this, t, key, false);
    return (V) RootCall.get(this, t, key, timeout);
  }

  /**
   * Reads the singleton {@code query} (one keyed by {@link Unit}, such as a {@link Query#singleton} input):
   * {@code get(query, Unit.VALUE)}.
   *
   * @throws MissingInputException if it is an input that was never set; otherwise as {@link #get(Query,
   *     Object)}
   */
  public <V> V get(Query<Unit, V> query) {
    return get(query, Unit.VALUE);
  }

  /**
   * Reads {@code query} at every key concurrently and returns the values in key order, as an unmodifiable
   * list. Waits for every key, then throws the first failure in key order.
   *
   * @throws IllegalStateException as {@link #get} does
   */
  @SuppressWarnings("unchecked")
  public <K, V> List<V> getAll(Query<K, V> query, List<? extends K> keys) {
    Table t = table(query);
    Objects.requireNonNull(keys, "keys");
    for (K k : keys) {
      Misuse.key(t, k);
    }
    Misuse.read(this, t, keys, true);
    Object[] outs = Fetch.rootAll(this, t, keys);
    for (Object o : outs) {
      if (o instanceof Failure f) {
        throw f.toException();
      }
    }
    return (List<V>) Collections.unmodifiableList(Arrays.asList(outs));
  }

  /**
   * Reads {@code query} at every key as {@link #getAll(Query, List)} does, waiting at most {@code timeout} for
   * all of them, with the rules of {@link #get(Query, Object, Duration)}: values that are all current are
   * returned at once; otherwise the read runs as a task the caller waits for, and when the timeout passes
   * first the caller leaves (every key's evaluation that no other reader waits for is cancelled) and gets a
   * {@link QueryTimeoutException}. A timeout of zero or less returns only values that are all current.
   *
   * @throws QueryTimeoutException if the timeout passed before every outcome
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalStateException as {@link #getAll(Query, List)} does
   */
  @SuppressWarnings("unchecked")
  public <K, V> List<V> getAll(Query<K, V> query, List<? extends K> keys, Duration timeout) {
    Table t = table(query);
    Objects.requireNonNull(keys, "keys");
    for (K k : keys) {
      Misuse.key(t, k);
    }
    Objects.requireNonNull(timeout, "timeout");
    Misuse.read(this, t, keys, true);
    Object[] outs = RootCall.getAll(this, t, keys, timeout);
    for (Object o : outs) {
      if (o instanceof Failure f) {
        throw f.toException();
      }
    }
    return (List<V>) Collections.unmodifiableList(Arrays.asList(outs));
  }

  /**
   * Evaluates {@code query} at {@code key} as {@link #evaluate(Query, Object)} does, waiting at most
   * {@code timeout}, with the rules of {@link #get(Query, Object, Duration)}: the evaluation runs as a task the
   * caller waits for (even when its memo is current, since the diagnostics are collected by an evaluation),
   * and when the timeout passes first the caller leaves and gets a {@link QueryTimeoutException}. A timeout of
   * zero or less evaluates only a query whose outcome is current (value or failure), else throws at once.
   *
   * @throws QueryTimeoutException if the timeout passed before the outcome
   * @throws NullPointerException if {@code timeout} is null
   */
  @SuppressWarnings("unchecked")
  public <K, V> Evaluation<V> evaluate(Query<K, V> query, K key, Duration timeout) {
    Table t = table(query);
    Misuse.key(t, key);
    Objects.requireNonNull(timeout, "timeout");
    Misuse.read(this, t, key, false);
    return (Evaluation<V>) RootCall.evaluate(this, t, key, timeout);
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
    Misuse.key(t, key);
    Misuse.read(this, t, key, false);
    return (Evaluation<V>) Fetch.root(this, t, key, true);
  }

  /** Evaluates the singleton {@code query}: {@code evaluate(query, Unit.VALUE)}. */
  public <V> Evaluation<V> evaluate(Query<Unit, V> query) {
    return evaluate(query, Unit.VALUE);
  }

  /**
   * Sets {@code input} at {@code key} to {@code value}, durability {@link Durability#LOW}. Unless the value
   * equals the current one (by the input's cutoff) with the same durability, when nothing changes (the
   * revision included), running evaluations are cancelled and waited for, the value is written and a new
   * revision starts.
   *
   * @throws IllegalStateException after {@link #close}, from a query body, or from a thread started inside an
   *     evaluation that is still running
   */
  public <K, V> void set(Input<K, V> input, K key, V value) {
    set(input, key, value, Durability.LOW);
  }

  /**
   * Sets {@code input} at {@code key} to {@code value} with {@code durability}, as {@link #set(Input, Object,
   * Object)} does. Setting an equal value with another durability starts a revision in which no value changed.
   */
  public <K, V> void set(Input<K, V> input, K key, V value, Durability durability) {
    Writes w = new Writes(this);
    w.set(input, key, value, durability);
    w.apply();
  }

  /**
   * Sets the singleton {@code input} ({@link Query#singleton}) to {@code value}, durability
   * {@link Durability#LOW}: {@code set(input, Unit.VALUE, value)}.
   */
  public <V> void set(Input<Unit, V> input, V value) {
    set(input, Unit.VALUE, value, Durability.LOW);
  }

  /** Sets the singleton {@code input} to {@code value} with {@code durability}. */
  public <V> void set(Input<Unit, V> input, V value, Durability durability) {
    set(input, Unit.VALUE, value, durability);
  }

  /** Sets {@code input} at every key of {@code values} in one revision, durability {@link Durability#LOW}. */
  public <K, V> void setAll(Input<K, V> input, Map<? extends K, ? extends V> values) {
    Writes w = new Writes(this);
    w.setAll(input, values);
    w.apply();
  }

  /**
   * Removes {@code input} at {@code key}: reading it then throws {@link MissingInputException}, as if it had
   * never been set. Removing a key that has no value changes nothing.
   */
  public <K, V> void remove(Input<K, V> input, K key) {
    Writes w = new Writes(this);
    w.remove(input, key);
    w.apply();
  }

  /** Removes the value of the singleton {@code input}: {@code remove(input, Unit.VALUE)}. */
  public <V> void remove(Input<Unit, V> input) {
    remove(input, Unit.VALUE);
  }

  /**
   * Applies the writes {@code tx} makes as one transaction: one revision, one cancellation of running
   * evaluations, and atomic for readers (no read sees some of the writes without the others). {@code tx} runs
   * on the calling thread before anything is applied; if it throws, nothing is.
   *
   * @throws IllegalStateException as {@link #set} does
   */
  public void update(Consumer<Updates> tx) {
    Objects.requireNonNull(tx, "tx");
    Misuse.writer(this, () -> "update()");
    Writes w = new Writes(this);
    tx.accept(w);
    w.apply();
  }

  /** The current revision: 1 at creation, advanced by each {@link #set} that changes a value. */
  public long revision() {
    return gate.revisions();
  }

  /** A snapshot of the counters. */
  public EngineStats stats() {
    return counters.snapshot(registry.tables());
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
   * With a store ({@link Builder#store}): writes every memo of a query with a codec that is current now, has a
   * value and read only such queries, as a verifying trace (DESIGN.md section 9); memos unchanged since the
   * last checkpoint are only marked as still in use. Waits for a set in progress, not for running evaluations
   * (what they complete meanwhile is written at the next checkpoint). Without a store it does nothing.
   *
   * @throws java.io.UncheckedIOException if the store cannot write; the previous state of the store and every
   *     in-memory result stay valid
   * @throws IllegalStateException after {@link #close}, from a query body, or from a thread started inside an
   *     evaluation that is still running
   */
  public void checkpoint() {
    Misuse.writer(this, () -> "checkpoint()");
    gate.lock();
    try {
      if (gate.closed()) {
        throw new IllegalStateException("engine '" + name + "' is closed; cannot checkpoint");
      }
      if (persistence != null) {
        persistence.checkpoint(registry.tables(), gate.stamp());
      }
    } finally {
      gate.unlock();
    }
  }

  /**
   * Cancels running evaluations and waits for them, writes a last {@link #checkpoint} when the engine has a
   * store, then refuses further calls; closes the scheduler if {@link #create()} made it. Does not close the
   * store (the caller that opened it does). Idempotent. A closed engine holds no reference from the
   * {@link Query} objects it used, so it can be collected once the caller drops it.
   *
   * @throws IllegalStateException from a query body, or from a thread started inside a running evaluation
   * @throws java.io.UncheckedIOException if the last checkpoint cannot be written (the engine is closed all the
   *     same)
   */
  @Override
  public void close() {
    Misuse.writer(this, () -> "close()");
    RuntimeException failed = null;
    gate.lock();
    try {
      if (gate.closed()) {
        return;
      }
      gate.close();
      if (persistence != null) {
        try {
          persistence.checkpoint(registry.tables(), gate.stamp());
        } catch (RuntimeException e) {
          failed = e;
        }
      }
    } finally {
      gate.unlock();
    }
    registry.detach();
    helpers.close();
    if (ownsScheduler) {
      scheduler.close();
    }
    if (failed != null) {
      throw failed;
    }
  }

  @Override
  public String toString() {
    return "QueryEngine[" + name + ", revision " + revision() + ", " + stats() + "]";
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
    return registry.table(d);
  }

  /** The query this engine knows by {@code name} (used or registered), or null. */
  QueryDef<?, ?> queryNamed(String name) {
    return registry.named(name);
  }

  long nextRunnerId() {
    return runnerIds.incrementAndGet();
  }

  /** Options for a {@link QueryEngine}. */
  public static final class Builder {
    private Scheduler scheduler;
    private String name = "weft";
    private MemoStore store;
    private final List<QueryDef<?, ?>> queries = new java.util.ArrayList<>();

    Builder() {}

    /**
     * A store that keeps memos between engines (DESIGN.md section 9): a memo of a query with a codec that this
     * engine has not computed is first looked up there; {@link QueryEngine#checkpoint} and {@code close} write
     * to it. The engine does not close the store. Memos are stored under the engine's {@link #name}, so
     * engines sharing a store share memos only under the same name.
     */
    public Builder store(MemoStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * Queries a stored trace may name: a trace is reused only if every query it read is known to the engine,
     * by having been used or registered here, so registering the queries of a program lets a read of its
     * root be reused before anything else was read.
     *
     * @throws IllegalArgumentException (at {@link #build}) if two of them have the same name
     */
    public Builder queries(Query<?, ?>... queries) {
      for (Query<?, ?> q : queries) {
        this.queries.add((QueryDef<?, ?>) Objects.requireNonNull(q, "query"));
      }
      return this;
    }

    /** The scheduler to run on; the engine does not close it. Default: a new {@link Scheduler#parallel()}. */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * A name for messages and events.
     *
     * @throws IllegalArgumentException if {@code name} is blank
     */
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
      List<QueryDef<?, ?>> registered = List.copyOf(queries);
      java.util.Map<String, QueryDef<?, ?>> byName = new java.util.HashMap<>();
      for (QueryDef<?, ?> d : registered) {
        QueryDef<?, ?> prev = byName.putIfAbsent(d.name, d);
        if (prev != null && prev != d) {
          throw new IllegalArgumentException("two different queries named '" + d.name + "' registered with engine '"
              + name + "'");
        }
      }
      return scheduler == null
          ? new QueryEngine(Scheduler.parallel(), true, name, store, registered)
          : new QueryEngine(scheduler, false, name, store, registered);
    }
  }
}
