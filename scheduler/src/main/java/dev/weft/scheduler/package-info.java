/**
 * Carrier pools and virtual-thread tasks: {@link dev.weft.scheduler.Scheduler} in parallel and deterministic
 * modes, with a virtual clock for the latter, and {@link dev.weft.scheduler.Jobserver}, which lets a parallel
 * scheduler share the job slots of a GNU {@code make -jN}.
 *
 * <p>Parameters and return values are non-null unless documented otherwise.
 */
package dev.weft.scheduler;
