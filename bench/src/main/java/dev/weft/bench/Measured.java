package dev.weft.bench;

/**
 * One opened contender of a workload: runs {@code iterations} iterations and returns the measured amount,
 * normally elapsed nanoseconds (a memory workload returns bytes). Per-iteration preparation that must not be
 * timed (a fresh memo table) is done inside {@link #run} outside its own stopwatch.
 */
@FunctionalInterface
interface Measured extends AutoCloseable {

  long run(long iterations) throws Exception;

  /**
   * Units one iteration of this contender does, when it differs from the workload's (a contender too slow
   * for the full job runs a proportional part of it); NaN to use the workload's.
   */
  default double unitsPerIteration() {
    return Double.NaN;
  }

  /** A line for the report's notes (counts behind the figure, what one run did), or null. */
  default String note() {
    return null;
  }

  @Override
  default void close() {}
}
