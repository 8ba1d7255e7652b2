package dev.weft.bench;

/**
 * One opened contender of a workload: runs {@code iterations} iterations and returns the measured amount,
 * normally elapsed nanoseconds (a memory workload returns bytes). Per-iteration preparation that must not be
 * timed (a fresh memo table) is done inside {@link #run} outside its own stopwatch.
 */
@FunctionalInterface
interface Measured extends AutoCloseable {

  long run(long iterations) throws Exception;

  @Override
  default void close() throws Exception {}
}
