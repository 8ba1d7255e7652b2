/**
 * Dataflow on Weft's scheduler: {@link dev.weft.flow.Pipeline}s of stages connected by bounded channels, and
 * static {@link dev.weft.flow.Graph}s recomputed incrementally by {@link dev.weft.flow.Graph#stabilize()}.
 *
 * <p>Pipeline stages run on virtual threads of the {@link dev.weft.scheduler.Scheduler} given to the terminal
 * call and block on their channels with {@link java.util.concurrent.locks.ReentrantLock} conditions, never
 * with timed waits, so a pipeline on {@code Scheduler.deterministic(seed)} replays exactly. Graph nodes run on
 * the thread calling {@code stabilize}, or on the scheduler for levels with enough independent work.
 *
 * <p>Parameters and return values are non-null unless documented otherwise. Pipeline items are never null;
 * graph values may be.
 */
package dev.weft.flow;
