/**
 * Wait-for graphs, deadlock-detecting locks and a stall watchdog; see {@link dev.weft.deadlock}.
 * No dependencies beyond the JDK ({@code jdk.jfr} for the {@code weft.Stall} event).
 */
module dev.weft.deadlock {
  requires jdk.jfr;

  exports dev.weft.deadlock;
}
