package dev.weft.scheduler;

/**
 * A snapshot of a {@link Scheduler}'s counters. Counts of live tasks are read without a global lock, so in
 * parallel mode {@code running}, {@code queued} and {@code blocked} are estimates that may be briefly
 * inconsistent with each other.
 *
 * @param carriers number of carrier threads
 * @param spawned tasks spawned since creation
 * @param completed tasks finished since creation
 * @param running tasks mounted on a carrier now
 * @param queued tasks ready to run and waiting for a carrier
 * @param blocked live tasks that are neither running nor queued (parked, sleeping, waiting)
 * @param foreignWakeups wakeups submitted from threads outside the scheduler (deterministic mode only)
 * @param deterministic whether the scheduler is deterministic
 * @param ownCarriers false when the JDK's default scheduler is used as a fallback (then running, queued and
 *     blocked are unknown and reported as 0)
 */
public record SchedulerStats(
    int carriers,
    long spawned,
    long completed,
    int running,
    int queued,
    int blocked,
    long foreignWakeups,
    boolean deterministic,
    boolean ownCarriers) {

  /** Tasks spawned and not yet finished. */
  public long alive() {
    return spawned - completed;
  }
}
