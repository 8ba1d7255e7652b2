/**
 * Wait-for graphs, deadlock-detecting locks and a stall watchdog. No dependencies beyond the JDK.
 *
 * <p>Parameters and return values are non-null unless documented otherwise.
 */
package dev.weft.deadlock;
