package dev.weft.demo;

import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.util.ArrayList;
import java.util.List;

/** Placeholder entry point: spawns a few tasks on Weft's carriers and joins them. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    try (Scheduler scheduler = Scheduler.parallel(2)) {
      List<Task<Long>> tasks = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        int n = 1_000_000 * (i + 1);
        tasks.add(scheduler.spawn("sum-" + i, () -> {
          long s = 0;
          for (int k = 0; k < n; k++) {
            s += k;
          }
          return s;
        }));
      }
      for (Task<Long> t : tasks) {
        System.out.println(t.name() + " = " + t.join());
      }
      System.out.println(scheduler.stats());
    }
  }
}
