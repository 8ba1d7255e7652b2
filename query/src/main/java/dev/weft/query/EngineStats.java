package dev.weft.query;

/**
 * A snapshot of a {@link QueryEngine}'s counters since it was created. Exact whenever no evaluation is
 * running, except {@code hits} under concurrent reads (below); while one runs, its {@code executions},
 * {@code liveMemos}, {@code hits} and {@code verifications} are added in batches (every few hundred
 * executions and when each of its threads finishes), so neither the cold path nor a hit pays an atomic add.
 *
 * @param executions query bodies run (first executions, re-executions and restores of evicted values)
 * @param hits reads served from a memo that was already up to date. Reads from outside query bodies are
 *     counted with a plain increment on the memo, so two threads hitting one key at the same instant may
 *     lose a count; the reported total never decreases
 * @param waits reads that parked because another task was computing the memo
 * @param cycles dependency cycles detected
 * @param liveMemos memos currently holding a value or failure
 * @param verifications memos checked against their recorded dependencies in a newer revision
 * @param reExecutions verifications that found a changed dependency and ran the body again
 * @param cutoffs re-executions whose value was the same by the query's cutoff (changed-at kept)
 * @param evictions values dropped by {@link Query#withLru}
 * @param cancellations evaluations unwound with {@link CancelledException}
 * @param tracesLookedUp memos that asked the engine's {@link MemoStore} for traces (never completed here, of a
 *     query with a codec)
 * @param tracesReused memos completed from a stored trace, with no body run
 * @param tracesMismatched stored traces tried and not reused (a dependency's fingerprint differed, or the trace
 *     could not be read)
 * @param valuesLoaded stored values decoded
 * @param tracesStored traces written by checkpoints
 * @param checkpointNanos time spent in checkpoints
 */
public record EngineStats(long executions, long hits, long waits, long cycles, long liveMemos,
    long verifications, long reExecutions, long cutoffs, long evictions, long cancellations,
    long tracesLookedUp, long tracesReused, long tracesMismatched, long valuesLoaded, long tracesStored,
    long checkpointNanos) {

  /** Counters of an engine without a store (the store counters zero). */
  public EngineStats(long executions, long hits, long waits, long cycles, long liveMemos, long verifications,
      long reExecutions, long cutoffs, long evictions, long cancellations) {
    this(executions, hits, waits, cycles, liveMemos, verifications, reExecutions, cutoffs, evictions,
        cancellations, 0, 0, 0, 0, 0, 0);
  }

  /**
   * What happened between {@code earlier} and this snapshot, field by field: each counter's increase, and for
   * {@code liveMemos} the change in live memos (negative when more were evicted or removed than made). Exact
   * when both snapshots are (no evaluation running at either, see above).
   *
   * {@snippet :
   * EngineStats before = engine.stats();
   * engine.set(source, "A.java", "class A { }");
   * engine.get(total, List.of("A.java", "B.java"));
   * EngineStats edit = engine.stats().minus(before);   // edit.executions() == 1: lines(A.java)
   * }
   */
  public EngineStats minus(EngineStats earlier) {
    return new EngineStats(executions - earlier.executions, hits - earlier.hits, waits - earlier.waits,
        cycles - earlier.cycles, liveMemos - earlier.liveMemos, verifications - earlier.verifications,
        reExecutions - earlier.reExecutions, cutoffs - earlier.cutoffs, evictions - earlier.evictions,
        cancellations - earlier.cancellations, tracesLookedUp - earlier.tracesLookedUp,
        tracesReused - earlier.tracesReused, tracesMismatched - earlier.tracesMismatched,
        valuesLoaded - earlier.valuesLoaded, tracesStored - earlier.tracesStored,
        checkpointNanos - earlier.checkpointNanos);
  }
}
