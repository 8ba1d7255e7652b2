/**
 * A JUnit Jupiter test kit for code running on Weft: {@link dev.weft.junit.WeftTest} runs a test method
 * under many deterministic schedules (and optionally in parallel) with a fresh
 * {@link dev.weft.scheduler.Scheduler} injected, reports the first failing seed with the line that replays it,
 * and replays a given seed.
 *
 * <p>Parameters and return values are non-null unless documented otherwise.
 */
package dev.weft.junit;
