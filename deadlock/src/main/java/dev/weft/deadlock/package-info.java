/**
 * Wait-for graphs, deadlock-detecting locks and a stall watchdog. No dependencies beyond the JDK.
 *
 * <ul>
 *   <li>{@link dev.weft.deadlock.WaitForGraph}: who waits for whom; refuses, atomically, the edge that would
 *       close a cycle and returns the cycle in a canonical rotation. The building block for every detector
 *       in Weft.</li>
 *   <li>{@link dev.weft.deadlock.TrackedLock}: a reentrant {@link java.util.concurrent.locks.Lock} whose
 *       waits are recorded in one shared graph of threads; when a wait would close a cycle, exactly one thread
 *       of the cycle, the youngest transaction, gets {@link dev.weft.deadlock.DeadlockException} instead of
 *       every thread hanging, so threads that retry always make progress.</li>
 *   <li>{@link dev.weft.deadlock.Watchdog} and {@link dev.weft.deadlock.StallReport}: a backstop for waits no
 *       graph records; when watched threads are blocked and nothing progresses for a quiet period, a report
 *       with the graph edges and every blocked thread's stack goes to listeners, the JFR event
 *       {@code weft.Stall} and the log.</li>
 * </ul>
 *
 * <p>Everything here blocks with {@link java.util.concurrent.locks.LockSupport} and
 * {@link java.util.concurrent.locks.ReentrantLock}, never with monitors, so it behaves the same on virtual and
 * platform threads and keeps Weft's deterministic scheduler deterministic.
 *
 * <p>Parameters and return values are non-null unless documented otherwise.
 */
package dev.weft.deadlock;
