package dev.weft.flow;

import java.util.function.LongSupplier;

/**
 * Counters of one stage worker. Each field has a single writer (the worker's thread) and is updated once per
 * chunk, not per item, so plain read-modify-write of a volatile is race-free and cheap; readers
 * ({@link PipelineRun#stats()}) see values at most one chunk old.
 *
 * <p>Blocked time is measured with {@link #clock}: {@link System#nanoTime()} normally, the scheduler's virtual
 * clock in deterministic mode (so simulated delays show up in the stats and the stats replay exactly). The
 * clock is read only on the blocking path.
 */
final class WorkerCounters {
  final LongSupplier clock;
  volatile long in;
  volatile long out;
  volatile long starvedNanos;
  volatile long backpressuredNanos;

  WorkerCounters() {
    this(System::nanoTime);
  }

  WorkerCounters(LongSupplier clock) {
    this.clock = clock;
  }
}
