package dev.weft.scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The program of issue 20, written the way a new user would: the test's main thread spawns twelve tasks that
 * pass a token through a {@link ReentrantLock} (yielding inside and outside the lock, so they contend), then
 * joins them one by one. Its result is the order in which the token was taken and the scheduler's stats after
 * the joins; under {@code Scheduler.deterministic(seed)} both must be the same in every run and every JVM.
 *
 * <p>Also a {@code main} for child JVMs: prints {@link #run} for each seed given, one line each.
 */
final class TokenRing {
  static final int TASKS = 12;
  static final int ROUNDS = 20;

  private TokenRing() {}

  /** One run under {@code deterministic(seed)}: the token's path, then the stats read after the joins. */
  static String run(long seed) {
    List<String> path = new ArrayList<>();
    ReentrantLock lock = new ReentrantLock();
    SchedulerStats stats;
    try (Scheduler s = Scheduler.deterministic(seed)) {
      List<Task<Integer>> tasks = new ArrayList<>();
      for (int i = 0; i < TASKS; i++) {
        String name = "t" + i;
        tasks.add(s.spawn(name, () -> {
          int taken = 0;
          for (int r = 0; r < ROUNDS; r++) {
            lock.lock();
            try {
              path.add(name);
              taken++;
              Thread.yield(); // holding the lock: the others queue behind it
            } finally {
              lock.unlock();
            }
            Thread.yield();
          }
          return taken;
        }));
      }
      int total = 0;
      for (Task<Integer> t : tasks) {
        total += t.join();
      }
      stats = s.stats();
      if (total != TASKS * ROUNDS) {
        throw new AssertionError("token taken " + total + " times");
      }
    }
    return String.join(",", path) + " | " + stats;
  }

  public static void main(String[] args) {
    for (String a : args) {
      long seed = Long.parseLong(a);
      System.out.println(seed + " " + run(seed));
    }
  }
}
