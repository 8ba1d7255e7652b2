package dev.weft.scheduler;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A JVM started by {@code make} in {@code JobserverMakeTest}: a {@code parallel(4)} scheduler that is a
 * jobserver client runs CPU-bound tasks and logs, per task, when it ran (epoch microseconds, comparable across
 * the processes of one machine).
 *
 * <ul>
 *   <li>{@code work LOG TASKS MILLIS}: runs the tasks, closes the scheduler, writes the log.</li>
 *   <li>{@code exit LOG TASKS MILLIS}: runs the tasks, writes the log, then calls {@code System.exit} while one
 *       more task is still busy on a carrier, without closing the scheduler: the shutdown hook must return
 *       the tokens.</li>
 *   <li>{@code churn LOG ROUNDS GAP_MICROS}: {@code ROUNDS} bursts of 8 tiny tasks (20 us of CPU each), joined
 *       each time and followed by an idle gap; logs the jobserver's token reads and writes against the task
 *       count and the elapsed time.</li>
 * </ul>
 */
final class JobserverChild {
  private JobserverChild() {}

  public static void main(String[] args) throws IOException {
    String mode = args[0];
    Path log = Path.of(args[1]);
    Jobserver js = Jobserver.fromEnvironment();
    if (!js.isPresent()) {
      throw new IllegalStateException("no jobserver in MAKEFLAGS=" + System.getenv("MAKEFLAGS"));
    }
    Scheduler s = Scheduler.builder().parallel(4).name("child").jobserver(js).build();
    List<String> lines = new ArrayList<>();
    if (mode.equals("churn")) {
      int rounds = Integer.parseInt(args[2]);
      Duration gap = Duration.ofNanos(Long.parseLong(args[3]) * 1_000L);
      long t0 = System.nanoTime();
      for (int r = 0; r < rounds; r++) {
        List<Task<Long>> tasks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          tasks.add(s.spawn("tiny", () -> spin(20_000L)));
        }
        tasks.forEach(Task::join);
        s.sleep(gap); // idle between bursts: longer than the linger period, every burst takes tokens again
      }
      long elapsed = System.nanoTime() - t0;
      s.close();
      long[] c = js.counts();
      lines.add("churn gapMicros=" + gap.toNanos() / 1_000 + " tasks=" + rounds * 8 + " reads=" + c[0] + " writes=" + c[1] + " held=" + c[2]
          + " elapsedMs=" + elapsed / 1_000_000);
      Files.write(log, lines);
      return;
    }
    int n = Integer.parseInt(args[2]);
    long millis = Long.parseLong(args[3]);
    List<Task<String>> tasks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      tasks.add(s.spawn("cpu-" + i, () -> {
        long start = micros();
        spin(millis * 1_000_000L);
        return start + " " + micros();
      }));
    }
    for (Task<String> t : tasks) {
      lines.add(t.join());
    }
    if (mode.equals("exit")) {
      Files.write(log, lines);
      s.spawn("busy-at-exit", () -> spin(60_000_000_000L));
      // The busy task holds a carrier, hence a permit, when the JVM exits.
      long[] c = js.counts();
      System.out.println("exit while holding; reads=" + c[0] + " writes=" + c[1]);
      System.exit(0);
    }
    s.close();
    long[] c = js.counts();
    lines.add("# reads=" + c[0] + " writes=" + c[1] + " held=" + c[2]);
    Files.write(log, lines);
  }

  private static long micros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000L;
  }

  /** Busy CPU work for about {@code nanos}; returns a value so that it is not optimized away. */
  static long spin(long nanos) {
    long end = System.nanoTime() + nanos;
    long x = 0;
    while (System.nanoTime() < end) {
      x += x * 31 + 7;
    }
    return x;
  }
}
