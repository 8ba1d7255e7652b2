package dev.weft.flow;

import java.time.Duration;

/**
 * Counters of one pipeline stage, summed over its workers. Times are time spent blocked, on the scheduler's
 * clock: real time normally, virtual time on {@code Scheduler.deterministic} (where they replay exactly and
 * reflect {@code Scheduler.sleep} delays). The stage with the least starved and least backpressured time is
 * the bottleneck: stages before it wait for room, stages after it wait for items.
 * A snapshot taken while the pipeline runs may lag by up to one chunk per worker.
 *
 * @param name the stage name ({@code "source"}, {@code "map#2"}, {@code "fork#3[1]/filter#1"}, {@code "sink"},
 *     or the name given with {@link Pipeline#named})
 * @param workers number of workers (more than one for replicated stages)
 * @param itemsIn items received from the previous stage (0 for a source)
 * @param itemsOut items handed to the next stage (0 for the sink)
 * @param starved time blocked waiting for input
 * @param backpressured time blocked waiting for room in the next buffer (and, for an ordered replicated
 *     stage, waiting for earlier items to be delivered)
 */
public record StageStats(
    String name, int workers, long itemsIn, long itemsOut, Duration starved, Duration backpressured) {}
