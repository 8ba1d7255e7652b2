package dev.weft.scheduler;

import java.util.function.BooleanSupplier;

/** Waiting for a state of a scheduler's tasks from a test's thread. */
final class Waits {
  private Waits() {}

  /**
   * Returns once {@code condition} holds, checked by a task of {@code s} that yields between checks. The test's
   * thread waits by joining that task, so on a deterministic scheduler the other tasks run meanwhile (tasks run
   * only while a thread outside the scheduler waits on it) and the condition is checked at points the seed
   * decides.
   */
  static void until(Scheduler s, BooleanSupplier condition) {
    s.spawn("until", () -> {
      while (!condition.getAsBoolean()) {
        Thread.yield();
      }
      return null;
    }).join();
  }
}
