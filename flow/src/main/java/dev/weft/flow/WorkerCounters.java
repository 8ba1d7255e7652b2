package dev.weft.flow;

/**
 * Counters of one stage worker. Each field has a single writer (the worker's thread) and is updated once per
 * chunk, not per item, so plain read-modify-write of a volatile is race-free and cheap; readers
 * ({@link PipelineRun#stats()}) see values at most one chunk old.
 */
final class WorkerCounters {
  volatile long in;
  volatile long out;
  volatile long starvedNanos;
  volatile long backpressuredNanos;
}
