package dev.weft.query;

import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters behind {@link QueryEngine#stats()} and the events and per-query timings of executions.
 *
 * <p><b>Implementation overview.</b> The counts that grow on every query (executions, memos that became
 * live, hits inside bodies, verifications) are kept in plain fields of the {@link Runner} that did the work,
 * because an atomic add per query costs a fenced instruction each, and are added here by {@link #flush}: when
 * the runner finishes, every {@link #FLUSH_EVERY} executions, and before an LRU admission may evict (so an
 * eviction's decrement never meets an increment not yet added). Hits from outside bodies are plain increments
 * on the memo itself ({@link MemoHot#hits}) and are summed over the tables when a snapshot is taken; the
 * reported total is kept monotonic. Rarer events (waits, cycles, re-executions, cutoffs, evictions,
 * cancellations) go straight to their adders.
 *
 * <p>Events: {@code weft.QueryExecuted} per verification or execution (and per hit while a recording asks for
 * {@code cached} events), {@code weft.CycleDetected} per cycle. Per-query timings only while a
 * {@link QueryEngineMetrics} is bound ({@link #timings} non-null).
 */
final class EngineCounters {
  static final int FLUSH_EVERY = 256;

  private final String engine;
  final LongAdder executions = new LongAdder();
  /** Hits inside query bodies, added from runners in batches like executions. */
  final LongAdder hits = new LongAdder();
  /** The largest hit total {@link #snapshot} returned: keeps the reported count monotonic. */
  private final AtomicLong hitsReported = new AtomicLong();
  final LongAdder waits = new LongAdder();
  final LongAdder cycles = new LongAdder();
  final LongAdder live = new LongAdder();
  final LongAdder verifications = new LongAdder();
  final LongAdder reExecutions = new LongAdder();
  final LongAdder cutoffs = new LongAdder();
  final LongAdder evictions = new LongAdder();
  final LongAdder cancellations = new LongAdder();
  final LongAdder tracesLookedUp = new LongAdder();
  final LongAdder tracesReused = new LongAdder();
  final LongAdder tracesMismatched = new LongAdder();
  final LongAdder valuesLoaded = new LongAdder();
  final LongAdder tracesStored = new LongAdder();
  final LongAdder checkpointNanos = new LongAdder();

  /** Per-query counters and timers, only while a {@link QueryEngineMetrics} is bound; null otherwise. */
  volatile QueryTimings timings;

  /** The per-query timings a metrics binder reads; created on first use, one per engine however many bind. */
  synchronized QueryTimings timings() {
    QueryTimings t = timings;
    if (t == null) {
      t = new QueryTimings();
      timings = t;
    }
    return t;
  }

  EngineCounters(String engine) {
    this.engine = engine;
  }

  /** Adds a runner's batched counts to the engine's counters. */
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
    if (r.recordedCount != 0) {
      Cone.flush(r); // here because every runner passes here before it leaves the gate
    }
  }

  /** Counts one execution on {@code r}, flushing every {@link #FLUSH_EVERY}. */
  void executed(Runner r) {
    if (++r.executed >= FLUSH_EVERY) {
      flush(r);
    }
  }

  void evicted() {
    evictions.increment();
    live.decrement();
  }

  EngineStats snapshot(Collection<Table> tables) {
    long h = hits.sum();
    for (Table t : tables) {
      h += t.outerHits();
    }
    long reported = hitsReported.accumulateAndGet(h, Math::max);
    return new EngineStats(executions.sum(), reported, waits.sum(), cycles.sum(), live.sum(),
        verifications.sum(), reExecutions.sum(), cutoffs.sum(), evictions.sum(), cancellations.sum(),
        tracesLookedUp.sum(), tracesReused.sum(), tracesMismatched.sum(), valuesLoaded.sum(), tracesStored.sum(),
        checkpointNanos.sum());
  }

  /** An event for a verification or execution about to start, or null when not recorded. */
  static Events.QueryExecuted begin() {
    if (Events.executedEnabled()) {
      Events.QueryExecuted ev = new Events.QueryExecuted();
      ev.begin();
      return ev;
    }
    return null;
  }

  /** The start time for per-query timings, or 0 when none are kept. */
  long startTime() {
    return timings != null ? System.nanoTime() : 0L;
  }

  /** Ends a verification or execution of {@code m} begun with {@link #begin} and {@link #startTime}. */
  void end(Events.QueryExecuted ev, long t0, Memo m, Outcome outcome) {
    QueryTimings t = timings;
    if (t != null) {
      t.record(m.table, outcome, System.nanoTime() - t0);
    }
    if (ev != null) {
      ev.end();
      if (ev.shouldCommit()) {
        ev.engine = engine;
        ev.query = m.table.query.name;
        ev.key = Events.key(m.key);
        ev.outcome = outcome.label();
        ev.commit();
      }
    }
  }

  /** A memo hit as a zero-length {@code weft.QueryExecuted} with outcome {@code cached}. */
  void cached(Memo m) {
    if (Events.executedEnabled()) {
      Events.QueryExecuted ev = new Events.QueryExecuted();
      if (ev.shouldCommit()) {
        ev.engine = engine;
        ev.query = m.table.query.name;
        ev.key = Events.key(m.key);
        ev.outcome = Outcome.CACHED.label();
        ev.commit();
      }
    }
  }

  void cycle(Cycle c) {
    cycles.increment();
    if (Events.cycleEnabled()) {
      Events.CycleDetected ev = new Events.CycleDetected();
      if (ev.shouldCommit()) {
        ev.engine = engine;
        ev.cycle = c.calls.toString();
        ev.size = c.calls.size();
        ev.commit();
      }
    }
  }
}
